"""Every PDF we issue is signed by the organisation (PAdES), and the renderer fetches
nothing but our own files."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Flask

from likeness.platform import pdf, pdf_signing
from tests.support.helpers import FIXTURES

pytestmark = pytest.mark.shared_app  # many short tests; see tests/conftest.py `app`


def _validate(data: bytes) -> Any:
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    reader = PdfFileReader(io.BytesIO(data), strict=False)
    (signature,) = reader.embedded_signatures
    root = load_cert_from_pemder(str(pdf_signing.certificate_path()))
    return validate_pdf_signature(signature, ValidationContext(trust_roots=[root]))


def test_a_rendered_pdf_carries_a_valid_organisation_signature_and_one_byte_breaks_it(
    app: Flask,
):
    content = pdf_signing.sign(_plain_pdf())
    status = _validate(content)
    assert status.intact and status.valid and status.trusted
    assert app.config["ORGANISATION_NAME"] in status.signing_cert.subject.human_friendly

    # Change one byte inside the signed range (the page's content stream).
    position = content.index(b"stream", 200) + 20
    tampered = content[:position] + bytes([content[position] ^ 0x01]) + content[position + 1:]
    assert not _validate(tampered).intact


def _plain_pdf() -> bytes:
    from weasyprint import HTML

    return bytes(HTML(string="<p>Answer to your request</p>").write_pdf())


def test_the_signing_key_is_readable_by_its_owner_only(app: Flask):
    pdf_signing.sign(_plain_pdf())
    key, _cert = pdf_signing._paths()
    assert key.stat().st_mode & 0o777 == 0o600


def test_outside_development_a_missing_signing_key_is_a_clear_error(app: Flask):
    app.config["ENV_NAME"] = "production"
    with pytest.raises(pdf_signing.SigningKeyError, match="PDF_SIGNING_KEY_FILE"):
        pdf_signing.sign(_plain_pdf())


@pytest.mark.parametrize("url", [
    "FILE:///etc/passwd", "File:///etc/passwd", "file:///etc/passwd",
    "file://localhost/etc/passwd", "file:///static/../etc/passwd",
    "http://127.0.0.1/x.png", "HTTPS://example.org/x.png", " file:///etc/passwd",
])
def test_the_pdf_renderer_fetches_no_file_outside_static(app: Flask, url: str):
    fetcher = pdf._url_fetcher()
    with pytest.raises(Exception):  # noqa: B017  (WeasyPrint wraps some errors)
        fetcher.fetch(url)


def test_the_pdf_renderer_still_loads_our_own_static_files(app: Flask):
    css = next(pdf.STATIC_ROOT.rglob("*.css"))
    response = pdf._url_fetcher().fetch(css.as_uri().replace("file:", "FILE:"))
    assert response is not None


def test_images_handed_over_in_memory_are_fetched_and_no_other_embedded_name(app: Flask):
    jpeg = (FIXTURES / "obama_small.jpg").read_bytes()
    fetcher = pdf._url_fetcher({"photo-0.jpg": jpeg})
    response = fetcher.fetch("embedded:photo-0.jpg")
    assert response.read() == jpeg and response.content_type == "image/jpeg"
    with pytest.raises(ValueError):
        fetcher.fetch("embedded:photo-1.jpg")

