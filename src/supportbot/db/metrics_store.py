"""The metrics' figures, added up by the database: a year of tickets never comes into memory.

Every column the tickets' figures read is in ix_tickets_period (the spans FIRST_RESPONSE_US and
RESOLUTION_US included), so SQLite answers from the period's index entries; the figures recorded as things
happen (responses and their waits, the first response's deadline, reopenings) are columns of the ticket.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from supportbot.db.tables import (
    EMERGENCY,
    FIRST_RESPONSE_US,
    RESOLUTION_US,
    SECURITY,
    ratings,
    ticket_events,
    tickets,
)
from supportbot.domain import metrics
from supportbot.domain.sla import EscalationKind
from supportbot.domain.ticket_states import Resolution, Status

MICROS_PER_SECOND = 1_000_000
# On SQLite the median's rows are found in one of two ways (PostgreSQL chooses by its own statistics):
# walking every answered ticket in order of wait until the middle of the period's, or sorting the
# period's. The walk costs about half the table, the sort the period times its log: walk for long periods.
WALK_WHEN_PERIOD_HOLDS = 1 / 8
# An emergency left alone: the escalations that count against its deadlines.
SILENCE = (EscalationKind.EMERGENCY_UNANSWERED.value, EscalationKind.EMERGENCY_IDLE.value)


def _literal(value: str) -> sa.ColumnElement[Any]:
    # Spelled as a literal so that the query and the partial indexes' predicates read the same.
    return sa.literal_column(f"'{value}'")


class MetricsQueries:
    """The figures of the tickets opened in a span, over the session of the tickets repository."""

    session: AsyncSession

    async def period_figures(
        self, start: datetime, *, end: datetime | None = None, now: datetime | None = None,
        product: str | None = None, security: bool = False, resolving_first_responses: Sequence[str] = (),
    ) -> metrics.PeriodFigures:
        """The figures of the tickets opened at or after start and before end (security ones only when asked),
        as domain/metrics.figures_of defines them: a ticket counts as resolved by its first response when that
        response was one of `resolving_first_responses` (or it was resolved as answered); first-response
        deadlines are judged at `now` (when None, only answered tickets are judged); ratings are those given
        from start to end."""
        scope = self._scope(start, end, product=product, security=security)
        row = await self._sums(scope, now, resolving_first_responses)
        count = int(row.answered)
        offset, middle = metrics.middle(count)
        high = metrics.percentile_offset(count)
        judged, escalated = await self._emergencies(scope)
        rated = await self._ratings(start, end, product=product, security=security)
        return metrics.PeriodFigures(
            opened=int(row.opened), interactions=int(row.interactions or 0), answered=count,
            first_response_us=_total(row, "first_response"),
            first_response_middle_us=await self._waits_at(scope, count, offset, middle),
            first_response_p90_us=None if high is None else (await self._waits_at(scope, count, high, 1))[0],
            resolved=int(row.resolved), resolved_at_first_response=int(row.at_first),
            resolution_us=_total(row, "resolution"),
            responses=int(row.responses or 0), response_wait_us=int(row.response_wait or 0),
            first_response_due=int(row.due), first_response_on_time=int(row.on_time),
            emergencies_judged=judged, emergencies_escalated=escalated,
            reopened=int(row.reopened),
            ratings=int(rated.given), rating_points=int(rated.points or 0), ratings_happy=int(rated.happy),
        )

    async def _sums(self, scope: list[sa.ColumnElement[bool]], now: datetime | None,
                    resolving_first_responses: Sequence[str]) -> sa.Row[Any]:
        """One pass over the period's index entries: the counts and sums period_figures is made of."""
        # Every column read here is in ix_tickets_period, so SQLite never reads the tickets' rows; each span
        # is computed as few times as possible for PostgreSQL, which computes it again for every mention.
        resolved = sa.and_(tickets.c.status == _literal(Status.RESOLVED.value), tickets.c.resolved_at.isnot(None))
        split = self.session.get_bind().dialect.name == "sqlite"
        # The tickets first answered by a resolving response, as the ticket records it (first_response_how).
        answered_at_first = sa.or_(tickets.c.resolution == _literal(Resolution.ANSWERED.value),
                                   tickets.c.first_response_how.in_(list(resolving_first_responses)))
        # Counted by the column on PostgreSQL, which would compute the span once more per row; SQLite's
        # index holds the span, not the column.
        answered = FIRST_RESPONSE_US if split else tickets.c.first_response_at
        on_time = tickets.c.first_response_at <= tickets.c.first_response_due_at
        due: sa.ColumnElement[bool] = tickets.c.first_response_at.isnot(None)
        if now is not None:
            due = sa.or_(due, tickets.c.first_response_due_at <= sa.bindparam("now", now, type_=tickets.c.created_at.type))
        return (await self.session.execute(sa.select(
            sa.func.count().label("opened"),
            sa.func.sum(tickets.c.interactions).label("interactions"),
            sa.func.count(answered).label("answered"),
            *_exact_sum(FIRST_RESPONSE_US, "first_response", split=split),
            sa.func.count().filter(resolved).label("resolved"),
            sa.func.count().filter(sa.and_(resolved, answered_at_first)).label("at_first"),
            *_exact_sum(RESOLUTION_US, "resolution", resolved, split=split),
            sa.func.sum(tickets.c.responses).label("responses"),
            # Summed whole: each ticket's waits are recorded summed, far from overflowing 64 bits.
            sa.func.sum(tickets.c.response_wait_us).label("response_wait"),
            sa.func.count().filter(sa.and_(tickets.c.first_response_due_at.isnot(None), due)).label("due"),
            sa.func.count().filter(on_time).label("on_time"),
            sa.func.count().filter(tickets.c.reopens > 0).label("reopened"),
        ).where(*scope))).one()

    async def count_open_at(self, at: datetime, product: str | None = None, security: bool = False) -> int:
        """How many tickets were open at `at`: opened before it and not resolved by then (a ticket reopened
        since counts by its state now)."""
        query = sa.select(sa.func.count()).select_from(tickets).where(
            tickets.c.created_at < at, sa.or_(tickets.c.resolved_at.is_(None), tickets.c.resolved_at >= at))
        if product:
            query = query.where(tickets.c.product == product)
        if not security:
            query = query.where(tickets.c.security.is_(False))
        return int((await self.session.execute(query)).scalar_one())

    def _scope(self, start: datetime, end: datetime | None, *, product: str | None,
               security: bool) -> list[sa.ColumnElement[bool]]:
        # The bounds go in as literals, so PostgreSQL plans for this very period: the generic plan it
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
        return scope

    async def _emergencies(self, scope: Sequence[sa.ColumnElement[bool]]) -> tuple[int, int]:
        """(judged, escalated) of the emergencies in scope: answered or escalated for silence, and escalated."""
        # Few: read from their own partial index, each one's history looked up by the history's ticket index.
        escalated = sa.exists().where(ticket_events.c.ticket_id == tickets.c.id,
                                      ticket_events.c.kind == _literal("escalation"),
                                      ticket_events.c.detail.in_(SILENCE))
        row = (await self.session.execute(
            sa.select(sa.func.count().filter(sa.or_(tickets.c.first_response_at.isnot(None), escalated)).label("judged"),
                      sa.func.count().filter(escalated).label("escalated"))
            .where(*scope, EMERGENCY)
        )).one()
        return int(row.judged), int(row.escalated)

    async def _ratings(self, start: datetime, end: datetime | None, *, product: str | None,
                       security: bool) -> sa.Row[Any]:
        """(given, points, happy) of the ratings given from start to end to tickets in scope."""
        query = (
            sa.select(sa.func.count().label("given"), sa.func.sum(ratings.c.score).label("points"),
                      sa.func.count().filter(ratings.c.score >= metrics.HAPPY_SCORE).label("happy"))
            .where(ratings.c.rated_at >= start)
        )
        if end is not None:
            query = query.where(ratings.c.rated_at < end)
        if product:
            query = query.join(tickets, tickets.c.id == ratings.c.ticket_id).where(tickets.c.product == product)
            if not security:
                query = query.where(tickets.c.security.is_(False))
        elif not security:
            # Security tickets are few (and seldom rated): leaving them out by their ids (ix_tickets_security)
            # costs less than reading each rated ticket; the ratings are read from ix_ratings_rated_at alone.
            query = query.where(ratings.c.ticket_id.not_in(sa.select(tickets.c.id).where(SECURITY)))
        return (await self.session.execute(query)).one()

    async def _waits_at(self, scope: Sequence[sa.ColumnElement[bool]], answered: int, offset: int,
                        count: int) -> tuple[int, ...]:
        """`count` first-response waits from `offset` in order, in microseconds, of the `answered` tickets in scope."""
        if not count:
            return ()
        order: sa.ColumnElement[int] = FIRST_RESPONSE_US
        if self.session.get_bind().dialect.name == "sqlite":
            stored = (await self.session.execute(sa.select(sa.func.max(tickets.c.id)))).scalar_one() or 0
            if answered < stored * WALK_WHEN_PERIOD_HOLDS:
                # "+ 0" keeps SQLite from ordering by the walk's index: it sorts the period's rows instead.
                order = FIRST_RESPONSE_US + 0
        # A wait past the middle is found walking down from the longest: the walk is the shorter one.
        from_top = offset > answered // 2
        query = (
            sa.select(FIRST_RESPONSE_US).where(*scope, FIRST_RESPONSE_US.isnot(None))
            .order_by(order.desc() if from_top else order)
            .offset(answered - offset - count if from_top else offset).limit(count)
        )
        waits = [int(wait) for wait in (await self.session.execute(query)).scalars()]
        return tuple(reversed(waits)) if from_top else tuple(waits)


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
