"""The worked deadline examples (month ends, weekends, holidays, late receipts)
and the rules behind them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from likeness.dsr.deadlines import due_date, extended_due_date, is_working_day, receipt_day


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
