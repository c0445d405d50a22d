"""`consent.expiring`: the daily run tells the image banks which quitclaims end within
`CONSENT_EXPIRING_DAYS`, once per quitclaim (a missed day is caught up the next day)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from likeness.extensions import db
from likeness.integrations import events
from likeness.models import IntegrationEvent, Quitclaim, QuitclaimStatus
from likeness.platform.daily import daily_task


@daily_task("consent_expiring_events")
def announce_expiring(today: date) -> dict[str, int]:
    due = db.session.scalars(select(Quitclaim).where(
        Quitclaim.status == QuitclaimStatus.SIGNED,
        Quitclaim.valid_until >= today,
        Quitclaim.valid_until <= events.expiring_notice_day(today))).all()
    if not due:
        return {"expiring_events": 0}
    told = {(event.data or {}).get("quitclaim_id") for event in db.session.scalars(
        select(IntegrationEvent).where(IntegrationEvent.type == "consent.expiring"))}
    written = 0
    for quitclaim in due:
        if quitclaim.id not in told:
            written += events.consent_expiring(quitclaim)
    return {"expiring_events": written}
