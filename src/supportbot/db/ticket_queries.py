"""What the bot shows of stored tickets: lists, counts and the figures of /stats, read without changing them.

Each query is served by an index of db/tables.py (tests/integration/test_query_plans.py reads the plans on
SQLite and PostgreSQL): open tickets are selected with tables.OPEN, the predicate of the partial indexes on
open tickets; the metrics' figures are in db/metrics_store.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from supportbot.db.metrics_store import MetricsQueries
from supportbot.db.tables import OPEN, tickets
from supportbot.domain.tickets import Ticket


class TicketQueries(MetricsQueries):
    """The read side of the tickets repository, over the session of its unit of work (the metrics' figures
    in MetricsQueries)."""

    session: AsyncSession

    async def list(
        self, *, open_only: bool = True, product: str | None = None, status: str | None = None,
        reporter: tuple[str, int] | None = None, assignee: str | None = None, limit: int = 50,
    ) -> Sequence[Ticket]:
        query = sa.select(Ticket).order_by(tickets.c.created_at, tickets.c.number).limit(limit)
        if open_only:
            query = query.where(OPEN)
        if product:
            query = query.where(tickets.c.product == product)
        if status:
            query = query.where(tickets.c.status == status)
        if reporter:
            query = query.where(tickets.c.reporter_platform == reporter[0], tickets.c.reporter_id == reporter[1])
        if assignee:
            query = query.where(tickets.c.assignee == assignee)
        return (await self.session.execute(query)).scalars().all()

    async def open_numbers(self, prefix: str = "", limit: int = 25) -> Sequence[tuple[int, str]]:
        """(number, title) of open tickets outside the security desk whose number starts with prefix, oldest first."""
        query = (
            sa.select(tickets.c.number, tickets.c.title).where(OPEN, tickets.c.security.is_(False))
            .order_by(tickets.c.created_at, tickets.c.number).limit(limit)
        )
        if prefix:
            query = query.where(sa.cast(tickets.c.number, sa.String).startswith(prefix, autoescape=True))
        return [(int(row.number), row.title) for row in await self.session.execute(query)]

    async def backlog(self, *, product: str | None = None, security: bool = False,
                      limit: int = 50) -> Sequence[Ticket]:
        """Open tickets by priority (p1 first, untriaged last), then oldest first; security ones only when asked.

        Read in two walks of ix_tickets_open_priority (or, for one product, ix_tickets_open_product_priority):
        the triaged tickets, then the untriaged. One ORDER BY would put NULL first on SQLite and last on
        PostgreSQL, and NULLS LAST (or ordering by "priority IS NULL") makes both engines sort instead."""
        def walk(triaged: bool) -> sa.Select[Ticket]:
            query = sa.select(Ticket).where(OPEN)
            if product:
                query = query.where(tickets.c.product == product)
            if not security:
                query = query.where(tickets.c.security.is_(False))
            if triaged:
                query = query.where(tickets.c.priority.isnot(None)).order_by(tickets.c.priority)
            else:
                query = query.where(tickets.c.priority.is_(None))
            return query.order_by(tickets.c.created_at, tickets.c.number)

        found = list((await self.session.execute(walk(True).limit(limit))).scalars())
        if len(found) < limit:
            found += (await self.session.execute(walk(False).limit(limit - len(found)))).scalars()
        return found

    async def opened_by(self, reporter: tuple[str, int], since: datetime, limit: int) -> Sequence[datetime]:
        """When one reporter's latest tickets opened after `since` were opened, newest first, at most `limit`:
        read from ix_tickets_reporter alone (the ticket limit asks this before each new ticket)."""
        query = (
            sa.select(tickets.c.created_at)
            .where(tickets.c.reporter_platform == reporter[0], tickets.c.reporter_id == reporter[1],
                   tickets.c.created_at > since)
            .order_by(tickets.c.created_at.desc()).limit(limit)
        )
        return list((await self.session.execute(query)).scalars())

    async def count_open(self, product: str | None = None, security: bool = False) -> int:
        """How many tickets are open now (security ones only when asked)."""
        query = sa.select(sa.func.count()).select_from(tickets).where(OPEN)
        if product:
            query = query.where(tickets.c.product == product)
        if not security:
            query = query.where(tickets.c.security.is_(False))
        return int((await self.session.execute(query)).scalar_one())
