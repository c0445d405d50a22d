"""The worked deadline examples (month ends, weekends, holidays, late receipts)
and the rules behind them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from likeness.dsr.deadlines import (
    DECLARED_DAYS,
    due_date,
    dutch_holidays,
    extended_due_date,
    is_working_day,
    receipt_day,
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@pytest.mark.parametrize(
    ("stored", "due"),
    [
        ("2025-01-31T10:00:00+01:00", date(2025, 2, 28)),  # no 31 Feb: last day of February
        ("2024-01-31T10:00:00+01:00", date(2024, 2, 29)),  # leap year
        ("2025-11-26T10:00:00+01:00", date(2025, 12, 29)),  # 26 Dec holiday, then a weekend
        ("2026-03-27T10:00:00+01:00", date(2026, 4, 28)),  # 27 April is King's Day
        ("2025-01-31T23:30:00+00:00", date(2025, 3, 3)),  # received 1 Feb; 1 Mar is a Saturday
    ],
)
def test_design_examples(stored: str, due: date):
    assert due_date(at(stored)) == due


def test_late_evening_utc_is_the_next_day_in_amsterdam():
    stored = datetime(2025, 1, 31, 23, 30, tzinfo=UTC)
    assert receipt_day(stored) == date(2025, 2, 1)


def test_summer_time_is_respected():
    # 22:30 UTC in July is 00:30 in Amsterdam (UTC+2): the next day.
    assert receipt_day(datetime(2026, 7, 14, 22, 30, tzinfo=UTC)) == date(2026, 7, 15)


def test_an_ordinary_month_ends_on_the_same_date():
    assert due_date(at("2026-06-10T09:00:00+02:00")) == date(2026, 7, 10)


def test_extension_adds_two_months_from_the_receipt_day():
    stored = at("2025-11-26T10:00:00+01:00")
    assert extended_due_date(stored, 2) == date(2026, 2, 26)
    with pytest.raises(ValueError):
        extended_due_date(stored, 3)


def test_holidays_and_weekends_are_not_working_days():
    assert not is_working_day(date(2026, 4, 27))  # King's Day
    assert not is_working_day(date(2025, 12, 25))
    assert not is_working_day(date(2026, 5, 2))  # Saturday
    assert is_working_day(date(2026, 4, 28))


def test_naive_timestamps_are_refused():
    with pytest.raises(ValueError):
        receipt_day(datetime(2026, 1, 1, 12, 0))


# --- the Algemene termijnenwet in code, and the extension counted from the first month --


def test_an_extension_runs_from_the_first_month_as_the_calendar_gives_it():
    # Received 31 January: the month ends 28 February; two further months end 28 April
    # (not 30 April, which counting three months from the receipt day would give).
    stored = at("2025-01-31T10:00:00+01:00")
    assert due_date(stored) == date(2025, 2, 28)
    assert extended_due_date(stored, 1) == date(2025, 3, 28)
    assert extended_due_date(stored, 2) == date(2025, 4, 28)
    # In a leap year: 29 February, then 29 April.
    assert extended_due_date(at("2024-01-31T10:00:00+01:00"), 2) == date(2024, 4, 29)


def test_the_first_month_is_not_moved_to_a_working_day_before_the_extension():
    # Received 30 November 2024: the month ends Monday 30 December 2024; extended by two
    # months to 28 February 2025 (there is no 30 February), a Friday.
    stored = at("2024-11-30T10:00:00+01:00")
    assert due_date(stored) == date(2024, 12, 30)
    assert extended_due_date(stored, 2) == date(2025, 2, 28)
    # Received 30 November 2025: 30 December, then 28 February 2026, a Saturday:
    # the deadline is Monday 2 March 2026.
    stored = at("2025-11-30T10:00:00+01:00")
    assert due_date(stored) == date(2025, 12, 30)
    assert extended_due_date(stored, 2) == date(2026, 3, 2)
    # Received 26 September 2026: the month ends on 26 October; two further months end
    # on Boxing Day, a Saturday: the deadline is Monday 28 December.
    assert extended_due_date(at("2026-09-26T10:00:00+02:00"), 2) == date(2026, 12, 28)


@pytest.mark.parametrize(
    ("stored", "due"),
    [
        ("2026-04-05T10:00:00+02:00", date(2026, 5, 6)),  # 5 May, also outside lustrum years
        ("2026-03-03T10:00:00+01:00", date(2026, 4, 7)),  # Good Friday, weekend, Easter Monday
        ("2026-04-14T10:00:00+02:00", date(2026, 5, 18)),  # Ascension, declared Friday, weekend
        ("2025-12-01T10:00:00+01:00", date(2026, 1, 5)),  # 1 Jan, declared 2 Jan, weekend
        ("2024-11-26T10:00:00+01:00", date(2024, 12, 30)),  # Christmas, declared 27 Dec, weekend
        ("2025-04-26T10:00:00+02:00", date(2025, 5, 26)),  # an ordinary Monday
    ],
)
def test_a_month_ending_on_a_holiday_moves_to_the_next_working_day(stored: str, due: date):
    assert due_date(at(stored)) == due


def test_the_holidays_of_the_act_every_year():
    for year in range(2024, 2031):
        days = dutch_holidays(year)
        assert date(year, 1, 1) in days and date(year, 12, 25) in days
        assert date(year, 12, 26) in days
        assert date(year, 5, 5) in days  # Liberation Day: every year, not every fifth
    # King's Day is 27 April, or 26 April when the 27th is a Sunday (2025, 2031).
    assert date(2025, 4, 26) in dutch_holidays(2025)
    assert date(2025, 4, 27) not in dutch_holidays(2025)
    assert date(2026, 4, 27) in dutch_holidays(2026)
    # Easter 2026 is 5 April: Good Friday, Easter Monday, Ascension Day, Whit Monday.
    for day in (date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 14), date(2026, 5, 25)):
        assert not is_working_day(day)
    # Days declared equal under art. 3(3) by the published decrees.
    assert {date(2026, 1, 2), date(2026, 5, 15), date(2027, 5, 7)} <= DECLARED_DAYS
    assert not is_working_day(date(2027, 5, 7))
    # Days no decree declared stay working days, even next to a holiday.
    assert is_working_day(date(2026, 5, 4))  # Monday before 5 May
    assert is_working_day(date(2027, 4, 26))  # Monday before King's Day
