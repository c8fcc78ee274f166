"""Business hours: weekly opening times in a time zone, minus public and extra holidays."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from supportbot.domain.durations import Duration

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_LABELS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_LABELS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# About ten years of calendar days: a span that needs more is a configuration
# mistake, and walking further would only hide it.
MAX_DAYS_WALKED = 3660


def _require_aware(instant: datetime, name: str = "instant") -> None:
    if not isinstance(instant, datetime):
        raise TypeError(f"{name} must be a datetime, not {type(instant).__name__}")
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {instant.isoformat()}")


class BusinessCalendar:
    """When the support team works: which days, which hours, in which zone, except holidays.

    Business time is measured in local wall-clock time, so a deadline keeps its
    local time of day across daylight-saving changes.
    """

    def __init__(
        self,
        *,
        timezone: str = "Europe/Paris",
        days: Iterable[str] = ("mon", "tue", "wed", "thu", "fri"),
        opens: time = time(9),
        closes: time = time(17),
        country: str | None = None,
        subdivision: str | None = None,
        extra_holidays: Iterable[date] = (),
    ) -> None:
        try:
            self._zone = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {timezone!r}; use an IANA name like 'Europe/Paris'") from exc
        self.timezone_name = timezone

        weekdays: set[int] = set()
        for name in days:
            key = str(name).strip().lower()[:3]
            if key not in DAY_NAMES:
                raise ValueError(f"unknown day {name!r}; use {', '.join(DAY_NAMES)}")
            weekdays.add(DAY_NAMES.index(key))
        if not weekdays:
            raise ValueError("business hours need at least one working day")
        self._weekdays = frozenset(weekdays)

        if opens.tzinfo is not None or closes.tzinfo is not None:
            raise ValueError("opening and closing times are local wall-clock times; give them without a zone")
        if closes <= opens:
            raise ValueError(f"closing time {closes:%H:%M} must be after opening time {opens:%H:%M}")
        self.opens = opens
        self.closes = closes

        self.country = country.strip().upper() if country else None
        self.subdivision = subdivision.strip() if subdivision else None
        if self.subdivision and not self.country:
            raise ValueError(f"holiday subdivision {subdivision!r} needs a country")
        if self.country:
            # Fail at start-up, not on the first ticket, when the code is wrong.
            holiday_calendar(self.country, self.subdivision, years=[])
        self._extra = frozenset(extra_holidays)
        self._holidays_by_year: dict[int, frozenset[date]] = {}
        self._closed_by_year: dict[int, tuple[date, ...]] = {}
        self._day_length = _wall(closes) - _wall(opens)

    # -- basic facts -------------------------------------------------------

    @property
    def zone(self) -> ZoneInfo:
        """The calendar's time zone."""
        return self._zone

    @property
    def day_length(self) -> timedelta:
        """Business time in one working day (closing minus opening)."""
        return self._day_length

    @property
    def working_days(self) -> tuple[str, ...]:
        """The working weekdays, as 'mon'..'sun' in week order."""
        return tuple(DAY_NAMES[i] for i in sorted(self._weekdays))

    def is_holiday(self, day: date) -> bool:
        """True if `day` is a public holiday of the configured country or an extra holiday."""
        if isinstance(day, datetime):
            _require_aware(day, "day")
            day = self._local(day).date()
        return day in self._extra or day in self._holidays_in(day.year)

    def is_working_day(self, day: date) -> bool:
        """True if `day` is a working weekday and not a holiday."""
        return day.weekday() in self._weekdays and not self.is_holiday(day)

    def is_business_instant(self, instant: datetime) -> bool:
        """True if the desk is open at `instant`: opening counts, closing does not."""
        _require_aware(instant)
        local = self._local(instant)
        return self.is_working_day(local.date()) and self.opens <= local.time() < self.closes

    # -- moving through business time -------------------------------------

    def next_business_instant(self, instant: datetime) -> datetime:
        """The first business instant at or after `instant`, in UTC."""
        _require_aware(instant)
        if self.is_business_instant(instant):
            return instant.astimezone(UTC)
        local = self._local(instant)
        day = local.date()
        if self.is_working_day(day) and local.time() < self.opens:
            return self._to_utc(datetime.combine(day, self.opens))
        for _ in range(MAX_DAYS_WALKED):
            day += timedelta(days=1)
            if self.is_working_day(day):
                return self._to_utc(datetime.combine(day, self.opens))
        raise ValueError(f"no business day within {MAX_DAYS_WALKED} days after {instant.isoformat()}")

    def add(self, start: datetime, span: Duration) -> datetime:
        """`start` plus a configured duration, in UTC: absolute for s/m/h/d, business time for bd."""
        _require_aware(start, "start")
        if span.business:
            return self.add_business(start, span.amount * self.day_length)
        return start.astimezone(UTC) + span.as_timedelta()

    def add_business(self, start: datetime, business: timedelta) -> datetime:
        """The UTC instant once `business` time has passed from the first business instant at or after `start`."""
        _require_aware(start, "start")
        if business < timedelta(0):
            raise ValueError(f"business time must not be negative, got {business}")
        if business == timedelta(0):
            return self.next_business_instant(start)
        local = self._local(start)
        day = local.date()
        remaining = business
        if self.is_working_day(day):
            begin = max(local, datetime.combine(day, self.opens))
            end = datetime.combine(day, self.closes)
            if begin < end:
                available = end - begin
                # `<=` so that time running out exactly at closing gives the
                # closing instant, not the next opening.
                if remaining <= available:
                    return self._to_utc(begin + remaining)
                remaining -= available
        # What is left takes whole working days after `day`, the last one up to its closing.
        whole, last = divmod(remaining, self._day_length)
        if not last:
            whole, last = whole - 1, self._day_length
        found = self._working_day_after(day, whole + 1, limit=local.date() + timedelta(days=MAX_DAYS_WALKED))
        if found is None:
            raise ValueError(
                f"adding {business} of business time to {start.isoformat()} walks past {MAX_DAYS_WALKED} days"
            )
        return self._to_utc(datetime.combine(found, self.opens) + last)

    def business_between(self, a: datetime, b: datetime) -> timedelta:
        """Business time in [a, b); zero when b is not after a."""
        _require_aware(a, "a")
        _require_aware(b, "b")
        if b <= a:
            return timedelta(0)
        first, last = self._local(a), self._local(b)
        total = timedelta(0)
        day = first.date()
        while day <= last.date():
            if self.is_working_day(day):
                begin = max(first, datetime.combine(day, self.opens))
                end = min(last, datetime.combine(day, self.closes))
                if begin < end:
                    total += end - begin
            day += timedelta(days=1)
        return total

    # -- display -----------------------------------------------------------

    def format_local(self, instant: datetime) -> str:
        """`instant` in the calendar's zone, e.g. 'Mon 7 Dec 17:00 (Europe/Paris)'."""
        _require_aware(instant)
        local = instant.astimezone(self._zone)
        # Labels are spelt out so the text does not depend on the process locale.
        return (
            f"{_DAY_LABELS[local.weekday()]} {local.day} {_MONTH_LABELS[local.month - 1]} "
            f"{local:%H:%M} ({self.timezone_name})"
        )

    def __repr__(self) -> str:
        return (
            f"BusinessCalendar(timezone={self.timezone_name!r}, days={self.working_days!r}, "
            f"opens={self.opens:%H:%M}, closes={self.closes:%H:%M}, country={self.country!r}, "
            f"subdivision={self.subdivision!r}, extra_holidays={len(self._extra)})"
        )

    # -- internals ---------------------------------------------------------

    def _local(self, instant: datetime) -> datetime:
        """Naive local wall-clock time of an aware instant."""
        return instant.astimezone(self._zone).replace(tzinfo=None)

    def _to_utc(self, local: datetime) -> datetime:
        """An aware UTC instant from a naive local wall-clock time."""
        return local.replace(tzinfo=self._zone).astimezone(UTC)

    def _working_day_after(self, day: date, count: int, *, limit: date) -> date | None:
        """The `count`-th working day after `day`, or None when it falls on or after `limit`.

        Jumps whole weeks, less the holidays on working weekdays within them, instead of visiting
        each day: five business days from a Friday are the next Friday, found without a walk."""
        per_week = len(self._weekdays)
        while count >= per_week:
            jump = count // per_week
            end = day + timedelta(weeks=jump)
            if end >= limit:
                break  # so close to the limit, the walk below says exactly where it stops
            count -= jump * per_week - self._closed_workdays_within(day, end)
            day = end
            if not count:
                # The last working day of the weeks jumped over: `end`, or a few days before it.
                while not self.is_working_day(day):
                    day -= timedelta(days=1)
                return day
        while day < limit:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count -= 1
                if not count:
                    return day if day < limit else None
        return None

    def _closed_workdays_within(self, after: date, until: date) -> int:
        """How many working weekdays in (after, until] are holidays."""
        closed = 0
        for year in range(after.year, until.year + 1):
            days = self._closed_workdays_in(year)
            closed += bisect.bisect_right(days, until) - bisect.bisect_right(days, after)
        return closed

    def _closed_workdays_in(self, year: int) -> tuple[date, ...]:
        """The holidays of `year` that fall on a working weekday, in order."""
        cached = self._closed_by_year.get(year)
        if cached is None:
            extra = (day for day in self._extra if day.year == year)
            cached = self._closed_by_year[year] = tuple(sorted(
                day for day in self._holidays_in(year).union(extra) if day.weekday() in self._weekdays
            ))
        return cached

    def _holidays_in(self, year: int) -> frozenset[date]:
        cached = self._holidays_by_year.get(year)
        if cached is None:
            found = holiday_calendar(self.country, self.subdivision, years=year).keys() if self.country else ()
            cached = self._holidays_by_year[year] = frozenset(found)
        return cached

def holiday_calendar(country: str, subdivision: str | None, *, years: int | list[int]) -> holidays.HolidayBase:
    """The holidays library's calendar of a country (ISO code, upper case) and subdivision, for `years`
    (none: only the check, loading that one country's calendar); ValueError naming what it does not know."""
    try:
        return holidays.country_holidays(country, subdiv=subdivision, years=years)
    except NotImplementedError as exc:  # how the holidays library says it has no such calendar
        if subdivision:
            raise ValueError(
                f"unknown holiday calendar: country {country!r} with subdivision {subdivision!r} ({exc})"
            ) from exc
        raise ValueError(f"unknown holiday country {country!r}; use an ISO 3166-1 alpha-2 code like 'FR'") from exc


def _wall(moment: time) -> timedelta:
    return timedelta(
        hours=moment.hour, minutes=moment.minute, seconds=moment.second, microseconds=moment.microsecond
    )
