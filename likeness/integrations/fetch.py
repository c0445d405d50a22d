"""Fetch a photo from the image bank by URL: only from its allow-listed hosts, no
redirects followed, never more than a photo may weigh.

The allow-list is the integration's (set by an admin); a redirect could lead anywhere,
so it is refused rather than followed. The body is read in pieces and the read stops
at the upload limit, so a huge or endless answer costs no memory.
"""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _

from likeness.errors import DomainError, InvalidInput

TIMEOUT_SECONDS = 15
CHUNK = 256 * 1024


class TooLarge(DomainError):
    status = 413


class FetchFailed(DomainError):
    """The image bank's server did not give us the photo (502: its side, not the client's)."""

    status = 502


@dataclass(frozen=True)
class Fetched:
    data: bytes
    filename: str


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # urllib then raises HTTPError with the 3xx status


_OPENER = urllib.request.build_opener(_NoRedirects)


def host_of(url: str) -> str:
    """`host` or `host:port` as the allow-list spells it (lower case)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return f"{host}:{parts.port}" if parts.port else host


def check_url(url: str, allowed_hosts: list[str]) -> None:
    """Refuse anything but http(s) on an allow-listed host, without credentials."""
    try:
        parts = urlsplit(url)
        host = host_of(url)
    except ValueError as exc:
        raise InvalidInput(_("This is not a URL we can fetch."), field="url") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(_("Only http and https URLs can be fetched."), field="url")
    if parts.username or parts.password:
        raise InvalidInput(_("A URL with a user name or password is not fetched."), field="url")
    if host not in allowed_hosts:
        raise InvalidInput(_("%(host)s is not an allowed host of this integration.",
                             host=host[:100]), field="url")


def fetch(url: str, allowed_hosts: list[str]) -> Fetched:
    """The photo at `url`, within the upload size limit."""
    check_url(url, allowed_hosts)
    limit = current_app.config["MAX_UPLOAD_FILE_BYTES"]
    request = urllib.request.Request(url, headers={"User-Agent": "Likeness"})  # noqa: S310
    try:
        with _OPENER.open(request, timeout=TIMEOUT_SECONDS) as response:
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > limit:
                raise _too_large(limit)
            data = _read_at_most(response, limit)
    except urllib.error.HTTPError as exc:
        if 300 <= exc.code < 400:
            raise InvalidInput(_("The URL redirects elsewhere; redirects are not followed. "
                                 "Give the photo's own URL."), field="url") from exc
        raise FetchFailed(_("The image bank answered %(status)d for this URL.",
                            status=exc.code)) from exc
    except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
        raise FetchFailed(_("The photo could not be fetched from this URL.")) from exc
    name = urlsplit(url).path.rsplit("/", 1)[-1] or "photo"
    return Fetched(data, name)


def _read_at_most(response: Any, limit: int) -> bytes:
    parts: list[bytes] = []
    size = 0
    while chunk := response.read(CHUNK):
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        parts.append(chunk)
    return b"".join(parts)


def _too_large(limit: int) -> TooLarge:
    return TooLarge(_("The photo is larger than %(mb)d MB.", mb=limit // (1024 * 1024)))
