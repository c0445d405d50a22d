"""The requests part of the daily run: remind staff of deadlines (once a day), let
unverified requests go after 14 days, and delete reference selfies at the latest 30 days
after the last search."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, or_, select

from likeness.dsr import casework
from likeness.extensions import db
from likeness.models import RequestStatus, Setting, SubjectRequest, utcnow
from likeness.platform import audit, mail
from likeness.platform.actor import SYSTEM
from likeness.platform.daily import daily_task
from likeness.platform.links import external_url
from likeness.staff import accounts

REMINDED_ON = "deadline_reminder_sent_on"
UNVERIFIED_DAYS = 14
SELFIE_DAYS = 30


@daily_task("unverified_requests")
def purge_unverified(today: date) -> dict[str, int]:
    """Requests whose email address was never confirmed within 14 days: the selfie and its
    template are deleted, the personal details cleared, and a minimal record stays."""
    cutoff = utcnow() - timedelta(days=UNVERIFIED_DAYS)
    stale = db.session.scalars(select(SubjectRequest).where(
        SubjectRequest.status == RequestStatus.AWAITING_VERIFICATION,
        SubjectRequest.email_verified_at.is_(None),
        SubjectRequest.received_at < cutoff,
    )).all()
    for request in stale:
        casework.forget_selfie(request, actor=SYSTEM, reason="not verified in 14 days")
        request.name = ""
        request.email = ""
        request.details = ""
        request.subject_name = None
        request.stated_relationship = None
        request.outcome = "not verified within 14 days"
        request.closed_at = utcnow()
        casework.set_status(request, RequestStatus.CLOSED, actor=SYSTEM,
                            note="email address not confirmed within 14 days")
        audit.record("request.purged_unverified", actor=SYSTEM, subject=f"request:{request.id}")
    return {"unverified_purged": len(stale)}


@daily_task("stale_selfies")
def purge_stale_selfies(today: date) -> dict[str, int]:
    """A reference selfie and its template go at the latest 30 days after the last search
    (or, when no search ran, 30 days after receipt), even while the request is open."""
    cutoff = utcnow() - timedelta(days=SELFIE_DAYS)
    stale = db.session.scalars(select(SubjectRequest).where(
        or_(SubjectRequest.selfie_path.is_not(None),
            SubjectRequest.selfie_template_ciphertext.is_not(None)),
        func.coalesce(SubjectRequest.last_search_at, SubjectRequest.received_at) < cutoff,
    )).all()
    for request in stale:
        casework.forget_selfie(request, actor=SYSTEM,
                               reason=f"{SELFIE_DAYS} days after the last search")
    return {"selfies_deleted": len(stale)} if stale else {}


@daily_task("request_deadlines")
def remind_staff_of_deadlines(today: date) -> dict[str, int]:
    """Email staff the requests due within 7 days, and the overdue ones."""
    sent = db.session.get(Setting, REMINDED_ON)
    if sent is not None and sent.value >= today.isoformat():
        return {}
    if sent is None:
        sent = Setting(key=REMINDED_ON, value="")
        db.session.add(sent)
    sent.value = today.isoformat()
    due = casework.reminders(today)
    if not (due["overdue"] or due["due_soon"]):
        return {}
    for recipient in accounts.alert_recipients():
        mail.queue_email(recipient, "staff_request_reminder", language="en",
                         overdue=due["overdue"], due_soon=due["due_soon"],
                         url=external_url("admin.request_queue"))
    return {"deadline_reminders": len(due["overdue"]) + len(due["due_soon"])}
