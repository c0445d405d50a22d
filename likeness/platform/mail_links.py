"""Links in stored mails: sealed until the mail is sent, then gone.

Signing, manage and status links open pages without a login: whoever reads one can
use it. The stored copy of a mail (the database, and so every backup) must not hold
them. So before a mail is stored, every link in its body is replaced by a numbered
placeholder, and the links are sealed (AES-256-GCM, the mail's id as associated data)
under a key derived from `SECRET_KEY`, which lives outside the database. Delivery
opens them to build the message it sends, and then drops the sealed copy: what stays
is the placeholder.
"""

from __future__ import annotations

import json
import re
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from flask_babel import gettext as _

_URL = re.compile(r"https?://[^\s<>\"']+")
_TRAILING = ".,;:!?)]}'\""
_NONCE = 12


class SealedLinksUnreadable(RuntimeError):
    """The sealed links cannot be opened (SECRET_KEY changed, or the row was altered):
    the mail is not sent with placeholders instead of its links."""


Withheld = dict[str, str]  # placeholder -> link


def withhold(body: str) -> tuple[str, Withheld]:
    """The body with each link replaced by a numbered placeholder (in the mail's language:
    call it under the mail's locale), and the links by placeholder."""
    links: Withheld = {}

    def swap(match: re.Match[str]) -> str:
        url = match.group(0)
        kept = url.rstrip(_TRAILING)
        placeholder = _("[link %(n)s, not stored]", n=len(links) + 1)
        links[placeholder] = kept
        return placeholder + url[len(kept):]

    return _URL.sub(swap, body), links


def restore(body: str, links: Withheld) -> str:
    """The body as sent: the placeholders replaced by their links."""
    for placeholder, url in links.items():
        body = body.replace(placeholder, url)
    return body


def seal(links: Withheld, email_id: int) -> bytes | None:
    if not links:
        return None
    nonce = secrets.token_bytes(_NONCE)
    return nonce + AESGCM(_key()).encrypt(nonce, json.dumps(links).encode(), _aad(email_id))


def unseal(sealed: bytes | None, email_id: int) -> Withheld:
    if not sealed:
        return {}
    try:
        plain = AESGCM(_key()).decrypt(sealed[:_NONCE], sealed[_NONCE:], _aad(email_id))
    except InvalidTag as exc:
        raise SealedLinksUnreadable(f"the links of email {email_id} cannot be opened") from exc
    return {str(k): str(v) for k, v in json.loads(plain).items()}


def _key() -> bytes:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"likeness-mail",
                info=b"likeness/mail-links").derive(secret)


def _aad(email_id: int) -> bytes:
    return b"likeness-mail:%d" % email_id
