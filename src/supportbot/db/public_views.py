"""What the public tracker reads: open and recently resolved tickets and their public timelines, with
nothing private selected (no reporter, no assignee, no report body, no security ticket, no note).

Open tickets are found through the partial indexes on open tickets (tables.OPEN), the resolved ones
through ix_tickets_status, history lines by their ticket (tests/integration/test_public_views.py reads
the plans on SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from supportbot.db.tables import OPEN, RESOLVED, ticket_events, tickets
from supportbot.domain.ticket_states import Resolution, Severity, Status
from supportbot.services.public_tracker import PublicEvent, PublicTicket

PUBLIC = tickets.c.security.is_(False)
_COLUMNS = (tickets.c.id, tickets.c.number, tickets.c.product, tickets.c.severity, tickets.c.status,
            tickets.c.resolution, tickets.c.title, tickets.c.created_at, tickets.c.resolved_at)


class SqlPublicViews:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def open_tickets(self, *, product: str | None, status: str | None, offset: int,
                           limit: int) -> Sequence[PublicTicket]:
        query = sa.select(*_COLUMNS).where(OPEN, PUBLIC).order_by(tickets.c.created_at, tickets.c.number)
        if product:
            query = query.where(tickets.c.product == product)
        if status:
            query = query.where(tickets.c.status == status)
        return await self._tickets(query.offset(offset).limit(limit))

    async def resolved_since(self, since: datetime, *, product: str | None, offset: int,
                             limit: int) -> Sequence[PublicTicket]:
        query = (sa.select(*_COLUMNS).where(RESOLVED, PUBLIC, tickets.c.resolved_at >= since)
                 .order_by(tickets.c.resolved_at.desc(), tickets.c.number.desc()))
        if product:
            query = query.where(tickets.c.product == product)
        return await self._tickets(query.offset(offset).limit(limit))

    async def ticket(self, number: int) -> PublicTicket | None:
        found = await self._tickets(sa.select(*_COLUMNS).where(tickets.c.number == number, PUBLIC))
        return found[0] if found else None

    async def events(self, ticket_ids: Sequence[int], *, kinds: Collection[str]) -> Sequence[PublicEvent]:
        if not ticket_ids:
            return []
        wanted = ticket_events.c.kind.in_(list(kinds))
        query = (
            sa.select(ticket_events.c.ticket_id, ticket_events.c.id, ticket_events.c.at, ticket_events.c.kind,
                      ticket_events.c.detail)
            .join(tickets, tickets.c.id == ticket_events.c.ticket_id)
            # The ids on both sides, so each engine looks both tables up by them, whichever it starts from.
            .where(ticket_events.c.ticket_id.in_(list(ticket_ids)), tickets.c.id.in_(list(ticket_ids)), PUBLIC, wanted)
            .order_by(ticket_events.c.at, ticket_events.c.id)
        )
        return [PublicEvent(row.ticket_id, row.id, row.at, row.kind, row.detail)
                for row in await self.session.execute(query)]

    async def _tickets(self, query: sa.Select[Any]) -> list[PublicTicket]:
        return [PublicTicket(row.id, row.number, row.product, Severity(row.severity), Status(row.status),
                             Resolution(row.resolution) if row.resolution else None, row.title, row.created_at,
                             row.resolved_at)
                for row in await self.session.execute(query)]
