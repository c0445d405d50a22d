"""PAdES signatures on every PDF we issue (answers to requests, signed quitclaims).

A recipient (or a court) can check with any PDF reader that the document comes from
the organisation and has not changed since: one changed byte breaks the signature.
The organisation's key and certificate come from settings (`PDF_SIGNING_KEY_FILE`,
`PDF_SIGNING_CERT_FILE`, PEM; `PDF_SIGNING_KEY_PASSWORD` if the key is encrypted).
Development and tests generate a self-signed certificate under `instance/pdf-signing/`
(key mode 0600); elsewhere a missing key stops the rendering with a clear error.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from pathlib import Path
from typing import Any

from flask import current_app

from likeness.platform.app_state import per_app

_EXTENSION_KEY = "likeness.pdf_signer"


class SigningKeyError(RuntimeError):
    """The organisation's signing key or certificate is missing or unusable."""


def _import_pyhanko() -> None:
    # pyHanko warns at import under cryptography 51 (see likeness.platform.known_warnings);
    # imported here once, the later imports below find it in sys.modules and stay silent.
    from likeness.platform.known_warnings import known_import_warnings_silenced

    with known_import_warnings_silenced():
        import pyhanko.sign  # noqa: F401


def sign(content: bytes) -> bytes:
    """`content` with an invisible PAdES (B-B) signature by the organisation."""
    _import_pyhanko()
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    writer = IncrementalPdfFileWriter(io.BytesIO(content), strict=False)
    meta = signers.PdfSignatureMetadata(
        field_name="Organisation",
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        name=current_app.config["ORGANISATION_NAME"],
        reason="Issued by " + current_app.config["ORGANISATION_NAME"],
    )
    output = signers.sign_pdf(writer, meta, signer=_signer())
    return bytes(output.getvalue())


def certificate_path() -> Path:
    """The PEM certificate PDFs are signed with (to validate them)."""
    _signer()
    return _paths()[1]


def _signer() -> Any:
    return per_app(_EXTENSION_KEY, _load)


def _paths() -> tuple[Path, Path]:
    cfg = current_app.config
    if cfg.get("PDF_SIGNING_KEY_FILE") and cfg.get("PDF_SIGNING_CERT_FILE"):
        return Path(cfg["PDF_SIGNING_KEY_FILE"]), Path(cfg["PDF_SIGNING_CERT_FILE"])
    folder = Path(cfg["INSTANCE_PATH"]) / "pdf-signing"
    return folder / "key.pem", folder / "certificate.pem"


def _load() -> Any:
    _import_pyhanko()
    from pyhanko.sign import signers

    key, cert = _paths()
    if not (key.exists() and cert.exists()):
        if current_app.config["ENV_NAME"] not in {"development", "testing"} or (
            current_app.config.get("PDF_SIGNING_KEY_FILE")
        ):
            raise SigningKeyError(
                "No PDF signing key: set PDF_SIGNING_KEY_FILE and PDF_SIGNING_CERT_FILE "
                "(PEM) to the organisation's key and certificate."
            )
        _create_self_signed(key, cert, current_app.config["ORGANISATION_NAME"])
    password = current_app.config.get("PDF_SIGNING_KEY_PASSWORD") or None
    signer = signers.SimpleSigner.load(
        str(key), str(cert), key_passphrase=password.encode() if password else None
    )
    if signer is None:
        raise SigningKeyError(f"Could not load the PDF signing key {key} / {cert}.")
    return signer


def _create_self_signed(key_path: Path, cert_path: Path, organisation: str) -> None:
    """A development certificate: self-signed, for document signing, ten years."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, f"{organisation} (development)"[:64]),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64]),
    ])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=True, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=False,
            encipher_only=False, decipher_only=False), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
