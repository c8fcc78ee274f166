"""The playbook's metrics over a span of time: the figures they are computed from, and the metrics (pure).

Each metric is defined once here (the README's "Metrics" section says the same in words): `figures_of`
adds the figures up over tickets, the database adds up the same without loading them, and `summarize`
turns figures into metrics for /stats, `supportbot report`, the board's metrics page and the digest."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from supportbot.domain.texts import metrics as words
from supportbot.domain.ticket_states import Resolution, Severity, Status
from supportbot.domain.tickets import Ticket

PERIOD_DAYS = {"day": 1, "week": 7, "month": 30, "quarter": 91, "year": 365}
ONE_MICROSECOND = timedelta(microseconds=1)
ONE_DAY = timedelta(days=1)
HAPPY_SCORE = 4  # CSAT counts the ratings of 4 and 5 out of 5
PERCENTILE = 90  # the first response time's high percentile


@dataclass(frozen=True)
class Metrics:
    """Every figure of a span, as /stats, the report, the board and the digest show it."""

    start: datetime
    end: datetime
    period: str  # "week" for the days up to now that /stats names; "" for any other span (see label)
    opened: int
    per_day: float
    backlog: int  # open at the end of the span
    first_response_median: timedelta | None
    first_response_mean: timedelta | None
    answered: int
    resolved: int
    first_response_resolution_rate: float | None
    resolution_mean: timedelta | None
    interactions_mean: float | None
    resolution_rate: float | None
    first_response_p90: timedelta | None = None
    response_mean: timedelta | None = None  # every wait of the reporter's for the team, business time if normal
    responses: int = 0
    first_response_due: int = 0  # tickets whose first response was due by now, or was made
    first_response_on_time_rate: float | None = None
    emergencies_judged: int = 0  # emergencies answered or escalated
    emergency_deadlines_met_rate: float | None = None
    reopened: int = 0
    reopen_rate: float | None = None
    ratings: int = 0
    satisfaction_mean: float | None = None  # 1-5
    csat: float | None = None  # share of ratings of 4 or 5


@dataclass(frozen=True)
class PeriodFigures:
    """Counts and exact sums over the tickets opened in a span (ratings: given in it): all the metrics are made of.

    `figures_of` defines them over tickets; the database adds the same up without loading the tickets."""

    opened: int = 0
    interactions: int = 0  # summed over the opened tickets
    answered: int = 0  # tickets with a first response
    first_response_us: int = 0  # creation to first response, summed over the answered, in microseconds
    first_response_middle_us: tuple[int, ...] = ()  # the middle wait (odd count) or the two middle ones
    first_response_p90_us: int | None = None  # the PERCENTILE-th percentile wait (nearest rank)
    resolved: int = 0
    resolved_at_first_response: int = 0  # resolved by their first response, or resolved as answered
    resolution_us: int = 0  # creation to resolution, summed over the resolved, in microseconds
    responses: int = 0  # team responses that ended a wait of the reporter's
    response_wait_us: int = 0  # those waits summed, in microseconds (business time for normal tickets)
    first_response_due: int = 0  # tickets with a known deadline that passed by now, or answered
    first_response_on_time: int = 0  # of those, answered at or before the deadline
    emergencies_judged: int = 0  # emergencies answered or escalated
    emergencies_escalated: int = 0  # emergencies the sweep escalated for silence (unanswered or idle)
    reopened: int = 0  # tickets reopened at least once
    ratings: int = 0  # ratings given in the span to tickets in scope
    rating_points: int = 0  # their scores summed
    ratings_happy: int = 0  # those of HAPPY_SCORE or more


def micros(span: timedelta) -> int:
    """A span in whole microseconds (timedelta's own resolution, so exact)."""
    return span // ONE_MICROSECOND


def middle(count: int) -> tuple[int, int]:
    """(offset, how many) of the values whose mean is the median of `count` sorted values."""
    if not count:
        return 0, 0
    return (count - 1) // 2, 2 - count % 2


def percentile_offset(count: int, percentile: int = PERCENTILE) -> int | None:
    """The offset, in `count` sorted values, of the nearest-rank percentile (the ceil(p% of count)-th value)."""
    if not count:
        return None
    return max(1, math.ceil(count * percentile / 100)) - 1


def period_start(now: datetime, period: str) -> datetime:
    """The start of `period` (day, week, month, quarter, year) counted back from now."""
    return now - timedelta(days=PERIOD_DAYS[period])


def period_bounds(now: datetime, period: str) -> tuple[datetime, datetime]:
    """(start, end) of `period` (day, week, month, quarter, year): the span of that many days up to now."""
    return period_start(now, period), now


def first_response_on_time(ticket: Ticket, now: datetime | None) -> bool | None:
    """Whether the ticket's first response came by its deadline; None while that is not known (no deadline
    recorded, or not answered and not due by `now`; with no `now`, not answered)."""
    due = ticket.first_response_due_at
    if due is None:
        return None
    if ticket.first_response_at is not None:
        return ticket.first_response_at <= due
    return False if now is not None and due <= now else None


def figures_of(
    opened: Sequence[Ticket], resolved_at_first_response: Iterable[int], *, now: datetime | None = None,
    escalated: Iterable[int] = (), scores: Iterable[int] = (),
) -> PeriodFigures:
    """The figures of the tickets opened in the span; `resolved_at_first_response` are ticket ids whose
    first team response resolved them (an FAQ answer or the resolution itself), `escalated` ids of
    emergencies escalated for silence, `scores` the ratings given in the span to tickets in scope; deadlines
    are judged at `now`."""
    waits = sorted(micros(t.first_response_at - t.created_at) for t in opened if t.first_response_at)
    resolved = [t for t in opened if t.status is Status.RESOLVED and t.resolved_at]
    at_first = set(resolved_at_first_response)
    offset, count = middle(len(waits))
    high = percentile_offset(len(waits))
    judged = [on_time for t in opened if (on_time := first_response_on_time(t, now)) is not None]
    escalated_ids = set(escalated)
    emergencies = [t for t in opened if t.severity is Severity.EMERGENCY
                   and (t.first_response_at is not None or t.id in escalated_ids)]
    given = list(scores)
    return PeriodFigures(
        opened=len(opened),
        interactions=sum(t.interactions for t in opened),
        answered=len(waits),
        first_response_us=sum(waits),
        first_response_middle_us=tuple(waits[offset:offset + count]),
        first_response_p90_us=None if high is None else waits[high],
        resolved=len(resolved),
        resolved_at_first_response=sum(1 for t in resolved if t.id in at_first or t.resolution is Resolution.ANSWERED),
        resolution_us=sum(micros(t.resolved_at - t.created_at) for t in resolved if t.resolved_at),
        responses=sum(t.responses for t in opened),
        response_wait_us=sum(t.response_wait_us for t in opened),
        first_response_due=len(judged),
        first_response_on_time=sum(judged),
        emergencies_judged=len(emergencies),
        emergencies_escalated=sum(1 for t in emergencies if t.id in escalated_ids),
        reopened=sum(1 for t in opened if t.reopens),
        ratings=len(given),
        rating_points=sum(given),
        ratings_happy=sum(1 for score in given if score >= HAPPY_SCORE),
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
        first_response_p90=None if f.first_response_p90_us is None else timedelta(microseconds=f.first_response_p90_us),
        answered=f.answered,
        resolved=f.resolved,
        first_response_resolution_rate=_share(f.resolved_at_first_response, f.resolved),
        resolution_mean=_mean_span(f.resolution_us, f.resolved),
        interactions_mean=f.interactions / f.opened if f.opened else None,
        resolution_rate=_share(f.resolved, f.opened),
        response_mean=_mean_span(f.response_wait_us, f.responses),
        responses=f.responses,
        first_response_due=f.first_response_due,
        first_response_on_time_rate=_share(f.first_response_on_time, f.first_response_due),
        emergencies_judged=f.emergencies_judged,
        emergency_deadlines_met_rate=_share(f.emergencies_judged - f.emergencies_escalated, f.emergencies_judged),
        reopened=f.reopened,
        reopen_rate=_share(f.reopened, f.opened),
        ratings=f.ratings,
        satisfaction_mean=f.rating_points / f.ratings if f.ratings else None,
        csat=_share(f.ratings_happy, f.ratings),
    )


def compute(
    opened: Sequence[Ticket], backlog: int, *, now: datetime, period: str, resolved_at_first_response: Iterable[int],
    escalated: Iterable[int] = (), scores: Iterable[int] = (),
) -> Metrics:
    """Metrics for the tickets opened in the period up to now (see figures_of)."""
    start, end = period_bounds(now, period)
    figures = figures_of(opened, resolved_at_first_response, now=now, escalated=escalated, scores=scores)
    return summarize(figures, backlog, start=start, end=end, period=period)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _mean_span(total_us: int, count: int) -> timedelta | None:
    """The mean of `count` spans summing to `total_us` microseconds, to the nearest microsecond."""
    return timedelta(microseconds=total_us / count) if count else None


def span(value: timedelta | None) -> str:
    """'2h 05m', '3d 4h', '45s' or '—'."""
    if value is None:
        return words.NONE
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
    return words.NONE if value is None else f"{value * 100:.0f}%"


def decimal(value: float | None) -> str:
    """'2.5' or '—'."""
    return words.NONE if value is None else f"{value:.1f}"


def label(m: Metrics) -> str:
    """'last week', or the span's UTC instants when it is not one of the named periods up to now."""
    if m.period:
        return words.LAST_PERIOD.format(period=m.period)
    return words.SPAN.format(start=f"{m.start:%Y-%m-%d %H:%M}", end=f"{m.end:%Y-%m-%d %H:%M}")


def lines(m: Metrics) -> list[tuple[str, str]]:
    """Each metric as (name, value), in the playbook's order, spelled the same on every surface."""
    return [
        (words.SATISFACTION, words.SATISFACTION_VALUE.format(
            mean=decimal(m.satisfaction_mean), csat=percent(m.csat), ratings=m.ratings)),
        (words.ISSUES_OPENED, words.ISSUES_OPENED_VALUE.format(opened=m.opened, per_day=m.per_day)),
        (words.BACKLOG, str(m.backlog)),
        (words.FIRST_RESPONSE_TIME, words.FIRST_RESPONSE_TIME_VALUE.format(
            median=span(m.first_response_median), mean=span(m.first_response_mean),
            p90=span(m.first_response_p90), answered=m.answered)),
        (words.FIRST_RESPONSE_RESOLUTION, percent(m.first_response_resolution_rate)),
        (words.RESPONSE_TIME, words.RESPONSE_TIME_VALUE.format(mean=span(m.response_mean), responses=m.responses)),
        (words.INTERACTIONS, decimal(m.interactions_mean)),
        (words.RESOLUTION_TIME, span(m.resolution_mean)),
        (words.RESOLUTION_RATE, words.RESOLUTION_RATE_VALUE.format(
            rate=percent(m.resolution_rate), resolved=m.resolved)),
        (words.FIRST_RESPONSE_SLA, words.COUNTED_OF.format(
            rate=percent(m.first_response_on_time_rate), count=m.first_response_due)),
        (words.EMERGENCY_SLA, words.COUNTED_OF.format(
            rate=percent(m.emergency_deadlines_met_rate), count=m.emergencies_judged)),
        (words.REOPEN_RATE, words.REOPEN_RATE_VALUE.format(rate=percent(m.reopen_rate), reopened=m.reopened)),
    ]


def render(m: Metrics, where: str) -> str:
    """The /stats answer."""
    heading = words.STATS_HEADING.format(where=where, label=label(m))
    return "\n".join([heading, *(words.STATS_LINE.format(name=name, value=value) for name, value in lines(m))])


def as_record(m: Metrics) -> dict[str, str | int | float | None]:
    """The metrics as plain values for `supportbot report` (json, csv): spans in seconds, rates as fractions."""
    def seconds(value: timedelta | None) -> float | None:
        return None if value is None else value.total_seconds()

    return {
        "start": m.start.isoformat(), "end": m.end.isoformat(),
        "satisfaction_mean": m.satisfaction_mean, "csat": m.csat, "ratings": m.ratings,
        "opened": m.opened, "per_day": m.per_day, "backlog": m.backlog,
        "first_response_median_s": seconds(m.first_response_median),
        "first_response_mean_s": seconds(m.first_response_mean),
        "first_response_p90_s": seconds(m.first_response_p90), "answered": m.answered,
        "first_response_resolution_rate": m.first_response_resolution_rate,
        "response_mean_s": seconds(m.response_mean), "responses": m.responses,
        "interactions_mean": m.interactions_mean,
        "resolution_mean_s": seconds(m.resolution_mean),
        "resolution_rate": m.resolution_rate, "resolved": m.resolved,
        "first_response_on_time_rate": m.first_response_on_time_rate, "first_response_due": m.first_response_due,
        "emergency_deadlines_met_rate": m.emergency_deadlines_met_rate, "emergencies_judged": m.emergencies_judged,
        "reopen_rate": m.reopen_rate, "reopened": m.reopened,
    }
