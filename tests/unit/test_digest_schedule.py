"""When the weekly digest is due and which local days it covers (business time zone, DST included)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from supportbot.domain.digest_schedule import (
    ScheduleError,
    WeeklySlot,
    parse_when,
    reported_week,
    week_so_far,
)

PARIS = ZoneInfo("Europe/Paris")
MONDAY_9 = parse_when("mon 09:00")


@pytest.mark.parametrize(("text", "slot"), [
    ("mon 09:00", WeeklySlot(0, time(9))),
    ("Fri 17:30", WeeklySlot(4, time(17, 30))),
    ("  sun 0:05 ", WeeklySlot(6, time(0, 5))),
])
def test_a_weekday_and_a_time_name_the_slot(text: str, slot: WeeklySlot) -> None:
    assert parse_when(text) == slot


@pytest.mark.parametrize(("text", "reason"), [
    ("monday 09:00", "is not a weekday and a 24-hour time"),
    ("mon 9am", "is not a weekday and a 24-hour time"),
    ("09:00", "is not a weekday and a 24-hour time"),
    ("abc 09:00", "'abc' is not a weekday"),
    ("mon 24:00", "24:00 is not a time of day"),
    ("tue 12:60", "12:60 is not a time of day"),
])
def test_anything_else_is_refused_saying_why(text: str, reason: str) -> None:
    with pytest.raises(ScheduleError, match=reason):
        parse_when(text)


def test_the_latest_slot_is_this_weeks_once_passed_else_last_weeks() -> None:
    # Mon 7 Dec 2026, Paris is UTC+1: 09:00 there is 08:00 UTC.
    assert MONDAY_9.latest(datetime(2026, 12, 7, 8, 0, tzinfo=UTC), PARIS) == datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    assert MONDAY_9.latest(datetime(2026, 12, 7, 7, 59, tzinfo=UTC), PARIS) == datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    # Thursday: Monday's slot of the same week.
    assert MONDAY_9.latest(datetime(2026, 12, 10, 15, 0, tzinfo=UTC), PARIS) == datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


def test_the_slot_keeps_its_local_time_across_a_dst_switch() -> None:
    # Summer time starts Sun 29 Mar 2026: Monday 09:00 is 07:00 UTC from then on.
    assert MONDAY_9.latest(datetime(2026, 3, 30, 7, 0, tzinfo=UTC), PARIS) == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)
    assert MONDAY_9.latest(datetime(2026, 3, 30, 6, 59, tzinfo=UTC), PARIS) == datetime(2026, 3, 23, 8, 0, tzinfo=UTC)


def test_a_monday_digest_reports_monday_to_sunday_before_it_in_local_days() -> None:
    week = reported_week(datetime(2026, 12, 7, 8, 0, tzinfo=UTC), PARIS)

    assert week.days == tuple(date(2026, 11, 30 + n) if n < 1 else date(2026, 12, n) for n in range(7))
    assert week.start == datetime(2026, 11, 29, 23, 0, tzinfo=UTC)  # Mon 30 Nov 00:00 in Paris
    assert week.end == datetime(2026, 12, 6, 23, 0, tzinfo=UTC)  # Mon 7 Dec 00:00 in Paris
    assert week.previous_start == datetime(2026, 11, 22, 23, 0, tzinfo=UTC)


def test_a_week_across_the_autumn_switch_is_seven_local_days_of_169_hours() -> None:
    # Winter time starts Sun 25 Oct 2026: that Sunday has 25 hours.
    week = reported_week(datetime(2026, 10, 26, 8, 0, tzinfo=UTC), PARIS)

    assert week.days[0] == date(2026, 10, 19) and week.days[-1] == date(2026, 10, 25)
    assert (week.end - week.start).total_seconds() == 169 * 3600


def test_the_week_so_far_runs_from_the_slots_weekday_until_now() -> None:
    now = datetime(2026, 12, 10, 15, 0, tzinfo=UTC)  # Thu 16:00 in Paris

    week = week_so_far(now, MONDAY_9, PARIS)

    assert week.days == (date(2026, 12, 7), date(2026, 12, 8), date(2026, 12, 9), date(2026, 12, 10))
    assert week.start == datetime(2026, 12, 6, 23, 0, tzinfo=UTC) and week.end == now
    assert week.previous_start == datetime(2026, 11, 29, 23, 0, tzinfo=UTC)


def test_on_the_slots_day_the_week_so_far_is_that_day_alone() -> None:
    now = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)  # Mon 08:00 in Paris, before the digest of last week is out

    week = week_so_far(now, MONDAY_9, PARIS)

    assert week.days == (date(2026, 12, 7),)
    assert week.previous_start == datetime(2026, 11, 29, 23, 0, tzinfo=UTC)
