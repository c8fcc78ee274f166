"""What the bot shows of stored tickets: lists, counts and the figures of /stats, read without changing them.

Each query is served by an index of db/tables.py (tests/integration/test_query_plans.py reads the plans on
SQLite and PostgreSQL): open tickets are selected with tables.OPEN, the predicate of the partial indexes on
open tickets, and /stats adds up tables.FIRST_RESPONSE_US and RESOLUTION_US, expressions its indexes hold.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from supportbot.db.tables import FIRST_RESPONSE_US, OPEN, RESOLUTION_US, tickets
from supportbot.domain import metrics
from supportbot.domain.ticket_states import Resolution, Status
from supportbot.domain.tickets import Ticket

MICROS_PER_SECOND = 1_000_000
# On SQLite the median's rows are found in one of two ways (PostgreSQL chooses by its own statistics):
# walking every answered ticket in order of wait until the middle of the period's, or sorting the
# period's. The walk costs about half the table, the sort the period times its log: walk for long periods.
WALK_WHEN_PERIOD_HOLDS = 1 / 8


class TicketQueries:
    """The read side of the tickets repository, over the session of its unit of work."""

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

    async def count_open(self, product: str | None = None, security: bool = False) -> int:
        """How many tickets are open now (security ones only when asked)."""
        query = sa.select(sa.func.count()).select_from(tickets).where(OPEN)
        if product:
            query = query.where(tickets.c.product == product)
        if not security:
            query = query.where(tickets.c.security.is_(False))
        return int((await self.session.execute(query)).scalar_one())

    async def period_figures(
        self, start: datetime, *, end: datetime | None = None, product: str | None = None, security: bool = False,
        resolving_first_responses: Sequence[str] = (),
    ) -> metrics.PeriodFigures:
        """The figures of the tickets opened at or after start and before end (security ones only when asked), added up
        by the database; a ticket counts as resolved by its first response when that response was one of
        `resolving_first_responses` (or it was resolved as answered)."""
        # The start goes in as a literal, so PostgreSQL plans for this very period: the generic plan it
        # settles on after a few runs of a prepared statement would scan a whole year for a day's figures.
        since = sa.bindparam("start", start, type_=tickets.c.created_at.type, literal_execute=True)
        scope = [tickets.c.created_at >= since]
        if end is not None:
            scope.append(tickets.c.created_at < sa.bindparam("end", end, type_=tickets.c.created_at.type,
                                                             literal_execute=True))
        if product:
            scope.append(tickets.c.product == product)
        if not security:
            scope.append(tickets.c.security.is_(False))
        # Every column read here is in ix_tickets_period, so SQLite never reads the tickets' rows; each span
        # is computed as few times as possible for PostgreSQL, which computes it again for every mention.
        resolved = sa.and_(tickets.c.status == sa.literal_column(f"'{Status.RESOLVED.value}'"),
                           tickets.c.resolved_at.isnot(None))
        split = self.session.get_bind().dialect.name == "sqlite"
        # The tickets first answered by a resolving response, as the ticket records it (first_response_how).
        answered_at_first = sa.or_(tickets.c.resolution == sa.literal_column(f"'{Resolution.ANSWERED.value}'"),
                                   tickets.c.first_response_how.in_(list(resolving_first_responses)))
        # Counted by the column on PostgreSQL, which would compute the span once more per row; SQLite's
        # index holds the span, not the column.
        answered = FIRST_RESPONSE_US if split else tickets.c.first_response_at
        row = (await self.session.execute(sa.select(
            sa.func.count().label("opened"),
            sa.func.sum(tickets.c.interactions).label("interactions"),
            sa.func.count(answered).label("answered"),
            *_exact_sum(FIRST_RESPONSE_US, "first_response", split=split),
            sa.func.count().filter(resolved).label("resolved"),
            sa.func.count().filter(sa.and_(resolved, answered_at_first)).label("at_first"),
            *_exact_sum(RESOLUTION_US, "resolution", resolved, split=split),
        ).where(*scope))).one()
        return metrics.PeriodFigures(
            opened=int(row.opened), interactions=int(row.interactions or 0), answered=int(row.answered),
            first_response_us=_total(row, "first_response"),
            first_response_middle_us=await self._middle_waits(scope, int(row.answered)),
            resolved=int(row.resolved), resolved_at_first_response=int(row.at_first),
            resolution_us=_total(row, "resolution"),
        )

    async def _middle_waits(self, scope: Sequence[sa.ColumnElement[bool]], answered: int) -> tuple[int, ...]:
        """The middle one or two first-response waits, in microseconds, of the `answered` tickets in scope."""
        offset, count = metrics.middle(answered)
        if not count:
            return ()
        order: sa.ColumnElement[int] = FIRST_RESPONSE_US
        if self.session.get_bind().dialect.name == "sqlite":
            stored = (await self.session.execute(sa.select(sa.func.max(tickets.c.id)))).scalar_one() or 0
            if answered < stored * WALK_WHEN_PERIOD_HOLDS:
                # "+ 0" keeps SQLite from ordering by the walk's index: it sorts the period's rows instead.
                order = FIRST_RESPONSE_US + 0
        query = (
            sa.select(FIRST_RESPONSE_US).where(*scope, FIRST_RESPONSE_US.isnot(None))
            .order_by(order).offset(offset).limit(count)
        )
        return tuple(int(wait) for wait in (await self.session.execute(query)).scalars())


def _exact_sum(
    span: sa.ColumnElement[int], name: str, where: sa.ColumnElement[bool] | None = None, *, split: bool,
) -> tuple[sa.ColumnElement[Any], sa.ColumnElement[Any]]:
    """The exact sum of a span in microseconds, as `{name}_s` whole seconds and `{name}_us` microseconds.

    PostgreSQL sums BIGINTs into an exact NUMERIC. SQLite's sum would overflow its 64-bit integers past
    some 290,000 years summed, so there (`split`) seconds and the microseconds left over are summed apart:
    both engines truncate integer division and give the remainder the dividend's sign, so the two parts
    add up to the span whatever its sign."""
    def total(part: sa.ColumnElement[int]) -> sa.ColumnElement[Any]:
        summed = sa.func.sum(part)
        return summed if where is None else summed.filter(where)

    if split:
        return total(span // MICROS_PER_SECOND).label(f"{name}_s"), total(span % MICROS_PER_SECOND).label(f"{name}_us")
    return sa.null().label(f"{name}_s"), total(span).label(f"{name}_us")


def _total(row: sa.Row[Any], name: str) -> int:
    return int(getattr(row, f"{name}_s") or 0) * MICROS_PER_SECOND + int(getattr(row, f"{name}_us") or 0)
