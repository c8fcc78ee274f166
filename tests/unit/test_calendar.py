"""The business calendar against the edge cases of ARCHITECTURE §2."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from supportbot.domain.calendar import DAY_NAMES, MAX_DAYS_WALKED, BusinessCalendar
from supportbot.domain.durations import parse_duration

PARIS = ZoneInfo("Europe/Paris")
DAY = timedelta(hours=8)


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


@pytest.fixture(scope="module")
def cal() -> BusinessCalendar:
    return BusinessCalendar(country="FR", extra_holidays=[date(2026, 12, 24)])


def plus_bd(cal: BusinessCalendar, start: datetime, days: int = 1) -> datetime:
    return cal.add(start, parse_duration(f"{days}bd"))


# -- construction -----------------------------------------------------------


def test_defaults_are_paris_office_hours() -> None:
    c = BusinessCalendar()
    assert c.timezone_name == "Europe/Paris"
    assert c.zone == PARIS
    assert c.day_length == timedelta(hours=8)
    assert c.working_days == ("mon", "tue", "wed", "thu", "fri")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"country": "XX"}, "unknown holiday country 'XX'"),
        ({"country": "FR", "subdivision": "nowhere"}, "subdivision 'nowhere'"),
        ({"timezone": "Mars/Olympus"}, "unknown time zone"),
        ({"opens": time(17), "closes": time(9)}, "must be after opening"),
        ({"opens": time(9), "closes": time(9)}, "must be after opening"),
        ({"days": []}, "at least one working day"),
        ({"days": ["mon", "funday"]}, "unknown day"),
    ],
)
def test_bad_configuration_is_refused_with_a_clear_message(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BusinessCalendar(**kwargs)


def test_country_code_is_case_insensitive() -> None:
    assert BusinessCalendar(country="fr").is_holiday(date(2026, 7, 14))


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.is_business_instant(datetime(2026, 12, 7, 10)),
        lambda c: c.next_business_instant(datetime(2026, 12, 7, 10)),
        lambda c: c.add_business(datetime(2026, 12, 7, 10), DAY),
        lambda c: c.add(datetime(2026, 12, 7, 10), parse_duration("1h")),
        lambda c: c.business_between(datetime(2026, 12, 7, 10), paris(2026, 12, 8, 10)),
        lambda c: c.format_local(datetime(2026, 12, 7, 10)),
    ],
)
def test_naive_datetimes_are_refused(cal: BusinessCalendar, call) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        call(cal)


def test_negative_business_time_is_refused(cal: BusinessCalendar) -> None:
    with pytest.raises(ValueError, match="negative"):
        cal.add_business(paris(2026, 12, 7, 10), -DAY)


def test_walking_too_far_is_refused(cal: BusinessCalendar) -> None:
    with pytest.raises(ValueError, match="walks past"):
        cal.add_business(paris(2026, 12, 7, 10), DAY * 5000)


# -- the playbook's examples -------------------------------------------------


def test_monday_morning_plus_one_business_day_is_tuesday_same_time(cal: BusinessCalendar) -> None:
    assert plus_bd(cal, paris(2026, 12, 7, 10)) == paris(2026, 12, 8, 10)


def test_friday_after_close_counts_from_monday_opening(cal: BusinessCalendar) -> None:
    assert plus_bd(cal, paris(2026, 12, 11, 18)) == paris(2026, 12, 14, 17)


def test_friday_afternoon_carries_over_the_weekend(cal: BusinessCalendar) -> None:
    assert plus_bd(cal, paris(2026, 12, 11, 15)) == paris(2026, 12, 14, 15)


@pytest.mark.parametrize("start", [paris(2026, 12, 12, 11), paris(2026, 12, 13, 23, 59)])
def test_weekend_start_counts_from_monday_opening(cal: BusinessCalendar, start: datetime) -> None:
    assert not cal.is_business_instant(start)
    assert cal.next_business_instant(start) == paris(2026, 12, 14, 9)
    assert plus_bd(cal, start) == paris(2026, 12, 14, 17)


def test_five_business_days_is_a_week(cal: BusinessCalendar) -> None:
    assert plus_bd(cal, paris(2026, 12, 7, 10), 5) == paris(2026, 12, 14, 10)


def test_exactly_at_opening_counts(cal: BusinessCalendar) -> None:
    opening = paris(2026, 12, 7, 9)
    assert cal.is_business_instant(opening)
    assert cal.next_business_instant(opening) == opening
    assert plus_bd(cal, opening) == paris(2026, 12, 7, 17)


def test_exactly_at_close_does_not_count(cal: BusinessCalendar) -> None:
    closing = paris(2026, 12, 7, 17)
    assert not cal.is_business_instant(closing)
    assert cal.is_business_instant(closing - timedelta(microseconds=1))
    assert cal.next_business_instant(closing) == paris(2026, 12, 8, 9)
    assert plus_bd(cal, closing) == paris(2026, 12, 8, 17)


def test_before_opening_counts_from_opening(cal: BusinessCalendar) -> None:
    assert cal.next_business_instant(paris(2026, 12, 7, 6, 30)) == paris(2026, 12, 7, 9)
    assert cal.add_business(paris(2026, 12, 7, 6, 30), timedelta(hours=3)) == paris(2026, 12, 7, 12)


def test_zero_business_time_lands_on_the_next_business_instant(cal: BusinessCalendar) -> None:
    assert cal.add_business(paris(2026, 12, 11, 18), timedelta(0)) == paris(2026, 12, 14, 9)


# -- holidays ----------------------------------------------------------------


def test_holidays_come_from_the_country_and_the_extra_list(cal: BusinessCalendar) -> None:
    assert cal.is_holiday(date(2026, 12, 25))
    assert cal.is_holiday(date(2026, 12, 24))
    assert cal.is_holiday(date(2026, 5, 1))
    assert not cal.is_holiday(date(2026, 12, 23))
    assert not BusinessCalendar().is_holiday(date(2026, 12, 25))


def test_subdivision_holidays(cal: BusinessCalendar) -> None:
    alsace = BusinessCalendar(country="FR", subdivision="57")
    assert alsace.is_holiday(date(2026, 12, 26))
    assert not cal.is_holiday(date(2026, 12, 26))


def test_evening_before_holidays_skips_them_whole(cal: BusinessCalendar) -> None:
    # Wed 23 Dec evening; Thu 24 (extra) and Fri 25 (Christmas) are off.
    assert plus_bd(cal, paris(2026, 12, 23, 18)) == paris(2026, 12, 28, 17)
    assert plus_bd(cal, paris(2026, 12, 23, 16)) == paris(2026, 12, 28, 16)


def test_on_a_holiday_nothing_is_open(cal: BusinessCalendar) -> None:
    assert not cal.is_business_instant(paris(2026, 12, 25, 11))
    assert cal.next_business_instant(paris(2026, 12, 24, 11)) == paris(2026, 12, 28, 9)
    assert plus_bd(cal, paris(2026, 12, 25, 11)) == paris(2026, 12, 28, 17)


def test_labour_day_is_skipped(cal: BusinessCalendar) -> None:
    # Thu 30 Apr 2026 → Fri 1 May is off → Mon 4 May.
    assert plus_bd(cal, paris(2026, 4, 30, 14)) == paris(2026, 5, 4, 14)
    assert not cal.is_business_instant(paris(2026, 5, 1, 10))


def test_year_end_skips_new_years_day(cal: BusinessCalendar) -> None:
    # Thu 31 Dec 2026 → Fri 1 Jan is off → Mon 4 Jan 2027.
    assert plus_bd(cal, paris(2026, 12, 31, 10)) == paris(2027, 1, 4, 10)


def test_five_business_days_across_new_year(cal: BusinessCalendar) -> None:
    # Tue 22 Dec: Tue 22 (rest), Wed 23, Mon 28, Tue 29, Wed 30, Thu 31, then Mon 4 Jan.
    assert plus_bd(cal, paris(2026, 12, 22, 10), 5) == paris(2026, 12, 31, 10)
    assert plus_bd(cal, paris(2026, 12, 28, 10), 5) == paris(2027, 1, 5, 10)


def test_leap_day(cal: BusinessCalendar) -> None:
    assert date(2028, 2, 29).weekday() == 1
    assert plus_bd(cal, paris(2028, 2, 28, 10)) == paris(2028, 2, 29, 10)
    assert plus_bd(cal, paris(2028, 2, 29, 10)) == paris(2028, 3, 1, 10)


# -- daylight saving ---------------------------------------------------------


def test_spring_forward_keeps_local_wall_clock(cal: BusinessCalendar) -> None:
    start = paris(2026, 3, 27, 10)  # Fri, CET (+01:00)
    due = plus_bd(cal, start)
    assert due == paris(2026, 3, 30, 10)  # Mon, CEST (+02:00)
    assert due == datetime(2026, 3, 30, 8, tzinfo=UTC)
    assert due.tzinfo is UTC


def test_autumn_back_keeps_local_wall_clock(cal: BusinessCalendar) -> None:
    start = paris(2026, 10, 23, 10)  # Fri, CEST (+02:00)
    due = plus_bd(cal, start)
    assert due == paris(2026, 10, 26, 10)  # Mon, CET (+01:00)
    assert due == datetime(2026, 10, 26, 9, tzinfo=UTC)


def test_business_time_across_dst_is_counted_in_local_hours(cal: BusinessCalendar) -> None:
    assert cal.business_between(paris(2026, 3, 27, 10), paris(2026, 3, 30, 10)) == DAY
    assert cal.business_between(paris(2026, 10, 23, 10), paris(2026, 10, 26, 10)) == DAY


def test_wall_clock_durations_are_absolute_across_dst(cal: BusinessCalendar) -> None:
    before = paris(2026, 3, 29, 1, 30)
    assert cal.add(before, parse_duration("1h")) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert cal.add(before, parse_duration("1h")) == paris(2026, 3, 29, 3, 30)
    assert cal.add(paris(2026, 10, 24, 12), parse_duration("1d")) == paris(2026, 10, 25, 11)


# -- measuring ---------------------------------------------------------------


@pytest.mark.parametrize(
    "a, b, expected",
    [
        (paris(2026, 12, 7, 10), paris(2026, 12, 7, 12), timedelta(hours=2)),
        (paris(2026, 12, 7, 8), paris(2026, 12, 7, 18), DAY),
        (paris(2026, 12, 7, 10), paris(2026, 12, 8, 10), DAY),
        (paris(2026, 12, 11, 16), paris(2026, 12, 14, 10), timedelta(hours=2)),
        (paris(2026, 12, 12, 10), paris(2026, 12, 13, 10), timedelta(0)),
        (paris(2026, 12, 23, 16), paris(2026, 12, 28, 10), timedelta(hours=2)),
        (paris(2026, 12, 7, 10), paris(2026, 12, 14, 10), 5 * DAY),
        (paris(2026, 12, 7, 12), paris(2026, 12, 7, 10), timedelta(0)),
        (paris(2026, 12, 7, 12), paris(2026, 12, 7, 12), timedelta(0)),
    ],
)
def test_business_between(cal: BusinessCalendar, a: datetime, b: datetime, expected: timedelta) -> None:
    assert cal.business_between(a, b) == expected


def test_outputs_are_utc(cal: BusinessCalendar) -> None:
    start = paris(2026, 12, 7, 10)
    assert cal.next_business_instant(start).tzinfo is UTC
    assert cal.add_business(start, DAY).tzinfo is UTC
    assert cal.add(start, parse_duration("1h")).tzinfo is UTC
    assert cal.next_business_instant(paris(2026, 12, 12, 10)).tzinfo is UTC


def test_other_zone_and_hours() -> None:
    ny = BusinessCalendar(timezone="America/New_York", days=["mon", "tue", "wed", "thu", "fri", "sat"],
                          opens=time(8, 30), closes=time(12), country="US")
    start = datetime(2026, 12, 12, 10, tzinfo=ZoneInfo("America/New_York"))  # Sat
    assert ny.add_business(start, timedelta(hours=3, minutes=30)) == start + timedelta(days=2)
    assert ny.is_holiday(date(2026, 11, 26))  # Thanksgiving


# -- display -----------------------------------------------------------------


def test_format_local(cal: BusinessCalendar) -> None:
    assert cal.format_local(datetime(2026, 12, 7, 16, tzinfo=UTC)) == "Mon 7 Dec 17:00 (Europe/Paris)"
    assert cal.format_local(paris(2026, 3, 1, 9, 5)) == "Sun 1 Mar 09:05 (Europe/Paris)"
    assert cal.format_local(datetime(2026, 7, 14, 6, 30, tzinfo=UTC)) == "Tue 14 Jul 08:30 (Europe/Paris)"


# -- properties ----------------------------------------------------------------

PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)

instants = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2029, 12, 31), timezones=st.just(UTC)
).map(lambda d: d.replace(second=0, microsecond=0))
spans = st.integers(min_value=0, max_value=30 * 8 * 60).map(lambda minutes: timedelta(minutes=minutes))


def _is_closing_instant(cal: BusinessCalendar, instant: datetime) -> bool:
    local = instant.astimezone(cal.zone)
    return local.time() == cal.closes and cal.is_working_day(local.date())


@PROPERTY_SETTINGS
@given(start=instants, later=st.integers(min_value=0, max_value=7 * 24 * 60), span=spans)
def test_add_business_is_monotonic_in_start(
    cal: BusinessCalendar, start: datetime, later: int, span: timedelta
) -> None:
    assert cal.add_business(start, span) <= cal.add_business(start + timedelta(minutes=later), span)


@PROPERTY_SETTINGS
@given(start=instants, span=spans, more=spans)
def test_add_business_is_monotonic_in_amount(
    cal: BusinessCalendar, start: datetime, span: timedelta, more: timedelta
) -> None:
    assert cal.add_business(start, span) <= cal.add_business(start, span + more)


@PROPERTY_SETTINGS
@given(start=instants, span=spans)
def test_measuring_what_was_added_gives_it_back(
    cal: BusinessCalendar, start: datetime, span: timedelta
) -> None:
    origin = cal.next_business_instant(start)
    assert cal.business_between(origin, cal.add_business(start, span)) == span
    assert cal.business_between(start, cal.add_business(start, span)) == span


@PROPERTY_SETTINGS
@given(start=instants, span=spans)
def test_added_business_time_lands_in_business_hours_or_at_close(
    cal: BusinessCalendar, start: datetime, span: timedelta
) -> None:
    due = cal.add_business(start, span)
    assert due.tzinfo is UTC
    assert cal.is_business_instant(due) or _is_closing_instant(cal, due)


# -- the week-jumping sum against the plain day-by-day walk ---------------------


def walk_add_business(cal: BusinessCalendar, start: datetime, business: timedelta) -> datetime:
    """add_business as it was first written: one calendar day at a time, the reference for the fast path."""
    if business == timedelta(0):
        return cal.next_business_instant(start)
    remaining = business
    cursor = start.astimezone(cal.zone).replace(tzinfo=None)
    for _ in range(MAX_DAYS_WALKED):
        day = cursor.date()
        if cal.is_working_day(day):
            begin = max(cursor, datetime.combine(day, cal.opens))
            end = datetime.combine(day, cal.closes)
            if begin < end:
                available = end - begin
                if remaining <= available:
                    return (begin + remaining).replace(tzinfo=cal.zone).astimezone(UTC)
                remaining -= available
        cursor = datetime.combine(day + timedelta(days=1), time(0))
    raise ValueError("walks past")


@st.composite
def calendars(draw: st.DrawFn) -> BusinessCalendar:
    """Calendars unlike the default: any working days, hours, zone, and dense extra holidays."""
    days = draw(st.sets(st.sampled_from(DAY_NAMES), min_size=1))
    opens = draw(st.integers(min_value=0, max_value=22 * 60))
    closes = draw(st.integers(min_value=opens + 1, max_value=24 * 60 - 1))
    extra = draw(st.lists(st.dates(min_value=date(2025, 1, 1), max_value=date(2031, 12, 31)), max_size=60))
    return BusinessCalendar(
        timezone=draw(st.sampled_from(["Europe/Paris", "America/New_York", "Asia/Kolkata", "UTC"])),
        days=days, opens=time(opens // 60, opens % 60), closes=time(closes // 60, closes % 60),
        country=draw(st.sampled_from([None, "FR", "US"])), extra_holidays=extra,
    )


long_spans = st.integers(min_value=0, max_value=400 * 8 * 60).map(lambda minutes: timedelta(minutes=minutes))


@PROPERTY_SETTINGS
@given(start=instants, span=st.one_of(spans, long_spans))
def test_add_business_agrees_with_the_day_by_day_walk(
    cal: BusinessCalendar, start: datetime, span: timedelta
) -> None:
    assert cal.add_business(start, span) == walk_add_business(cal, start, span)


@PROPERTY_SETTINGS
@given(other=calendars(), start=instants, days=st.integers(min_value=0, max_value=300), minutes=st.integers(0, 600))
def test_add_business_agrees_with_the_walk_on_any_calendar(
    other: BusinessCalendar, start: datetime, days: int, minutes: int
) -> None:
    span = days * other.day_length + timedelta(minutes=minutes)
    try:
        expected: datetime | str = walk_add_business(other, start, span)
    except ValueError:
        expected = "walks past"
    try:
        found: datetime | str = other.add_business(start, span)
    except ValueError:
        found = "walks past"
    assert found == expected


def test_whole_weeks_of_holidays_are_jumped_over_and_counted() -> None:
    closed = [date(2027, 3, 1) + timedelta(days=n) for n in range(21)]  # three weeks closed
    office = BusinessCalendar(extra_holidays=closed)
    start = paris(2027, 2, 26, 17)  # Friday at closing
    assert office.add_business(start, 10 * DAY) == walk_add_business(office, start, 10 * DAY) == paris(2027, 4, 2, 17)
