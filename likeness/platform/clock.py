"""Dates as the law counts them: calendar days in Europe/Amsterdam."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from likeness.models import utcnow

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def local_date(instant: datetime) -> date:
    return instant.astimezone(AMSTERDAM).date()


def today() -> date:
    return local_date(utcnow())
