"""The daily consent job: expire quitclaims, warn staff, invite people to renew.

Scheduling: every worker checks, on start and at every outbox sweep, whether today's
run was scheduled; if not, it schedules it through the outbox (so a run is never lost
to a Redis restart). Workers that were down catch up on start. The job itself is
idempotent: each quitclaim is expired once and alerted once, whatever the number of runs.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from likeness.clock import today as amsterdam_today
from likeness.extensions import db
from likeness.links import external_url
from likeness.models import Quitclaim, QuitclaimStatus, Setting, utcnow
from likeness.services import audit, mail, outbox, quitclaims

LAST_SCHEDULED = "daily_maintenance_scheduled_for"
REMINDED_ON = "deadline_reminder_sent_on"
WARN_DAYS = 30


def schedule_if_due() -> bool:
    """Schedule today's run unless it already was; True if this call scheduled it."""
    today = amsterdam_today().isoformat()
    row = db.session.get(Setting, LAST_SCHEDULED)
    if row is not None and row.value >= today:
        db.session.rollback()
        return False
    if row is None:
        row = Setting(key=LAST_SCHEDULED, value=today)
        db.session.add(row)
    row.value = today
    row.updated_at = utcnow()
    outbox.add("daily_maintenance", today)
    outbox.commit()
    return True


def run_daily(day: str | None = None) -> dict[str, int]:
    """Job: expire what has run out and send expiry warnings (each exactly once)."""
    today = date.fromisoformat(day) if day else amsterdam_today()
    today = max(today, amsterdam_today())  # a late run uses the real date
    expired = _expire(today)
    warned = _warn(today)
    _remind_staff_of_deadlines(today)
    if expired or warned:
        audit.record("consent.daily_run", actor="system",
                     details={"expired": expired, "warned": warned})
    outbox.commit()
    quitclaims.after_template_removal(db.session.info.pop("likeness.removed_templates", []))
    return {"expired": expired, "warned": warned}


def _expire(today: date) -> int:
    due = db.session.scalars(
        select(Quitclaim).where(Quitclaim.status == QuitclaimStatus.SIGNED.value,
                                Quitclaim.valid_until < today)
    ).all()
    removed: list[int] = []
    for quitclaim in due:
        removed += quitclaims.expire(quitclaim)
    db.session.info.setdefault("likeness.removed_templates", []).extend(removed)
    return len(due)


def _warn(today: date) -> int:
    due = db.session.scalars(
        select(Quitclaim).where(
            Quitclaim.status == QuitclaimStatus.SIGNED.value,
            Quitclaim.valid_until >= today,
            Quitclaim.valid_until < today + timedelta(days=WARN_DAYS),
            Quitclaim.expiry_alert_sent_at.is_(None),
        )
    ).all()
    for quitclaim in due:
        quitclaim.expiry_alert_sent_at = utcnow()
        for recipient in quitclaims.staff_alert_recipients():
            mail.queue_email(
                recipient, "staff_quitclaim_expiring", language="en", quitclaim=quitclaim,
                url=external_url("admin.quitclaim_page", quitclaim_id=quitclaim.id),
            )
        quitclaims.invite_renewal(quitclaim)
    return len(due)


def _remind_staff_of_deadlines(today: date) -> None:
    """Requests due within 7 days, and overdue ones, to staff (once a day)."""
    from likeness.services import requests

    sent = db.session.get(Setting, REMINDED_ON)
    if sent is not None and sent.value >= today.isoformat():
        return
    if sent is None:
        sent = Setting(key=REMINDED_ON, value="")
        db.session.add(sent)
    sent.value = today.isoformat()
    due = requests.reminders(today)
    if not (due["overdue"] or due["due_soon"]):
        return
    for recipient in quitclaims.staff_alert_recipients():
        mail.queue_email(recipient, "staff_request_reminder", language="en",
                         overdue=due["overdue"], due_soon=due["due_soon"],
                         url=external_url("admin.request_queue"))
