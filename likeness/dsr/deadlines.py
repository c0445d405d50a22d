"""The legal deadline of a data-subject request (GDPR Art. 12(3), Regulation 1182/71,
Algemene termijnenwet).

* The receipt day is the calendar day in Europe/Amsterdam on which the request was
  stored; it is not counted.
* A period of one month ends on the same date in the next month, or on the last day
  of that month when the date does not exist there (31 January -> 28/29 February).
* When that day is a Saturday, Sunday or a generally recognised holiday of the
  Algemene termijnenwet (art. 3), the period ends on the next working day.
* An extension adds up to two further months (Art. 12(3)) to the end of the first
  month as the calendar gives it (receipt day + 1 month, not moved to a working day);
  only the final day is moved to a working day.

The holiday list is the Act's own, computed here rather than taken from a third-party
calendar whose contents change between versions: art. 3(1) New Year's Day, Easter Sunday
and Monday, Ascension Day, Whit Sunday and Monday, Christmas Day and Boxing Day, King's
Day, and 5 May in every year; art. 3(2) Good Friday; art. 3(3) the days declared equal
by Royal Decree, listed in `DECLARED_DAYS` from the published decrees (one per
about three years). A year after the last decree has none of these days until the next
decree is added: a deadline then errs early, never late.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache

from dateutil.easter import easter
from dateutil.relativedelta import relativedelta

from likeness.platform.clock import local_date

# Days declared equal to a generally recognised holiday by Royal Decree under art. 3(3)
# Algemene termijnenwet, as published in the Staatscourant. Add the days of each new
# decree here (and a test in tests/dsr/test_deadlines.py).
DECLARED_DAYS: frozenset[date] = frozenset(
    {
        # Besluit gelijkstelling van 28 april 2023, 19 mei 2023, 10 mei 2024,
        # 27 december 2024 en 30 mei 2025 met een algemeen erkende feestdag
        date(2023, 4, 28),
        date(2023, 5, 19),
        date(2024, 5, 10),
        date(2024, 12, 27),
        date(2025, 5, 30),
        # Besluit gelijkstelling van 2 januari 2026, 15 mei 2026, 7 mei 2027,
        # 28 april 2028 en 26 mei 2028 met een algemeen erkende feestdag
        date(2026, 1, 2),
        date(2026, 5, 15),
        date(2027, 5, 7),
        date(2028, 4, 28),
        date(2028, 5, 26),
    }
)


def _kings_day(year: int) -> date:
    """The day the monarch's birthday is celebrated (Koningsdag / Koninginnedag)."""
    day = date(year, 4, 27) if year >= 2014 else date(year, 4, 30)
    if day.weekday() == 6:  # a Sunday: celebrated the day before
        day -= timedelta(days=1)
    return day


@cache
def dutch_holidays(year: int) -> frozenset[date]:
    """The generally recognised holidays of art. 3 Algemene termijnenwet in `year`,
    with the days equal to them (art. 3(2) and 3(3))."""
    easter_sunday = easter(year)
    return frozenset(
        {
            date(year, 1, 1),  # New Year's Day
            easter_sunday - timedelta(days=2),  # Good Friday (art. 3(2))
            easter_sunday,
            easter_sunday + timedelta(days=1),  # Easter Monday
            easter_sunday + timedelta(days=39),  # Ascension Day
            easter_sunday + timedelta(days=49),  # Whit Sunday
            easter_sunday + timedelta(days=50),  # Whit Monday
            date(year, 12, 25),  # Christmas Day
            date(year, 12, 26),  # Boxing Day
            _kings_day(year),
            date(year, 5, 5),  # Liberation Day: named by the Act for every year
        }
        | {day for day in DECLARED_DAYS if day.year == year}
    )


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in dutch_holidays(day.year)


def next_working_day(day: date) -> date:
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def receipt_day(stored_at: datetime) -> date:
    """The calendar day in Europe/Amsterdam on which the request was stored."""
    if stored_at.tzinfo is None:
        raise ValueError("stored_at must be timezone-aware")
    return local_date(stored_at)


def first_month_end(stored_at: datetime) -> date:
    """Receipt day + 1 month as the calendar gives it, not moved to a working day."""
    # relativedelta clips to the month's last day: 31 Jan + 1 month = 28/29 Feb.
    return receipt_day(stored_at) + relativedelta(months=1)


def due_date(stored_at: datetime) -> date:
    """The last day to answer a request stored at `stored_at`."""
    return next_working_day(first_month_end(stored_at))


def extended_due_date(stored_at: datetime, extra_months: int) -> date:
    """The last day after an extension by one or two further months (Art. 12(3)).

    The further months run from the end of the first month (not moved to a working
    day): received 31 January 2025 -> 28 February -> extended by two months to
    28 April 2025 (a Monday), not 30 April."""
    if extra_months not in (1, 2):
        raise ValueError("an extension is one or two further months")
    return next_working_day(first_month_end(stored_at) + relativedelta(months=extra_months))
