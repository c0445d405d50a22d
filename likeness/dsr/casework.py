"""Casework on a request: the queue, assignment, notes and messages, extension, refusal,
closing, and the status history that is the person's timeline."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from likeness.dsr import links
from likeness.dsr.deadlines import due_date, extended_due_date
from likeness.errors import InvalidInput, NotFound
from likeness.extensions import db
from likeness.models import (
    OPEN_REQUEST_STATES,
    Person,
    RequestAction,
    RequestMessage,
    RequestStatus,
    RequestStatusChange,
    SubjectRequest,
    utcnow,
)
from likeness.platform import audit, mail, paging
from likeness.platform.actor import Actor
from likeness.platform.clock import today as amsterdam_today
from likeness.platform.jobs import Job
from likeness.platform.paging import Page
from likeness.platform.storage import storage
from likeness.platform.uow import after_commit, use_case
from likeness.staff import accounts

OPEN_STATES = OPEN_REQUEST_STATES


def get(request_id: int) -> SubjectRequest:
    request = db.session.get(SubjectRequest, request_id)
    if request is None:
        raise NotFound(_("No such request."))
    return request


QUEUE_PAGE_SIZE = 50
# The deadline that counts, in SQL (`current_deadline` below, per row): an extension's,
# else the first.
DEADLINE = func.coalesce(SubjectRequest.extended_due_on, SubjectRequest.due_on)
MOST_URGENT_FIRST = (DEADLINE, SubjectRequest.id)  # then the oldest request


def queue(*, type_: str | None = None, status: str | None = None,
          assignee_id: int | None = None, include_closed: bool = False,
          page: int = 1, page_size: int = QUEUE_PAGE_SIZE) -> Page[SubjectRequest]:
    """One page of the work queue, most urgent deadline first (then the oldest request).

    Ordered and paged in SQL: an organisation with hundreds of open requests gets its
    first page as fast as one with ten."""
    query = select(SubjectRequest)
    if not include_closed:
        query = query.where(SubjectRequest.status.in_(OPEN_STATES))
    if type_:
        query = query.where(SubjectRequest.type == type_)
    if status:
        query = query.where(SubjectRequest.status == status)
    if assignee_id:
        query = query.where(SubjectRequest.assignee_id == assignee_id)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = paging.clamp(page, total, page_size)
    rows = list(db.session.scalars(query.order_by(*MOST_URGENT_FIRST)
                                   .limit(page_size).offset((page - 1) * page_size)))
    return Page(rows, page, page_size, total)


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


@use_case
def assign(request_id: int, assignee_id: int | None, *, actor: Actor) -> SubjectRequest:
    request = get(request_id)
    if assignee_id is not None:
        accounts.get(assignee_id)
    request.assignee_id = assignee_id
    audit.record("request.assigned", actor=actor, subject=f"request:{request.id}",
                 details={"assignee": f"staff:{assignee_id}" if assignee_id else None})
    return request


@use_case
def add_note(request_id: int, body: str, *, actor: Actor) -> None:
    request = get(request_id)
    if not body.strip():
        raise InvalidInput(_("Write a note."))
    db.session.add(RequestMessage(request_id=request.id, author=actor.audit_ref,
                                  body=body[:5000], is_internal=True))
    audit.record("request.note_added", actor=actor, subject=f"request:{request.id}")


@use_case
def send_message(request_id: int, body: str, *, actor: Actor,
                 ask_information: bool = False) -> None:
    """A message to the person; `ask_information` flags a reasonable doubt (Art. 12(6))."""
    request = get(request_id)
    _require_open(request)
    if not body.strip():
        raise InvalidInput(_("Write a message."))
    if request.email and request.email_verified_at is None:
        raise InvalidInput(_("The email address is not confirmed yet: nothing is sent to it "
                             "before the person uses the link we sent."))
    db.session.add(RequestMessage(request_id=request.id, author=actor.audit_ref,
                                  body=body[:5000]))
    if ask_information:
        request.identity_doubt = body[:2000]
        set_status(request, RequestStatus.INFO_REQUESTED, actor=actor,
                note="more information asked")
    tell_person(request, "request_message", url=links.status_url(request),
                ask=ask_information)
    audit.record("request.message_sent", actor=actor, subject=f"request:{request.id}",
                 details={"asks_information": ask_information})


@use_case
def extend(request_id: int, months: int, reason: str, *, actor: Actor,
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
        request.extended_due_on = extended_due_date(request.fee_paid_at or request.received_at,
                                                    months)
    except ValueError as exc:
        raise InvalidInput(_("An extension is one or two months.")) from exc
    request.extension_reason = reason.strip()[:2000]
    request.extended_at = utcnow()
    set_status(request, request.status, actor=actor,
            note=f"deadline extended to {request.extended_due_on.isoformat()}")
    tell_person(request, "request_extended", url=links.status_url(request))
    audit.record("request.extended", actor=actor, subject=f"request:{request.id}",
                 details={"months": months})
    return request


_ANSWER_JOB: list[Job[[int], None]] = []


def drafts_answers(handle: Job[[int], None]) -> Job[[int], None]:
    """Register the job that drafts a request's answer (`likeness.dsr.answer.render_answer`).
    Casework queues it through here: the drafting module imports casework, so casework
    cannot import it back."""
    _ANSWER_JOB[:] = [handle]
    return handle


def draft_new_answer(request: SubjectRequest) -> None:
    """A new answer replaces any earlier draft: the draft goes, its drafting is queued."""
    if not _ANSWER_JOB:
        raise RuntimeError("no job drafts answers: likeness.dsr.answer is not registered")
    request.response_pdf_path = None
    request.response_pdf_sha256 = None
    request.response_html = None
    _ANSWER_JOB[0].later(request.id)


@use_case
def refuse(request_id: int, reason: str, *, actor: Actor) -> SubjectRequest:
    """Refuse with reasons, the right to complain to the AP and to go to court (Art. 12(4))."""
    request = get(request_id)
    _require_open(request)
    if not reason.strip():
        raise InvalidInput(_("A refusal needs its reasons."))
    request.refusal_reason = reason.strip()[:5000]
    request.outcome = "refused"
    # A new answer: the refusal replaces any answer made before (e.g. after an objection
    # restricted the photos "while we decide").
    set_status(request, RequestStatus.REFUSED, actor=actor)
    forget_selfie(request, actor=actor, reason="refused")
    draft_new_answer(request)
    audit.record("request.refused", actor=actor, subject=f"request:{request.id}")
    return request


@use_case
def mark_unfounded(request_id: int, reason: str, *, fee_cents: int | None = None,
                   actor: Actor) -> SubjectRequest:
    """A manifestly unfounded or excessive request (Art. 12(5)): refuse it with reasons,
    or charge a reasonable fee (the person is told why and how much). Both recorded."""
    request = get(request_id)
    _require_open(request)
    if not reason.strip():
        raise InvalidInput(_("Say why the request is manifestly unfounded or excessive."))
    if fee_cents is not None and not 0 < fee_cents <= 100_000:
        raise InvalidInput(_("A reasonable fee is more than nothing and at most 1000 euro."))
    request.unfounded_reason = reason.strip()[:2000]
    audit.record("request.marked_unfounded", actor=actor, subject=f"request:{request.id}",
                 details={"fee_cents": fee_cents})
    if fee_cents is None:
        with force_locale(request.language):  # the person reads it, in their language
            text = _("Your request is manifestly unfounded or excessive (Art. 12(5) GDPR): "
                     "%(reason)s", reason=reason.strip())
        return refuse(request_id, text, actor=actor)
    request.fee_cents = fee_cents
    tell_person(request, "request_fee", url=links.status_url(request))
    return request


def awaiting_fee(request: SubjectRequest) -> bool:
    """A fee was asked (Art. 12(5)) and has not been received."""
    return bool(request.fee_cents) and request.fee_paid_at is None


@use_case
def record_fee_paid(request_id: int, *, actor: Actor) -> SubjectRequest:
    """The fee was received: the request is handled from today, and the month to answer
    counts from the payment (the answer was not owed while the fee was unpaid)."""
    request = get(request_id)
    _require_open(request)
    if not awaiting_fee(request):
        raise InvalidInput(_("No unpaid fee is recorded for this request."))
    request.fee_paid_at = utcnow()
    request.due_on = due_date(request.fee_paid_at)
    request.extended_due_on = None  # an extension would have to be decided again
    audit.record("request.fee_paid", actor=actor, subject=f"request:{request.id}",
                 details={"fee_cents": request.fee_cents})
    return request


@use_case
def close(request_id: int, *, actor: Actor, outcome: str = "") -> SubjectRequest:
    """Close the request; its reference selfie and selfie template are deleted."""
    request = get(request_id)
    if request.status == RequestStatus.CLOSED:
        return request
    if outcome:
        request.outcome = outcome[:5000]
    request.closed_at = utcnow()
    set_status(request, RequestStatus.CLOSED, actor=actor)
    forget_selfie(request, actor=actor, reason="closed")
    audit.record("request.closed", actor=actor, subject=f"request:{request.id}")
    return request


def forget_selfie(request: SubjectRequest, *, actor: Actor, reason: str) -> None:
    """Delete the reference selfie and its template (in the current unit of work): it was
    given for this search only. Audited; a no-op when there is nothing left."""
    selfie = request.selfie_path
    had_template = request.selfie_template_ciphertext is not None
    if not selfie and not had_template:
        return
    request.selfie_path = None
    request.selfie_template_ciphertext = None
    request.selfie_deleted_at = utcnow()
    audit.record("request.selfie_deleted", actor=actor, subject=f"request:{request.id}",
                 details={"file": bool(selfie), "template": had_template, "reason": reason})
    if selfie:
        # After the commit: a rollback must never leave a row pointing at a deleted file.
        after_commit(lambda: storage().delete(selfie))


def reminders(today: date | None = None) -> dict[str, list[SubjectRequest]]:
    """Open requests due within 7 days, and overdue ones (for the daily staff reminder)."""
    today = today or amsterdam_today()
    rows = list(db.session.scalars(
        select(SubjectRequest).where(SubjectRequest.status.in_(OPEN_STATES),
                                     today + timedelta(7) >= DEADLINE)
        .order_by(*MOST_URGENT_FIRST)))
    return {
        "overdue": [r for r in rows if current_deadline(r) < today],
        "due_soon": [r for r in rows if today <= current_deadline(r) <= today + timedelta(7)],
    }


def selfie_bytes(request: SubjectRequest) -> bytes | None:
    if not request.selfie_path:
        return None
    try:
        return storage().read(request.selfie_path)
    except FileNotFoundError:
        return None


# The action kind that says "the request was carried out" (`dsr.actions.perform`).
CARRIED_OUT = "done"


def carried_out(request_id: int) -> bool:
    """Whether staff carried out the request: from then on its match decisions are final
    (an erasure burnt into originals or a notice sent cannot be taken back)."""
    return db.session.scalar(select(RequestAction.id).where(
        RequestAction.request_id == request_id,
        RequestAction.kind == CARRIED_OUT).limit(1)) is not None


def record_action(request: SubjectRequest, kind: str, detail: str = "", *,
                  count: int | None = None, exception: bool = False) -> None:
    """Record a step for the answer: a standard step by `kind` (and `count`), worded in
    the reader's language later (`dsr.action_texts`), or staff's own words in `detail`."""
    db.session.add(RequestAction(request_id=request.id, kind=kind, detail=detail,
                                 params=None if count is None else {"n": count},
                                 is_exception=exception))


def tell_person(request: SubjectRequest, template: str, **context: Any) -> None:
    """Email the requester in their language, only at an address confirmed by link; a
    request registered without an address is answered by post, so nothing is queued."""
    if request.email and request.email_verified_at is not None:
        mail.queue_email(request.email, template, language=request.language,
                         request=request, **context)


def person_with_email(email: str) -> Person | None:
    """A person who has this address on file (to warn staff who have not linked one)."""
    if not email:
        return None
    return db.session.scalar(select(Person).where(
        func.lower(Person.email) == email.strip().lower()).limit(1))


def status_changes(request_id: int) -> list[RequestStatusChange]:
    return list(db.session.scalars(select(RequestStatusChange).where(
        RequestStatusChange.request_id == request_id).order_by(RequestStatusChange.id)))


def _require_open(request: SubjectRequest) -> None:
    if request.status not in OPEN_STATES:
        raise InvalidInput(_("This request is closed."))


def set_status(request: SubjectRequest, to_status: str, *, actor: Actor,
               note: str | None = None) -> None:
    """Change the status and record it in the history (the person's timeline)."""
    previous = request.status if request.history else None
    db.session.add(RequestStatusChange(request_id=request.id, from_status=previous,
                                       to_status=to_status, actor=actor.audit_ref, note=note))
    request.status = RequestStatus(to_status)
