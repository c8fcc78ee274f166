"""/stats: the playbook's metrics for the team."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from supportbot.domain import commands as cmd
from supportbot.domain import metrics, permissions, texts
from supportbot.domain.people import Sender
from supportbot.domain.tickets import NotAllowed
from supportbot.services.context import Deps
from supportbot.services.ports import Reply

# A first response that resolves the issue: an FAQ answer, or resolving it outright.
RESOLVING_FIRST_RESPONSES = ("faq", "resolve")


async def show_stats(deps: Deps, command: cmd.ShowStats, sender: Sender) -> Reply:
    """Issue count, backlog, first response time, resolution figures for a product and period."""
    permissions.require_team(sender, "stats")
    if command.product and deps.directory.product(command.product) is None:
        raise NotAllowed(texts.NO_PRODUCT.format(
            key=command.product, keys=", ".join(p.key for p in deps.directory.products) or "none"))
    result = await period_metrics(deps, product=command.product, period=command.period,
                                  security=permissions.sees_security(sender))
    return Reply(metrics.render(result, f" for {command.product}" if command.product else ""))


async def period_metrics(deps: Deps, *, product: str | None, period: str, security: bool) -> metrics.Metrics:
    """The /stats figures of a product (all when None) over the period counted back from now; security
    tickets only when `security` (the caller checked who may see them)."""
    start, end = metrics.period_bounds(deps.clock.now(), period)
    result = await figures_for(deps, product=product, start=start, end=end, security=security)
    return dataclasses.replace(result, period=period)


async def figures_for(
    deps: Deps, *, product: str | None, start: datetime, end: datetime, security: bool,
) -> metrics.Metrics:
    """Every playbook metric of a product (all when None) over the tickets opened from start (included) to
    end (excluded); security tickets only when `security` (the caller checked who may see them). /stats,
    the report, the board's metrics page and the digest all read their figures here."""
    now = deps.clock.now()
    async with deps.uow() as uow:
        # Added up where the tickets are stored: a year of them never comes into memory.
        # Nothing is opened or rated after now: a span up to now needs no end (and reads the indexes better).
        figures = await uow.tickets.period_figures(
            start, end=end if end < now else None, now=now, product=product, security=security,
            resolving_first_responses=RESOLVING_FIRST_RESPONSES)
        # The backlog at the end of the span: open now, for a span up to now.
        if end >= now:
            backlog = await uow.tickets.count_open(product, security=security)
        else:
            backlog = await uow.tickets.count_open_at(end, product, security=security)
    return metrics.summarize(figures, backlog, start=start, end=end)
