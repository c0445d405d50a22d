"""A request comes in: filed on the portal, the email address confirmed, the person's
answers to staff's questions."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from flask_babel import gettext as _

from likeness.dsr import casework, links, objection_scope
from likeness.dsr.deadlines import due_date
from likeness.errors import Gone, InvalidInput
from likeness.extensions import db
from likeness.library.imaging import DecodedImage, decode_selfie
from likeness.models import (
    OnBehalf,
    ReceivedVia,
    RequestMessage,
    RequestStatus,
    RequestType,
    SubjectRequest,
    utcnow,
)
from likeness.platform import audit, mail
from likeness.platform.actor import SUBJECT, Actor
from likeness.platform.addresses import normalise_email
from likeness.platform.links import external_url
from likeness.platform.storage import storage
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
    # For someone else: a child (as parent or guardian) or a represented person.
    on_behalf: str = OnBehalf.SELF
    subject_name: str = ""
    stated_relationship: str = ""
    # Where and when the requester was photographed: narrows the face scan.
    event: str = ""
    photographed_from: date | None = None
    photographed_until: date | None = None
    # An objection's scope as the person chose it (`dsr.objection_scope`); None where the
    # channel did not ask (staff confirm it on the case page either way).
    objection_scope: list[str] | None = None


@dataclass(frozen=True)
class CheckedIntake:
    """A request that passed every check, its selfie decoded: ready to be stored."""

    intake: Intake
    email: str
    selfie: DecodedImage | None


def check(intake: Intake) -> CheckedIntake:
    """Validate the form and decode the selfie, or raise the reason. Touches no database:
    call it before the unit of work, so the (SQLite) write lock is never held while an
    image decodes, and a damaged photo is reported at once."""
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
    if not intake.selfie and not (intake.details.strip() or intake.event.strip()):
        raise InvalidInput(_("Without a photo, please describe where and when you were "
                             "photographed, so we can find the photos."))
    _check_behalf(intake)
    if intake.type == RequestType.OBJECTION and intake.objection_scope is not None:
        objection_scope.clean(intake.objection_scope)
    if (intake.photographed_from and intake.photographed_until
            and intake.photographed_from > intake.photographed_until):
        raise InvalidInput(_("The first date lies after the second."))
    decoded = decode_selfie(intake.selfie) if intake.selfie else None
    return CheckedIntake(intake, email, decoded)


@use_case
def submit(filed: Intake | CheckedIntake) -> SubjectRequest:
    """Store the request (that instant is the receipt) and email the verification link.

    Pass a CheckedIntake (from `check`) when this joins a larger unit of work."""
    checked = filed if isinstance(filed, CheckedIntake) else check(filed)
    intake, email, decoded = checked.intake, checked.email, checked.selfie
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
        on_behalf=intake.on_behalf,
        subject_name=intake.subject_name.strip()[:200] or None,
        stated_relationship=intake.stated_relationship.strip()[:500] or None,
        requested_event=intake.event.strip()[:200] or None,
        requested_from=intake.photographed_from,
        requested_until=intake.photographed_until,
        objection_scope=(objection_scope.clean(intake.objection_scope)
                         if intake.type == RequestType.OBJECTION and intake.objection_scope
                         else None),
    )
    db.session.add(request)
    db.session.flush()
    request.reference = f"DSR-{received_at.year}-{request.id:06d}"
    if decoded is not None:
        selfie = f"selfies/{request.id}-{secrets.token_hex(8)}.jpg"
        storage().write(selfie, decoded.encoded())
        on_rollback(lambda: storage().delete(selfie))  # never a selfie without its request
        request.selfie_path = selfie
    casework.set_status(request, RequestStatus.AWAITING_VERIFICATION, actor=SUBJECT)
    mail.queue_email(email, "request_verify", language=request.language, request=request,
                     url=external_url("portal.verify_request",
                                      token=links.verification_token(request)))
    audit.record("request.received", actor=SUBJECT, subject=f"request:{request.id}",
                 details={"type": request.type, "selfie": decoded is not None})
    return request


def _check_behalf(intake: Intake) -> None:
    if intake.on_behalf not in {o.value for o in OnBehalf}:
        raise InvalidInput(_("Say who the request is about."))
    if intake.on_behalf == OnBehalf.SELF:
        return
    if not intake.subject_name.strip():
        raise InvalidInput(_("Fill in the name of the person the request is about."))
    if not intake.stated_relationship.strip():
        raise InvalidInput(_("Say what your relationship to them is; we check it before "
                             "we answer."))


@use_case
def verify(token: str) -> SubjectRequest:
    """Confirm the email address (single use: a second POST is a 410)."""
    request = links.from_verification_link(token)
    if request.email_verified_at is not None:
        raise Gone(_("This address was already confirmed. Use the status link we sent."))
    request.email_verified_at = utcnow()
    if request.status == RequestStatus.AWAITING_VERIFICATION:
        casework.set_status(request, RequestStatus.OPEN, actor=SUBJECT)
    else:  # registered by staff, who work on it already: the timeline notes the link
        casework.set_status(request, request.status, actor=SUBJECT, note="email confirmed")
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
    if request.status == RequestStatus.INFO_REQUESTED:
        # Back to where the case was when staff asked (e.g. in progress), never further.
        asked = [c for c in casework.status_changes(request.id)
                 if c.to_status == RequestStatus.INFO_REQUESTED]
        before = asked[-1].from_status if asked else None
        casework.set_status(request, before if before in casework.OPEN_STATES - {
            RequestStatus.INFO_REQUESTED} else RequestStatus.OPEN,
            actor=SUBJECT, note="answer received")
    audit.record("request.subject_replied", actor=SUBJECT, subject=f"request:{request.id}")
    return request


INCOMING_MAX_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Registration:
    """A request that reached staff by email, letter, phone or at the desk."""

    type: str
    name: str
    received_via: str
    received_at: datetime
    details: str
    language: str
    email: str = ""
    incoming_message: bytes | None = None
    incoming_filename: str = ""
    on_behalf: str = OnBehalf.SELF
    subject_name: str = ""
    stated_relationship: str = ""


@use_case
def register(registration: Registration, *, actor: Actor) -> SubjectRequest:
    """Register a request received outside the portal, with its real receipt time (the
    deadline counts from that day). An address given by phone or in a letter proves
    nothing: it is sent a confirmation link, and nothing else goes to it before that link
    is used. Without an address the answer goes by post, after a recorded identity check
    (`dsr.identity`)."""
    r = registration
    if r.type not in {t.value for t in RequestType}:
        raise InvalidInput(_("Choose what the person asks for."))
    if r.received_via not in {v.value for v in ReceivedVia} - {ReceivedVia.PORTAL}:
        raise InvalidInput(_("Say how the request reached us."))
    if not r.name.strip():
        raise InvalidInput(_("Fill in the name of the person who asks."))
    if r.received_at.tzinfo is None:
        raise InvalidInput(_("Give the time the request was received."))
    if r.received_at > utcnow():
        raise InvalidInput(_("The time of receipt lies in the future."))
    if r.received_at < utcnow() - timedelta(days=366):
        raise InvalidInput(_("The time of receipt lies more than a year ago."))
    if r.language not in {"nl", "en"}:
        raise InvalidInput(_("Unknown language."))
    if r.incoming_message and len(r.incoming_message) > INCOMING_MAX_BYTES:
        raise InvalidInput(_("The attached message is larger than %(mb)d MB.",
                             mb=INCOMING_MAX_BYTES // (1024 * 1024)))
    _check_behalf(Intake(type=r.type, name=r.name, email=r.email, details=r.details,
                         language=r.language, on_behalf=r.on_behalf,
                         subject_name=r.subject_name,
                         stated_relationship=r.stated_relationship))
    email = normalise_email(r.email) if r.email.strip() else ""
    request = SubjectRequest(
        reference="pending-" + secrets.token_hex(6), type=r.type, name=r.name.strip()[:200],
        email=email, details=r.details.strip()[:5000], language=r.language,
        received_at=r.received_at, due_on=due_date(r.received_at),
        received_via=r.received_via, registered_by_id=actor.staff_id,
        on_behalf=r.on_behalf,
        subject_name=r.subject_name.strip()[:200] or None,
        stated_relationship=r.stated_relationship.strip()[:500] or None,
    )
    db.session.add(request)
    db.session.flush()
    request.reference = f"DSR-{r.received_at.year}-{request.id:06d}"
    if r.incoming_message:
        suffix = Path(r.incoming_filename).suffix.lower()[:10] if r.incoming_filename else ""
        stored = f"incoming/{request.id}-{secrets.token_hex(8)}{_safe_suffix(suffix)}"
        storage().write(stored, r.incoming_message)
        on_rollback(lambda: storage().delete(stored))
        request.incoming_message_path = stored
    casework.set_status(request, RequestStatus.OPEN, actor=actor,
                        note=f"registered by staff (received by {r.received_via})")
    if email:
        mail.queue_email(email, "request_verify", language=request.language, request=request,
                         url=external_url("portal.verify_request",
                                          token=links.verification_token(request)))
    audit.record("request.registered", actor=actor, subject=f"request:{request.id}",
                 details={"type": request.type, "via": r.received_via})
    return request


def _safe_suffix(suffix: str) -> str:
    """A file suffix fit for a storage key (".eml", ".pdf"), or none."""
    return suffix if re.fullmatch(r"\.[a-z0-9]{1,9}", suffix) else ""
