"""The playbook's metrics over a period, computed from tickets (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import mean, median

from supportbot.domain.ticket_states import Resolution, Status
from supportbot.domain.tickets import Ticket

PERIOD_DAYS = {"day": 1, "week": 7, "month": 30, "quarter": 91, "year": 365}


@dataclass(frozen=True)
class Metrics:
    period: str
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


def period_start(now: datetime, period: str) -> datetime:
    """The start of `period` (day, week, month, quarter, year) counted back from now."""
    return now - timedelta(days=PERIOD_DAYS[period])


def compute(
    opened: Sequence[Ticket], backlog: int, *, period: str, resolved_at_first_response: Iterable[int],
) -> Metrics:
    """Metrics for the tickets opened in the period; `resolved_at_first_response` are ticket ids whose
    first team response resolved them (an FAQ answer or the resolution itself)."""
    waits = [t.first_response_at - t.created_at for t in opened if t.first_response_at]
    resolved = [t for t in opened if t.status is Status.RESOLVED and t.resolved_at]
    at_first = set(resolved_at_first_response)
    first_resolved = [t for t in resolved if t.id in at_first or t.resolution is Resolution.ANSWERED]
    return Metrics(
        period=period,
        opened=len(opened),
        per_day=len(opened) / PERIOD_DAYS[period],
        backlog=backlog,
        first_response_median=_median(waits),
        first_response_mean=_mean(waits),
        answered=len(waits),
        resolved=len(resolved),
        first_response_resolution_rate=len(first_resolved) / len(resolved) if resolved else None,
        resolution_mean=_mean([t.resolved_at - t.created_at for t in resolved if t.resolved_at]),
        interactions_mean=mean(t.interactions for t in opened) if opened else None,
        resolution_rate=len(resolved) / len(opened) if opened else None,
    )


def _mean(spans: Sequence[timedelta]) -> timedelta | None:
    return timedelta(seconds=mean(s.total_seconds() for s in spans)) if spans else None


def _median(spans: Sequence[timedelta]) -> timedelta | None:
    return timedelta(seconds=median(s.total_seconds() for s in spans)) if spans else None


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


def render(m: Metrics, where: str) -> str:
    """The /stats answer."""
    return "\n".join([
        f"📊 Support metrics{where}, last {m.period}:",
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
