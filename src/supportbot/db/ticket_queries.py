"""What the bot shows of stored tickets: lists, counts and the figures of /stats, read without changing them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from supportbot.db.tables import tickets
from supportbot.domain.ticket_states import Status
from supportbot.domain.tickets import Ticket


class TicketQueries:
    """The read side of the tickets repository, over the session of its unit of work."""

    session: AsyncSession

    async def list(
        self, *, open_only: bool = True, product: str | None = None, status: str | None = None,
        reporter: tuple[str, int] | None = None, assignee: str | None = None, limit: int = 50,
    ) -> Sequence[Ticket]:
        query = sa.select(Ticket).order_by(tickets.c.created_at, tickets.c.number).limit(limit)
        if open_only:
            query = query.where(tickets.c.status != Status.RESOLVED.value)
        if product:
            query = query.where(tickets.c.product == product)
        if status:
            query = query.where(tickets.c.status == status)
        if reporter:
            query = query.where(tickets.c.reporter_platform == reporter[0], tickets.c.reporter_id == reporter[1])
        if assignee:
            query = query.where(tickets.c.assignee == assignee)
        return (await self.session.execute(query)).scalars().all()

    async def created_since(self, start: datetime, product: str | None = None) -> Sequence[Ticket]:
        """Tickets opened at or after start, oldest first."""
        query = sa.select(Ticket).where(tickets.c.created_at >= start).order_by(tickets.c.created_at)
        if product:
            query = query.where(tickets.c.product == product)
        return (await self.session.execute(query)).scalars().all()

    async def count_open(self, product: str | None = None, security: bool = False) -> int:
        """How many tickets are open now (security ones only when asked)."""
        query = sa.select(sa.func.count()).select_from(tickets).where(tickets.c.status != Status.RESOLVED.value)
        if product:
            query = query.where(tickets.c.product == product)
        if not security:
            query = query.where(tickets.c.security.is_(False))
        return int((await self.session.execute(query)).scalar_one())
