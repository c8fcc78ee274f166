"""When the weekly digest goes out and which days it covers, in the business time zone (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WHEN_FORMAT = 'a weekday and a 24-hour time, e.g. "mon 09:00"'
_WHEN = re.compile(r"\s*([a-z]{3})\s+(\d{1,2}):(\d{2})\s*")
WEEK = timedelta(days=7)


class ScheduleError(ValueError):
    """A `[digest] when` that names no weekday and time."""


@dataclass(frozen=True)
class WeeklySlot:
    """A weekday and a local time: when the digest is due each week."""

    weekday: int  # 0 = Monday
    at: time

    def latest(self, now: datetime, zone: ZoneInfo) -> datetime:
        """The last slot at or before `now` (UTC), whose week is the one to report."""
        local = now.astimezone(zone)
        day = local.date() - timedelta(days=(local.weekday() - self.weekday) % 7)
        slot = local_instant(day, self.at, zone)
        return slot if slot <= now else local_instant(day - WEEK, self.at, zone)


def parse_when(text: str) -> WeeklySlot:
    """'mon 09:00' as a WeeklySlot; ScheduleError names what is wrong."""
    match = _WHEN.fullmatch(text.lower())
    if match is None:
        raise ScheduleError(f"{text!r} is not {WHEN_FORMAT}")
    day, hours, minutes = match.group(1), int(match.group(2)), int(match.group(3))
    if day not in WEEKDAY_NAMES:
        raise ScheduleError(f"{day!r} is not a weekday; use one of {', '.join(WEEKDAY_NAMES)}")
    if hours > 23 or minutes > 59:
        raise ScheduleError(f"{hours:02d}:{minutes:02d} is not a time of day (00:00 to 23:59)")
    return WeeklySlot(WEEKDAY_NAMES.index(day), time(hours, minutes))


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a local wall-clock time (one skipped by a DST switch falls just after it)."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True)
class DigestWeek:
    """The days a digest reports (local dates, oldest first) and the instants that bound them.

    `end` is the end of the last day, or now for the week so far; `previous_start` starts the week before."""

    days: tuple[date, ...]
    start: datetime
    end: datetime
    previous_start: datetime


def reported_week(slot: datetime, zone: ZoneInfo) -> DigestWeek:
    """The seven whole local days before the slot's day (a Monday digest: Monday to Sunday before it)."""
    last = slot.astimezone(zone).date()
    days = tuple(last - timedelta(days=n) for n in range(7, 0, -1))
    return _week(days, local_instant(last, time(0), zone), zone)


def week_so_far(now: datetime, slot: WeeklySlot, zone: ZoneInfo) -> DigestWeek:
    """From the start of the digest's current week (the slot's weekday, 00:00 local) until now: the days the
    next digest will report."""
    today = now.astimezone(zone).date()
    first = today - timedelta(days=(today.weekday() - slot.weekday) % 7)
    days = tuple(first + timedelta(days=n) for n in range((today - first).days + 1))
    return _week(days, now, zone)


def _week(days: tuple[date, ...], end: datetime, zone: ZoneInfo) -> DigestWeek:
    start = local_instant(days[0], time(0), zone)
    return DigestWeek(days, start, end, local_instant(days[0] - WEEK, time(0), zone))


def day_of(instant: datetime, zone: ZoneInfo) -> date:
    """The local date of a UTC instant."""
    return instant.astimezone(zone).date()
