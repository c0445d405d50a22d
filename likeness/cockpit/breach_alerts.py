"""The breach clock's alarm: when 48 of the 72 hours (Art. 33(1)) have passed and the
Autoriteit Persoonsgegevens was neither notified nor found not to need a notification,
every privacy officer is e-mailed once.

It runs at every outbox sweep of a worker (every `OUTBOX_SWEEP_SECONDS`), so the alert
leaves within minutes of the 48th hour, and in the daily run as a fallback.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from likeness.cockpit.breaches import notify_by
from likeness.extensions import db
from likeness.models import Breach, BreachStatus, Role, StaffUser, utcnow
from likeness.platform import audit, mail
from likeness.platform.actor import SYSTEM
from likeness.platform.daily import daily_task
from likeness.platform.sweep_tasks import sweep_task
from likeness.platform.uow import use_case
from likeness.staff import accounts

ALERT_AFTER = timedelta(hours=48)


@use_case
def alert_officers(now: datetime | None = None) -> int:
    """E-mail the privacy officers about every breach whose clock passed 48 hours without
    a notification to the AP or a decision not to notify; returns how many breaches."""
    now = now or utcnow()
    due = list(db.session.scalars(select(Breach).where(
        Breach.status != BreachStatus.CLOSED,
        Breach.officers_alerted_at.is_(None),
        Breach.authority_notified_at.is_(None),
        Breach.notify_authority.is_not(False),
        Breach.discovered_at <= now - ALERT_AFTER).order_by(Breach.id)))
    if not due:
        return 0
    recipients = _officers()
    for breach in due:
        for address in recipients:
            mail.queue_email(address, "staff_alert_breach_clock", breach=breach,
                             notify_by=notify_by(breach))
        breach.officers_alerted_at = now
        audit.record("breach.officers_alerted", actor=SYSTEM, subject=f"breach:{breach.id}",
                     details={"emails": len(recipients)})
    return len(due)


def _officers() -> list[str]:
    """Every active privacy officer; without one, whoever gets staff alerts."""
    officers = list(db.session.scalars(select(StaffUser.email).where(
        StaffUser.is_active.is_(True), StaffUser.role == Role.PRIVACY_OFFICER)
        .order_by(StaffUser.id)))
    return officers or accounts.alert_recipients()


@sweep_task("breach_alerts")
def _at_every_sweep() -> None:
    alert_officers()


@daily_task("breach_clock")
def _daily(_today: date) -> dict[str, int]:
    return {"breach_alerts": alert_officers()}
