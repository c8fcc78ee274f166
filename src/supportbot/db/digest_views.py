"""What the weekly digest and the morning summary read: a week's instants, its broken promises, the untriaged."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from supportbot.db.ops_views import product_scope
from supportbot.db.tables import OPEN, RESOLVED, ticket_events, tickets
from supportbot.domain.ticket_states import Severity
from supportbot.services.ports import TicketLine

# Every escalation notice is a promise broken (as the metrics page counts them).
BREACH_EVENT = "escalation"


class SqlDigestViews:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def opened_and_resolved(self, start: datetime, end: datetime, *, product: str | None,
                                  security: bool) -> tuple[list[datetime], list[datetime]]:
        """When each ticket opened in [start, end) was opened; when each one resolved in it was resolved."""
        scope = product_scope(product, security)
        opened = await self.session.execute(
            sa.select(tickets.c.created_at).where(*scope, tickets.c.created_at >= start, tickets.c.created_at < end))
        resolved = await self.session.execute(
            sa.select(tickets.c.resolved_at).where(*scope, RESOLVED, tickets.c.resolved_at >= start,
                                                   tickets.c.resolved_at < end))
        return [at for (at,) in opened], [at for (at,) in resolved if at is not None]

    async def breaches(self, start: datetime, end: datetime, *, product: str | None,
                       security: bool) -> Sequence[TicketLine]:
        """Tickets escalated in [start, end), each at its first escalation there, oldest first."""
        rows = await self.session.execute(
            sa.select(tickets.c.number, tickets.c.title, tickets.c.product, ticket_events.c.at, ticket_events.c.detail)
            .select_from(ticket_events.join(tickets))
            .where(*product_scope(product, security), ticket_events.c.kind == BREACH_EVENT, ticket_events.c.at >= start,
                   ticket_events.c.at < end)
            .order_by(ticket_events.c.at, ticket_events.c.id))
        first: dict[int, TicketLine] = {}
        for number, title, key, at, detail in rows:
            first.setdefault(int(number), TicketLine(int(number), title, key, at, detail))
        return list(first.values())

    async def untriaged(self, *, product: str | None, limit: int) -> tuple[Sequence[TicketLine], int]:
        """Open normal tickets with no priority, oldest first (never security ones), and how many there are."""
        scope = [OPEN, *product_scope(product, False), tickets.c.priority.is_(None),
                 tickets.c.severity == Severity.NORMAL]
        total = int((await self.session.execute(
            sa.select(sa.func.count()).select_from(tickets).where(*scope))).scalar_one())
        if not total or limit <= 0:
            return [], total
        rows = await self.session.execute(
            sa.select(tickets.c.number, tickets.c.title, tickets.c.product, tickets.c.created_at)
            .where(*scope).order_by(tickets.c.created_at, tickets.c.number).limit(limit))
        return [TicketLine(int(number), title, key, at) for number, title, key, at in rows], total
