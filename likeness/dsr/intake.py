"""A request comes in: filed on the portal, the email address confirmed, the person's
answers to staff's questions."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask_babel import gettext as _

from likeness.dsr import casework, links
from likeness.dsr.deadlines import due_date
from likeness.errors import Gone, InvalidInput
from likeness.extensions import db
from likeness.library.imaging import decode_selfie
from likeness.models import RequestMessage, RequestStatus, RequestType, SubjectRequest, utcnow
from likeness.platform import audit, mail
from likeness.platform.actor import SUBJECT
from likeness.platform.addresses import normalise_email
from likeness.platform.links import external_url
from likeness.platform.storage import instance_dir, write_atomically
from likeness.platform.text import has_control_characters
from likeness.platform.uow import on_rollback, use_case


@dataclass(frozen=True)
class Intake:
    type: str
    name: str
    email: str
    details: str
    language: str
    selfie: bytes | None = None
    selfie_consent: bool = False


@use_case
def submit(intake: Intake) -> SubjectRequest:
    """Store the request (that instant is the receipt) and email the verification link."""
    if intake.type not in {t.value for t in RequestType}:
        raise InvalidInput(_("Choose what you are asking for."))
    if not intake.name.strip():
        raise InvalidInput(_("Fill in your name."))
    if has_control_characters(intake.name) or has_control_characters(intake.details,
                                                                      multiline=True):
        raise InvalidInput(_("Your name must be one line of plain text."))
    email = normalise_email(intake.email)
    if intake.language not in {"nl", "en"}:
        raise InvalidInput(_("Unknown language."))
    if intake.selfie and not intake.selfie_consent:
        raise InvalidInput(_("Tick that we may use your photo for this search, or leave the "
                             "photo out."))
    if not intake.selfie and not intake.details.strip():
        raise InvalidInput(_("Without a photo, please describe where and when you were "
                             "photographed, so we can find the photos."))
    decoded = decode_selfie(intake.selfie) if intake.selfie else None
    received_at = utcnow()
    request = SubjectRequest(
        reference="pending-" + secrets.token_hex(6),
        type=intake.type,
        name=intake.name.strip()[:200],
        email=email,
        details=intake.details.strip()[:5000],
        language=intake.language,
        received_at=received_at,
        due_on=due_date(received_at),
    )
    db.session.add(request)
    db.session.flush()
    request.reference = f"DSR-{received_at.year}-{request.id:06d}"
    if decoded is not None:
        selfie = instance_dir() / f"selfies/{request.id}-{secrets.token_hex(8)}.jpg"
        write_atomically(selfie, decoded.encoded())
        on_rollback(lambda: selfie.unlink(missing_ok=True))  # never a selfie without its request
        request.selfie_path = str(selfie.relative_to(instance_dir()))
    casework.set_status(request, RequestStatus.AWAITING_VERIFICATION.value, actor=SUBJECT)
    mail.queue_email(email, "request_verify", language=request.language, request=request,
                     url=external_url("portal.verify_request",
                                      token=links.verification_token(request)))
    audit.record("request.received", actor=SUBJECT, subject=f"request:{request.id}",
                 details={"type": request.type, "selfie": decoded is not None})
    return request


@use_case
def verify(token: str) -> SubjectRequest:
    """Confirm the email address (single use: a second POST is a 410)."""
    request = links.from_verification_link(token)
    if request.email_verified_at is not None:
        raise Gone(_("This address was already confirmed. Use the status link we sent."))
    request.email_verified_at = utcnow()
    casework.set_status(request, RequestStatus.OPEN.value, actor=SUBJECT)
    mail.queue_email(request.email, "request_received", language=request.language,
                     request=request, url=links.status_url(request))
    audit.record("request.verified", actor=SUBJECT, subject=f"request:{request.id}")
    return request


@use_case
def reply(token: str, body: str) -> SubjectRequest:
    """The person answers a question from staff on the status page."""
    request = links.from_status_link(token)
    if request.status not in casework.OPEN_STATES:
        raise Gone(_("This request is closed."))
    if not body.strip():
        raise InvalidInput(_("Write your answer."))
    db.session.add(RequestMessage(request_id=request.id, author="subject", body=body[:5000]))
    if request.status == RequestStatus.INFO_REQUESTED.value:
        casework.set_status(request, RequestStatus.OPEN.value, actor=SUBJECT,
                            note="answer received")
    audit.record("request.subject_replied", actor=SUBJECT, subject=f"request:{request.id}")
    return request
