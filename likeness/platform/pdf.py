"""PDF rendering with WeasyPrint: templates/pdf/*, fetching nothing but our own files.

Images go into the HTML as data: URIs, or, when there are many, as `embedded:<name>`
URLs of images handed to `render_pdf` in memory (60 photos as data: URIs are 4 MB of
text for the HTML parser); the only other thing a PDF may load is a file under static/.
Every other URL (http, file:// elsewhere) is refused, so a name or text typed by a user
can never make the renderer fetch anything.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import render_template
from flask_babel import force_locale

from likeness.config import PROJECT_ROOT
from likeness.platform import pdf_signing

STATIC_ROOT = (PROJECT_ROOT / "static").resolve()


EMBEDDED = "embedded:"


def _url_fetcher(images: dict[str, bytes] | None = None) -> Any:
    """A WeasyPrint fetcher that loads data: URIs, files under static/ and the images
    handed over in memory, nothing else."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    handed_over: dict[str, bytes] = images or {}

    class OwnFilesOnly(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith(EMBEDDED):
                name = url.removeprefix(EMBEDDED)
                if name not in handed_over:
                    raise ValueError(f"refused to fetch {url[:80]!r}")
                return URLFetcherResponse(url, body=handed_over[name],
                                          headers={"Content-Type": "image/jpeg"})
            check_fetchable(url)
            return super().fetch(url, headers)

    # Only data: and file: at all; an unreachable resource stops the rendering.
    return OwnFilesOnly(allowed_protocols={"data", "file"}, fail_on_errors=True)


def check_fetchable(url: str) -> None:
    """Refuse every URL but a data: URI or a file under static/.

    Schemes compare case-insensitively (`FILE:///etc/passwd` is a file URL too), and
    every file path is resolved (`..`, symlinks) before it is compared."""
    scheme, _, rest = url.partition(":")
    scheme = scheme.strip().lower()
    if scheme == "data":
        return
    if scheme == "file":
        location = urlsplit("file:" + rest)
        path = Path(unquote(location.path)).resolve()
        if location.netloc in {"", "localhost"} and path.is_relative_to(STATIC_ROOT) and (
            path.is_file()
        ):
            return
    raise ValueError(f"refused to fetch {url[:80]!r}")


def render_pdf(template: str, *, language: str, images: dict[str, bytes] | None = None,
               **context: Any) -> bytes:
    """Render `templates/pdf/<template>` in `language` to PDF bytes, signed (PAdES) by
    the organisation: every PDF we issue goes through here. `images` are JPEGs the
    template shows as `embedded:<name>`."""
    from weasyprint import HTML  # heavy import: only where PDFs are made

    with force_locale(language):
        html = render_template(f"pdf/{template}", **context)
    document = HTML(string=html, base_url=str(STATIC_ROOT) + "/",
                    url_fetcher=_url_fetcher(images))
    return pdf_signing.sign(bytes(document.write_pdf()))


def data_uri(content: bytes, mimetype: str) -> str:
    return f"data:{mimetype};base64,{base64.b64encode(content).decode()}"


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()
