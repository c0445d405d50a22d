"""The legal deadline of a data-subject request (GDPR Art. 12(3), Regulation 1182/71).

* The receipt day is the calendar day in Europe/Amsterdam on which the request was
  stored; it is not counted.
* A period of one month ends on the same date in the next month, or on the last day
  of that month when the date does not exist there (31 January -> 28/29 February).
* When that day is a Saturday, Sunday or Dutch public holiday, the period ends on the
  next working day.
* An extension adds up to two further months (Art. 12(3)), counted the same way
  from the receipt day, and rolled to a working day the same way.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache

import holidays
from dateutil.relativedelta import relativedelta

from likeness.platform.clock import local_date


@cache
def _dutch_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("NL", years=year)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _dutch_holidays(day.year)


def next_working_day(day: date) -> date:
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def receipt_day(stored_at: datetime) -> date:
    """The calendar day in Europe/Amsterdam on which the request was stored."""
    if stored_at.tzinfo is None:
        raise ValueError("stored_at must be timezone-aware")
    return local_date(stored_at)


def due_date(stored_at: datetime, months: int = 1) -> date:
    """The last day to answer a request stored at `stored_at`, `months` months on."""
    # relativedelta clips to the month's last day: 31 Jan + 1 month = 28/29 Feb.
    return next_working_day(receipt_day(stored_at) + relativedelta(months=months))


def extended_due_date(stored_at: datetime, extra_months: int) -> date:
    if extra_months not in (1, 2):
        raise ValueError("an extension is one or two further months")
    return due_date(stored_at, months=1 + extra_months)
