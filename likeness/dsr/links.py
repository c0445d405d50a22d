"""The signed links of a request: verify the email address, follow the status."""

from __future__ import annotations

from flask_babel import gettext as _

from likeness.errors import NotFound
from likeness.extensions import db
from likeness.models import SubjectRequest
from likeness.platform import tokens
from likeness.platform.links import external_url

VERIFY_LINK_DAYS = 14
STATUS_LINK_DAYS = 90


def verification_token(request: SubjectRequest) -> str:
    return tokens.make(tokens.Purpose.REQUEST_VERIFICATION, {"r": request.id})


def status_token(request: SubjectRequest) -> str:
    return tokens.make(tokens.Purpose.REQUEST_STATUS, {"r": request.id})


def status_url(request: SubjectRequest) -> str:
    return external_url("portal.request_status", token=status_token(request))


def from_verification_link(token: str) -> SubjectRequest:
    payload = tokens.read(tokens.Purpose.REQUEST_VERIFICATION, token,
                          max_age_seconds=VERIFY_LINK_DAYS * 86400)
    return _from_payload(payload)


def from_status_link(token: str) -> SubjectRequest:
    payload = tokens.read(tokens.Purpose.REQUEST_STATUS, token,
                          max_age_seconds=STATUS_LINK_DAYS * 86400)
    return _from_payload(payload)


def _from_payload(payload: dict[str, object]) -> SubjectRequest:
    request_id = payload.get("r")
    request = db.session.get(SubjectRequest, request_id) if isinstance(request_id, int) else None
    if request is None:
        raise NotFound(_("No such request."))
    return request
