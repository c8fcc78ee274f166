"""Repositories of the on-call state: handoffs and the tickets kept through them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from supportbot.db.tables import handoff_keeps, handoffs, tickets
from supportbot.domain.oncall import Handoff
from supportbot.domain.ticket_states import Severity, Status


class SqlHandoffs:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, handoff: Handoff) -> int:
        """Store a handoff; returns its id."""
        result = await self.session.execute(sa.insert(handoffs).values(
            at=handoff.at, from_person=handoff.from_person, to_person=handoff.to_person,
            notes=handoff.notes, until=handoff.until,
        ).returning(handoffs.c.id))
        return int(result.scalar_one())

    async def active(self, now: datetime) -> Sequence[Handoff]:
        """Handoffs still overriding the rotation at or after `now`, oldest first."""
        rows = await self.session.execute(
            sa.select(handoffs).where(handoffs.c.until > now).order_by(handoffs.c.at, handoffs.c.id)
        )
        return [Handoff(r.at, r.from_person, r.to_person, r.notes, r.until, r.id) for r in rows]

    async def open_emergencies(self) -> Sequence[tuple[int, str | None]]:
        """(number, assignee) of every open emergency outside the security desk, for the handoff summary."""
        rows = await self.session.execute(
            sa.select(tickets.c.number, tickets.c.assignee).where(
                tickets.c.severity == Severity.EMERGENCY.value, tickets.c.status != Status.RESOLVED.value,
                tickets.c.security.is_(False),
            ).order_by(tickets.c.number)
        )
        return [(int(r.number), r.assignee) for r in rows]


class SqlKeeps:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, ticket_id: int, person: str, at: datetime) -> bool:
        """Mark a ticket as kept by `person`; False when it already was."""
        try:
            async with self.session.begin_nested():
                await self.session.execute(sa.insert(handoff_keeps).values(ticket_id=ticket_id, person=person, at=at))
        except IntegrityError:
            return False
        return True

    async def of(self, person: str) -> set[int]:
        """Ids of the tickets `person` keeps."""
        rows = await self.session.execute(sa.select(handoff_keeps.c.ticket_id).where(handoff_keeps.c.person == person))
        return {int(r) for r in rows.scalars()}

    async def release(self, person: str) -> None:
        """Forget what `person` kept: their handoff has used it."""
        await self.session.execute(sa.delete(handoff_keeps).where(handoff_keeps.c.person == person))
