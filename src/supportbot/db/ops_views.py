"""What /healthz, /metrics and the metrics page's charts read: one aggregate query each, nothing loaded row by row."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal

from supportbot.db.tables import FIRST_RESPONSE_US, OPEN, outbox, ticket_events, tickets
from supportbot.domain.ticket_states import Status
from supportbot.services.web_ports import OutboxBacklog, Tally

_PENDING: sa.ColumnClause[str] = sa.literal_column("'pending'")


class UtcDay(sa.ColumnElement[str]):
    """The UTC day of an instant as 'YYYY-MM-DD', as each engine spells it."""

    type = sa.String()
    inherit_cache = True
    _traverse_internals = [("instant", InternalTraversal.dp_clauseelement)]

    def __init__(self, instant: sa.ColumnElement[datetime]) -> None:
        self.instant = instant


@compiles(UtcDay, "sqlite")
def _sqlite_day(element: UtcDay, compiler: SQLCompiler, **kw: object) -> str:
    return f"substr({compiler.process(element.instant, **kw)}, 1, 10)"  # stored as 'YYYY-MM-DD HH:MM:SS...' UTC


@compiles(UtcDay, "postgresql")
def _postgresql_day(element: UtcDay, compiler: SQLCompiler, **kw: object) -> str:
    return f"to_char({compiler.process(element.instant, **kw)} AT TIME ZONE 'UTC', 'YYYY-MM-DD')"


def product_scope(product: str | None, security: bool) -> list[sa.ColumnElement[bool]]:
    """The tickets of a product (all when None), security ones only when asked."""
    scope: list[sa.ColumnElement[bool]] = []
    if product:
        scope.append(tickets.c.product == product)
    if not security:
        scope.append(tickets.c.security.is_(False))
    return scope


class SqlOpsViews:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def outbox_backlog(self) -> OutboxBacklog:
        """How many messages wait to go out, and the creation of the oldest."""
        row = (await self.session.execute(
            sa.select(sa.func.count(), sa.func.min(outbox.c.created_at)).where(outbox.c.status == _PENDING))).one()
        return OutboxBacklog(int(row[0]), row[1])

    async def outbox_states(self) -> Sequence[Tally]:
        """Messages per platform and state; a pending one that already failed a try counts as failed."""
        state = sa.case((sa.and_(outbox.c.status == _PENDING, outbox.c.attempts > 0), "failed"),
                        else_=outbox.c.status)
        rows = await self.session.execute(
            sa.select(outbox.c.platform, state, sa.func.count()).group_by(outbox.c.platform, state))
        return [Tally((str(platform), str(kind)), int(count)) for platform, kind, count in rows]

    async def outbox_chats(self, over: int) -> Sequence[Tally]:
        """Messages waiting per chat, for the chats with more than `over`, most first."""
        count = sa.func.count()
        rows = await self.session.execute(
            sa.select(outbox.c.platform, outbox.c.chat_id, count).where(outbox.c.status == _PENDING)
            .group_by(outbox.c.platform, outbox.c.chat_id).having(count > over).order_by(count.desc()))
        return [Tally((str(platform), str(chat)), int(pending)) for platform, chat, pending in rows]

    async def ticket_counts(self) -> Sequence[Tally]:
        """Tickets per product, status and severity."""
        rows = await self.session.execute(
            sa.select(tickets.c.product, tickets.c.status, tickets.c.severity, sa.func.count())
            .group_by(tickets.c.product, tickets.c.status, tickets.c.severity))
        return [Tally((product or "", status.value, severity.value), int(count))
                for product, status, severity, count in rows]

    async def breached(self, now: datetime) -> Sequence[Tally]:
        """Open tickets whose promise is broken now: a deadline passed, or a first response owed and already
        reported late; per product and severity."""
        owed = sa.and_(tickets.c.first_response_at.is_(None),
                       sa.or_(tickets.c.first_response_missed_notified.is_(True),
                              tickets.c.last_escalation_at.isnot(None)))
        rows = await self.session.execute(
            sa.select(tickets.c.product, tickets.c.severity, sa.func.count())
            .where(OPEN, sa.or_(tickets.c.next_due_at <= now, owed))
            .group_by(tickets.c.product, tickets.c.severity))
        return [Tally((product or "", severity.value), int(count)) for product, severity, count in rows]

    async def event_count(self, kind: str) -> int:
        """How many history lines of this kind there are (escalations: every notice the sweep wrote)."""
        query = sa.select(sa.func.count()).select_from(ticket_events).where(ticket_events.c.kind == kind)
        return int((await self.session.execute(query)).scalar_one())

    async def opened_per_day(self, start: datetime, *, product: str | None, security: bool) -> dict[str, int]:
        """Tickets opened per UTC day since `start`."""
        return await self._per_day(tickets.c.created_at, [*product_scope(product, security), tickets.c.created_at >= start])

    async def resolved_per_day(self, start: datetime, *, product: str | None, security: bool) -> dict[str, int]:
        """Tickets resolved (and not reopened since) per UTC day since `start`, whenever they were opened."""
        scope = [*product_scope(product, security), tickets.c.resolved_at >= start,
                 tickets.c.status == Status.RESOLVED.value]
        return await self._per_day(tickets.c.resolved_at, scope)

    async def events_per_day(self, kind: str, start: datetime, *, product: str | None,
                             security: bool) -> dict[str, int]:
        """History lines of `kind` per UTC day since `start`, on the tickets of `product`."""
        day = UtcDay(ticket_events.c.at)
        scope = [*product_scope(product, security), ticket_events.c.kind == kind, ticket_events.c.at >= start]
        rows = await self.session.execute(
            sa.select(day, sa.func.count()).select_from(ticket_events.join(tickets))
            .where(*scope).group_by(day))
        return {str(d): int(n) for d, n in rows}

    async def first_response_spread(self, start: datetime, bounds_us: Sequence[int], *, product: str | None,
                                    security: bool) -> list[int]:
        """First-response waits of the tickets opened since `start`, counted per bucket of `bounds_us`."""
        bucket = sa.case(*((FIRST_RESPONSE_US <= bound, index) for index, bound in enumerate(bounds_us)),
                         else_=len(bounds_us))
        rows = await self.session.execute(
            sa.select(bucket, sa.func.count())
            .where(*product_scope(product, security), tickets.c.created_at >= start, FIRST_RESPONSE_US.isnot(None))
            .group_by(bucket))
        counts = [0] * (len(bounds_us) + 1)
        for index, count in rows:
            counts[int(index)] = int(count)
        return counts

    async def _per_day(self, instant: sa.ColumnElement[datetime], scope: list[sa.ColumnElement[bool]]) -> dict[str, int]:
        day = UtcDay(instant)
        rows = await self.session.execute(sa.select(day, sa.func.count()).where(*scope).group_by(day))
        return {str(d): int(n) for d, n in rows}
