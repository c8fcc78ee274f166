"""What the team board reads: open tickets with their clocks and the recently resolved (a ticket's page reads
the tickets and events repositories).

Open tickets are selected with tables.OPEN, so the partial indexes on open tickets serve them (by product,
assignee or severity when the board is filtered so); the resolved ones come through ix_tickets_resolved."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from supportbot.db.tables import OPEN, RESOLVED, tickets
from supportbot.domain import texts
from supportbot.domain.ticket_states import Status
from supportbot.services.web_ports import BoardCard, BoardFilter

_COLUMNS = (tickets.c.number, tickets.c.title, tickets.c.product, tickets.c.severity, tickets.c.status,
            tickets.c.assignee, tickets.c.security, tickets.c.created_at, tickets.c.next_due_at,
            tickets.c.first_response_at, tickets.c.first_response_missed_notified, tickets.c.last_escalation_at,
            tickets.c.resolved_at, tickets.c.priority, tickets.c.sub_state)


def _narrowed(query: sa.Select[tuple[object, ...]], wanted: BoardFilter) -> sa.Select[tuple[object, ...]]:
    if wanted.product is not None:
        query = query.where(tickets.c.product == wanted.product)
    if wanted.severity is not None:
        query = query.where(tickets.c.severity == wanted.severity)
    if wanted.assignee is not None:
        query = query.where(tickets.c.assignee == wanted.assignee)
    if not wanted.security:
        query = query.where(tickets.c.security.is_(False))
    return query


def _owed() -> sa.ColumnElement[bool]:
    """The first response is still owed and the desk has already told someone it is late."""
    return sa.and_(tickets.c.first_response_at.is_(None),
                   sa.or_(tickets.c.first_response_missed_notified.is_(True), tickets.c.last_escalation_at.isnot(None)))


class SqlBoardViews:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def cards(self, wanted: BoardFilter, limit: int) -> Sequence[BoardCard]:
        """Open tickets oldest first, then those resolved since `wanted.resolved_since`, newest first."""
        open_query = _narrowed(sa.select(*_COLUMNS).where(OPEN), wanted)
        if wanted.breached_at is not None:
            open_query = open_query.where(sa.or_(tickets.c.next_due_at <= wanted.breached_at, _owed()))
        rows = list(await self.session.execute(
            open_query.order_by(tickets.c.created_at, tickets.c.number).limit(limit)))
        if wanted.breached_at is None:  # a resolved ticket owes nothing any more
            resolved_query = _narrowed(sa.select(*_COLUMNS).where(
                RESOLVED, tickets.c.resolved_at >= wanted.resolved_since), wanted)
            rows += await self.session.execute(
                resolved_query.order_by(tickets.c.resolved_at.desc(), tickets.c.number.desc()).limit(limit))
        return [_card(row) for row in rows]


def _card(row: sa.Row[tuple[object, ...]]) -> BoardCard:
    owed = row.first_response_at is None and (row.first_response_missed_notified or row.last_escalation_at is not None)
    return BoardCard(
        number=row.number, title=row.title, product=row.product, severity=str(row.severity.value),
        status=str(row.status.value), assignee=row.assignee, security=row.security, created_at=row.created_at,
        next_due_at=row.next_due_at, answered=row.first_response_at is not None,
        first_response_missed=bool(owed and row.status is not Status.RESOLVED), resolved_at=row.resolved_at,
        priority=row.priority.value if row.priority else None,
        sub_state=texts.sub_state_words(row.sub_state) if row.status is Status.IN_PROGRESS else "",
    )
