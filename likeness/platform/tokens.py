"""Signed, expiring links (itsdangerous), one salt per purpose.

A token signed for one purpose never validates for another. A link that was never
valid (tampered, or made for something else) is a 400; a link that was valid once
but has expired is a 410. Single use is enforced by the services, against the
database, not here.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from likeness.errors import Gone, InvalidInput


class Purpose(StrEnum):
    QUITCLAIM_INVITATION = "quitclaim-invitation"
    MANAGE_CONSENT = "manage-consent"
    REQUEST_VERIFICATION = "request-verification"
    REQUEST_STATUS = "request-status"
    REQUEST_PERSON_CONFIRMATION = "request-person-confirmation"
    PORTABILITY_TRANSMISSION = "portability-transmission"


class InvalidLink(InvalidInput):
    """Tampered, truncated or made for another purpose."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or _("This link is not valid. Please use the exact link "
                                      "from the email."))


class ExpiredLink(Gone):
    pass


def _serializer(purpose: Purpose) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"likeness/{purpose}")


def make(purpose: Purpose, payload: dict[str, Any]) -> str:
    return _serializer(purpose).dumps(payload)


def read(purpose: Purpose, token: str, *, max_age_seconds: int) -> dict[str, Any]:
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age_seconds)
    except SignatureExpired as exc:
        raise ExpiredLink(_("This link has expired.")) from exc
    except BadSignature as exc:
        raise InvalidLink() from exc
    if not isinstance(payload, dict):
        raise InvalidLink()
    return payload
