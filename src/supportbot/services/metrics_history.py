"""The metrics page's charts: the period's tickets day by day (opened, backlog, broken promises) and how long
first responses took, each counted by the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from supportbot.domain import metrics
from supportbot.services.context import Deps

# Every escalation notice is a promise broken: a first response missed, an emergency left alone, a stagnant ticket.
BREACH_EVENT = "escalation"
# First-response buckets: (label, upper bound); the last bucket has no bound.
RESPONSE_BUCKETS: tuple[tuple[str, timedelta], ...] = (
    ("≤15m", timedelta(minutes=15)), ("≤1h", timedelta(hours=1)), ("≤4h", timedelta(hours=4)),
    ("≤1d", timedelta(days=1)), ("≤3d", timedelta(days=3)))
RESPONSE_OVER = ">3d"


@dataclass(frozen=True)
class History:
    """Per UTC day of the period, oldest first, and the first-response spread as (bucket, tickets)."""

    days: tuple[date, ...]
    opened: tuple[int, ...]
    backlog: tuple[int, ...]  # open at the end of each day (today: now)
    breaches: tuple[int, ...]
    first_response: tuple[tuple[str, int], ...]


async def period_history(deps: Deps, *, product: str | None, period: str, security: bool) -> History:
    """The series the charts draw for a product (all when None) over the period counted back from now."""
    now = deps.clock.now()
    start = metrics.period_start(now, period)
    bounds = [metrics.micros(bound) for _, bound in RESPONSE_BUCKETS]
    async with deps.uow() as uow:
        opened = await uow.ops.opened_per_day(start, product=product, security=security)
        resolved = await uow.ops.resolved_per_day(start, product=product, security=security)
        breaches = await uow.ops.events_per_day(BREACH_EVENT, start, product=product, security=security)
        spread = await uow.ops.first_response_spread(start, bounds, product=product, security=security)
        open_now = await uow.tickets.count_open(product, security=security)
    days = tuple(start.date() + timedelta(days=n) for n in range((now.date() - start.date()).days + 1))
    keys = [day.isoformat() for day in days]
    # The backlog at the end of a day: open now, less what was opened since, plus what was resolved since.
    backlog, level = [], open_now
    for key in reversed(keys):
        backlog.append(max(0, level))
        level += resolved.get(key, 0) - opened.get(key, 0)
    labels = [label for label, _ in RESPONSE_BUCKETS] + [RESPONSE_OVER]
    return History(
        days=days, opened=tuple(opened.get(k, 0) for k in keys), backlog=tuple(reversed(backlog)),
        breaches=tuple(breaches.get(k, 0) for k in keys), first_response=tuple(zip(labels, spread, strict=True)))
