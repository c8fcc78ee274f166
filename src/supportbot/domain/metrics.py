"""The playbook's metrics over a period: the figures they are computed from, and the metrics (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from supportbot.domain.ticket_states import Resolution, Status
from supportbot.domain.tickets import Ticket

PERIOD_DAYS = {"day": 1, "week": 7, "month": 30, "quarter": 91, "year": 365}
ONE_MICROSECOND = timedelta(microseconds=1)
ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Metrics:
    start: datetime
    end: datetime
    period: str  # "week" for the days up to now that /stats names; "" for any other span (see render)
    opened: int
    per_day: float
    backlog: int
    first_response_median: timedelta | None
    first_response_mean: timedelta | None
    answered: int
    resolved: int
    first_response_resolution_rate: float | None
    resolution_mean: timedelta | None
    interactions_mean: float | None
    resolution_rate: float | None


@dataclass(frozen=True)
class PeriodFigures:
    """Counts and exact sums over the tickets opened in a period: all the metrics are made of.

    `figures_of` defines them over tickets; the database adds the same up without loading the tickets."""

    opened: int = 0
    interactions: int = 0  # summed over the opened tickets
    answered: int = 0  # tickets with a first response
    first_response_us: int = 0  # creation to first response, summed over the answered, in microseconds
    first_response_middle_us: tuple[int, ...] = ()  # the middle wait (odd count) or the two middle ones
    resolved: int = 0
    resolved_at_first_response: int = 0  # resolved by their first response, or resolved as answered
    resolution_us: int = 0  # creation to resolution, summed over the resolved, in microseconds


def micros(span: timedelta) -> int:
    """A span in whole microseconds (timedelta's own resolution, so exact)."""
    return span // ONE_MICROSECOND


def middle(count: int) -> tuple[int, int]:
    """(offset, how many) of the values whose mean is the median of `count` sorted values."""
    if not count:
        return 0, 0
    return (count - 1) // 2, 2 - count % 2


def period_start(now: datetime, period: str) -> datetime:
    """The start of `period` (day, week, month, quarter, year) counted back from now."""
    return now - timedelta(days=PERIOD_DAYS[period])


def period_bounds(now: datetime, period: str) -> tuple[datetime, datetime]:
    """(start, end) of `period` (day, week, month, quarter, year): the span of that many days up to now."""
    return period_start(now, period), now


def figures_of(opened: Sequence[Ticket], resolved_at_first_response: Iterable[int]) -> PeriodFigures:
    """The figures of the tickets opened in the period; `resolved_at_first_response` are ticket ids whose
    first team response resolved them (an FAQ answer or the resolution itself)."""
    waits = sorted(micros(t.first_response_at - t.created_at) for t in opened if t.first_response_at)
    resolved = [t for t in opened if t.status is Status.RESOLVED and t.resolved_at]
    at_first = set(resolved_at_first_response)
    offset, count = middle(len(waits))
    return PeriodFigures(
        opened=len(opened),
        interactions=sum(t.interactions for t in opened),
        answered=len(waits),
        first_response_us=sum(waits),
        first_response_middle_us=tuple(waits[offset:offset + count]),
        resolved=len(resolved),
        resolved_at_first_response=sum(1 for t in resolved if t.id in at_first or t.resolution is Resolution.ANSWERED),
        resolution_us=sum(micros(t.resolved_at - t.created_at) for t in resolved if t.resolved_at),
    )


def summarize(figures: PeriodFigures, backlog: int, *, start: datetime, end: datetime, period: str = "") -> Metrics:
    """The metrics of the span from start to end from its figures and the backlog."""
    f = figures
    return Metrics(
        start=start,
        end=end,
        period=period,
        opened=f.opened,
        per_day=f.opened / ((end - start) / ONE_DAY) if end > start else 0.0,
        backlog=backlog,
        first_response_median=_mean_span(sum(f.first_response_middle_us), len(f.first_response_middle_us)),
        first_response_mean=_mean_span(f.first_response_us, f.answered),
        answered=f.answered,
        resolved=f.resolved,
        first_response_resolution_rate=f.resolved_at_first_response / f.resolved if f.resolved else None,
        resolution_mean=_mean_span(f.resolution_us, f.resolved),
        interactions_mean=f.interactions / f.opened if f.opened else None,
        resolution_rate=f.resolved / f.opened if f.opened else None,
    )


def compute(
    opened: Sequence[Ticket], backlog: int, *, now: datetime, period: str, resolved_at_first_response: Iterable[int],
) -> Metrics:
    """Metrics for the tickets opened in the period up to now (see figures_of)."""
    start, end = period_bounds(now, period)
    return summarize(figures_of(opened, resolved_at_first_response), backlog, start=start, end=end, period=period)


def _mean_span(total_us: int, count: int) -> timedelta | None:
    """The mean of `count` spans summing to `total_us` microseconds, to the nearest microsecond."""
    return timedelta(microseconds=total_us / count) if count else None


def span(value: timedelta | None) -> str:
    """'2h 05m', '3d 4h', '45s' or '—'."""
    if value is None:
        return "—"
    seconds = int(value.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m" if minutes else f"{seconds}s"


def percent(value: float | None) -> str:
    """'83%' or '—'."""
    return "—" if value is None else f"{value * 100:.0f}%"


def label(m: Metrics) -> str:
    """'last week', or the span's UTC instants when it is not one of the named periods up to now."""
    if m.period:
        return f"last {m.period}"
    return f"{m.start:%Y-%m-%d %H:%M} to {m.end:%Y-%m-%d %H:%M} UTC"


def render(m: Metrics, where: str) -> str:
    """The /stats answer."""
    return "\n".join([
        f"📊 Support metrics{where}, {label(m)}:",
        f"Issues opened: {m.opened} ({m.per_day:.1f} a day)",
        f"Backlog (open now): {m.backlog}",
        f"First response time: median {span(m.first_response_median)}, average {span(m.first_response_mean)} "
        f"({m.answered} answered)",
        f"First response resolution rate: {percent(m.first_response_resolution_rate)}",
        f"Average resolution time: {span(m.resolution_mean)}",
        f"Interactions per issue: {'—' if m.interactions_mean is None else f'{m.interactions_mean:.1f}'}",
        f"Issue resolution rate: {percent(m.resolution_rate)} ({m.resolved} resolved)",
        "Satisfaction: not collected",
    ])
