"""The consent part of the daily run: expire quitclaims, warn staff, invite people to renew.

Each quitclaim is expired once and warned once, however many runs there are.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from likeness.consent import invitations, withdrawal
from likeness.extensions import db
from likeness.models import Quitclaim, QuitclaimStatus, utcnow
from likeness.platform import mail
from likeness.platform.daily import daily_task
from likeness.platform.links import external_url
from likeness.staff import accounts

WARN_DAYS = 30


@daily_task("quitclaims")
def expire_and_warn(today: date) -> dict[str, int]:
    """Expire what has run out, then warn about what runs out within 30 days."""
    return {"expired": _expire(today), "warned": _warn(today)}


def _expire(today: date) -> int:
    due = db.session.scalars(
        select(Quitclaim).where(Quitclaim.status == QuitclaimStatus.SIGNED,
                                Quitclaim.valid_until < today)
    ).all()
    for quitclaim in due:
        withdrawal.expire(quitclaim)
    return len(due)


def _warn(today: date) -> int:
    due = db.session.scalars(
        select(Quitclaim).where(
            Quitclaim.status == QuitclaimStatus.SIGNED,
            Quitclaim.valid_until >= today,
            Quitclaim.valid_until < today + timedelta(days=WARN_DAYS),
            Quitclaim.expiry_alert_sent_at.is_(None),
        )
    ).all()
    for quitclaim in due:
        quitclaim.expiry_alert_sent_at = utcnow()
        for recipient in accounts.alert_recipients():
            mail.queue_email(
                recipient, "staff_quitclaim_expiring", language="en", quitclaim=quitclaim,
                url=external_url("admin.quitclaim_page", quitclaim_id=quitclaim.id),
            )
        invitations.invite_renewal(quitclaim)
    return len(due)
