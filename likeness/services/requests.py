"""Data-subject requests: intake, email verification, the case file, deadlines, closing."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import select

from likeness import tokens
from likeness.clock import today as amsterdam_today
from likeness.deadlines import due_date, extended_due_date
from likeness.errors import Gone, InvalidInput, NotFound
from likeness.extensions import db
from likeness.imaging import decode_upload
from likeness.links import external_url
from likeness.models import (
    RequestAction,
    RequestMessage,
    RequestStatus,
    RequestStatusChange,
    RequestType,
    StaffUser,
    SubjectRequest,
    utcnow,
)
from likeness.services import audit, mail, outbox, staff
from likeness.storage import instance_dir, write_atomically

OPEN_STATES = {RequestStatus.AWAITING_VERIFICATION.value, RequestStatus.OPEN.value,
               RequestStatus.INFO_REQUESTED.value, RequestStatus.IN_PROGRESS.value}
VERIFY_LINK_DAYS = 14
STATUS_LINK_DAYS = 90


@dataclass(frozen=True)
class Intake:
    type: str
    name: str
    email: str
    details: str
    language: str
    selfie: bytes | None = None
    selfie_consent: bool = False


def submit(intake: Intake) -> SubjectRequest:
    """Store the request (that instant is the receipt) and email the verification link."""
    if intake.type not in {t.value for t in RequestType}:
        raise InvalidInput(_("Choose what you are asking for."))
    if not intake.name.strip():
        raise InvalidInput(_("Fill in your name."))
    email = staff.normalise_email(intake.email)
    if intake.language not in {"nl", "en"}:
        raise InvalidInput(_("Unknown language."))
    if intake.selfie and not intake.selfie_consent:
        raise InvalidInput(_("Tick that we may use your photo for this search, or leave the "
                             "photo out."))
    if not intake.selfie and not intake.details.strip():
        raise InvalidInput(_("Without a photo, please describe where and when you were "
                             "photographed, so we can find the photos."))
    decoded = decode_upload(intake.selfie) if intake.selfie else None
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
    selfie = None
    if decoded is not None:
        selfie = instance_dir() / f"selfies/{request.id}-{secrets.token_hex(8)}.jpg"
        write_atomically(selfie, decoded.encoded())
        request.selfie_path = str(selfie.relative_to(instance_dir()))
    try:
        set_status(request, RequestStatus.AWAITING_VERIFICATION.value, actor="subject")
        mail.queue_email(email, "request_verify", language=request.language, request=request,
                         url=external_url("portal.verify_request",
                                          token=verification_token(request)))
        audit.record("request.received", actor="subject", subject=f"request:{request.id}",
                     details={"type": request.type, "selfie": decoded is not None})
        outbox.commit()
    except BaseException:
        outbox.rollback()
        if selfie is not None:
            selfie.unlink(missing_ok=True)  # never a selfie without its request
        raise
    return request


def verification_token(request: SubjectRequest) -> str:
    return tokens.make(tokens.Purpose.REQUEST_VERIFICATION, {"r": request.id})


def status_token(request: SubjectRequest) -> str:
    return tokens.make(tokens.Purpose.REQUEST_STATUS, {"r": request.id})


def from_verification_link(token: str) -> SubjectRequest:
    payload = tokens.read(tokens.Purpose.REQUEST_VERIFICATION, token,
                          max_age_seconds=VERIFY_LINK_DAYS * 86400)
    return _from_payload(payload)


def verify(token: str) -> SubjectRequest:
    """Confirm the email address (single use: a second POST is a 410)."""
    request = from_verification_link(token)
    if request.email_verified_at is not None:
        raise Gone(_("This address was already confirmed. Use the status link we sent."))
    request.email_verified_at = utcnow()
    set_status(request, RequestStatus.OPEN.value, actor="subject")
    mail.queue_email(request.email, "request_received", language=request.language,
                     request=request, url=status_url(request))
    audit.record("request.verified", actor="subject", subject=f"request:{request.id}")
    outbox.commit()
    return request


def from_status_link(token: str) -> SubjectRequest:
    payload = tokens.read(tokens.Purpose.REQUEST_STATUS, token,
                          max_age_seconds=STATUS_LINK_DAYS * 86400)
    return _from_payload(payload)


def status_url(request: SubjectRequest) -> str:
    return external_url("portal.request_status", token=status_token(request))


def reply(token: str, body: str) -> SubjectRequest:
    """The person answers a question from staff on the status page."""
    request = from_status_link(token)
    if request.status not in OPEN_STATES:
        raise Gone(_("This request is closed."))
    if not body.strip():
        raise InvalidInput(_("Write your answer."))
    db.session.add(RequestMessage(request_id=request.id, author="subject", body=body[:5000]))
    if request.status == RequestStatus.INFO_REQUESTED.value:
        set_status(request, RequestStatus.OPEN.value, actor="subject", note="answer received")
    audit.record("request.subject_replied", actor="subject", subject=f"request:{request.id}")
    outbox.commit()
    return request


# --- staff ----------------------------------------------------------------------------


def get(request_id: int) -> SubjectRequest:
    request = db.session.get(SubjectRequest, request_id)
    if request is None:
        raise NotFound(_("No such request."))
    return request


def queue(*, type_: str | None = None, status: str | None = None,
          assignee_id: int | None = None, include_closed: bool = False) -> list[SubjectRequest]:
    """The work queue, most urgent deadline first."""
    query = select(SubjectRequest)
    if not include_closed:
        query = query.where(SubjectRequest.status.in_(OPEN_STATES))
    if type_:
        query = query.where(SubjectRequest.type == type_)
    if status:
        query = query.where(SubjectRequest.status == status)
    if assignee_id:
        query = query.where(SubjectRequest.assignee_id == assignee_id)
    rows = list(db.session.scalars(query))
    return sorted(rows, key=lambda r: (current_deadline(r), r.id))


def current_deadline(request: SubjectRequest) -> date:
    return request.extended_due_on or request.due_on


def days_left(request: SubjectRequest, today: date | None = None) -> int:
    return (current_deadline(request) - (today or amsterdam_today())).days


def messages(request_id: int, *, include_internal: bool) -> list[RequestMessage]:
    query = select(RequestMessage).where(RequestMessage.request_id == request_id)
    if not include_internal:
        query = query.where(RequestMessage.is_internal.is_(False))
    return list(db.session.scalars(query.order_by(RequestMessage.id)))


def actions(request_id: int) -> list[RequestAction]:
    return list(db.session.scalars(select(RequestAction).where(
        RequestAction.request_id == request_id).order_by(RequestAction.id)))


def assign(request_id: int, assignee_id: int | None, *, actor: StaffUser) -> SubjectRequest:
    request = get(request_id)
    if assignee_id is not None:
        staff.get(assignee_id)
    request.assignee_id = assignee_id
    audit.record("request.assigned", actor=actor.audit_ref, subject=f"request:{request.id}",
                 details={"assignee": f"staff:{assignee_id}" if assignee_id else None})
    outbox.commit()
    return request


def add_note(request_id: int, body: str, *, actor: StaffUser) -> None:
    request = get(request_id)
    if not body.strip():
        raise InvalidInput(_("Write a note."))
    db.session.add(RequestMessage(request_id=request.id, author=actor.audit_ref,
                                  body=body[:5000], is_internal=True))
    audit.record("request.note_added", actor=actor.audit_ref, subject=f"request:{request.id}")
    outbox.commit()


def send_message(request_id: int, body: str, *, actor: StaffUser,
                 ask_information: bool = False) -> None:
    """A message to the person; `ask_information` flags a reasonable doubt (Art. 12(6))."""
    request = get(request_id)
    _require_open(request)
    if not body.strip():
        raise InvalidInput(_("Write a message."))
    db.session.add(RequestMessage(request_id=request.id, author=actor.audit_ref,
                                  body=body[:5000]))
    if ask_information:
        request.identity_doubt = body[:2000]
        set_status(request, RequestStatus.INFO_REQUESTED.value, actor=actor.audit_ref,
                note="more information asked")
    mail.queue_email(request.email, "request_message", language=request.language,
                     request=request, url=status_url(request), ask=ask_information)
    audit.record("request.message_sent", actor=actor.audit_ref, subject=f"request:{request.id}",
                 details={"asks_information": ask_information})
    outbox.commit()


def extend(request_id: int, months: int, reason: str, *, actor: StaffUser,
           today: date | None = None) -> SubjectRequest:
    """Extend by one or two months: only before the first deadline, with a reason that
    the person is told at once (Art. 12(3))."""
    request = get(request_id)
    _require_open(request)
    if request.extended_due_on is not None:
        raise InvalidInput(_("This request was already extended."))
    if not reason.strip():
        raise InvalidInput(_("An extension needs a reason; the person is told it."))
    if (today or amsterdam_today()) > request.due_on:
        raise InvalidInput(_("The first deadline has passed: an extension is no longer "
                             "allowed."))
    try:
        request.extended_due_on = extended_due_date(request.received_at, months)
    except ValueError as exc:
        raise InvalidInput(_("An extension is one or two months.")) from exc
    request.extension_reason = reason.strip()[:2000]
    request.extended_at = utcnow()
    set_status(request, request.status, actor=actor.audit_ref,
            note=f"deadline extended to {request.extended_due_on.isoformat()}")
    mail.queue_email(request.email, "request_extended", language=request.language,
                     request=request, url=status_url(request))
    audit.record("request.extended", actor=actor.audit_ref, subject=f"request:{request.id}",
                 details={"months": months})
    outbox.commit()
    return request


def refuse(request_id: int, reason: str, *, actor: StaffUser) -> SubjectRequest:
    """Refuse with reasons, the right to complain to the AP and to go to court (Art. 12(4))."""
    request = get(request_id)
    _require_open(request)
    if not reason.strip():
        raise InvalidInput(_("A refusal needs its reasons."))
    request.refusal_reason = reason.strip()[:5000]
    request.outcome = "refused"
    # A new answer: the refusal replaces any answer made before (e.g. after an objection
    # restricted the photos "while we decide").
    request.response_pdf_path = None
    request.response_pdf_sha256 = None
    set_status(request, RequestStatus.REFUSED.value, actor=actor.audit_ref)
    outbox.add("render_response", request.id)
    audit.record("request.refused", actor=actor.audit_ref, subject=f"request:{request.id}")
    outbox.commit()
    return request


def close(request_id: int, *, actor: StaffUser, outcome: str = "") -> SubjectRequest:
    """Close the request; its reference selfie and selfie template are deleted."""
    request = get(request_id)
    if request.status == RequestStatus.CLOSED.value:
        return request
    if outcome:
        request.outcome = outcome[:5000]
    request.closed_at = utcnow()
    set_status(request, RequestStatus.CLOSED.value, actor=actor.audit_ref)
    selfie = request.selfie_path
    had_template = request.selfie_template_ciphertext is not None
    request.selfie_path = None
    request.selfie_template_ciphertext = None
    if selfie or had_template:
        audit.record("request.selfie_deleted", actor=actor.audit_ref,
                     subject=f"request:{request.id}",
                     details={"file": bool(selfie), "template": had_template})
    audit.record("request.closed", actor=actor.audit_ref, subject=f"request:{request.id}")
    outbox.commit()
    if selfie:
        # After the commit: a rollback must never leave a row pointing at a deleted file.
        (instance_dir() / selfie).unlink(missing_ok=True)
    return request


def reminders(today: date | None = None) -> dict[str, list[SubjectRequest]]:
    """Open requests due within 7 days, and overdue ones (for the daily staff reminder)."""
    today = today or amsterdam_today()
    rows = queue()
    return {
        "overdue": [r for r in rows if current_deadline(r) < today],
        "due_soon": [r for r in rows if today <= current_deadline(r) <= today + timedelta(7)],
    }


def selfie_bytes(request: SubjectRequest) -> bytes | None:
    if not request.selfie_path:
        return None
    path: Path = instance_dir() / request.selfie_path
    return path.read_bytes() if path.exists() else None


def record_action(request: SubjectRequest, kind: str, detail: str = "", *,
                  exception: bool = False) -> None:
    db.session.add(RequestAction(request_id=request.id, kind=kind, detail=detail,
                                 is_exception=exception))


def status_changes(request_id: int) -> list[RequestStatusChange]:
    return list(db.session.scalars(select(RequestStatusChange).where(
        RequestStatusChange.request_id == request_id).order_by(RequestStatusChange.id)))


def _from_payload(payload: dict[str, object]) -> SubjectRequest:
    request_id = payload.get("r")
    request = db.session.get(SubjectRequest, request_id) if isinstance(request_id, int) else None
    if request is None:
        raise NotFound(_("No such request."))
    return request


def _require_open(request: SubjectRequest) -> None:
    if request.status not in OPEN_STATES:
        raise InvalidInput(_("This request is closed."))


def set_status(request: SubjectRequest, to_status: str, *, actor: str,
               note: str | None = None) -> None:
    """Change the status and record it in the history (the person's timeline)."""
    previous = request.status if request.history else None
    db.session.add(RequestStatusChange(request_id=request.id, from_status=previous,
                                       to_status=to_status, actor=actor, note=note))
    request.status = to_status


