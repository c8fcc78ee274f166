"""Repositories over one SQLAlchemy session: the storage ports of the use cases."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import make_transient_to_detached

from supportbot.db.tables import counters, platform_messages, ticket_events, tickets
from supportbot.db.ticket_queries import TicketQueries
from supportbot.domain.tickets import Ticket
from supportbot.services.outbox import MessageLink
from supportbot.services.ports import DuplicateMessage, TicketEvent

if TYPE_CHECKING:
    from sqlalchemy.dialects import postgresql, sqlite

TICKET_COUNTER = "ticket_number"

# Built once: constructing a statement per call costs more than running it on SQLite.
_BUMP_COUNTER = (
    sa.update(counters).where(counters.c.name == sa.bindparam("counter"))
    .values(value=counters.c.value + 1).returning(counters.c.value)
)
_TICKET_COLUMNS = tuple(column.key for column in tickets.columns if column.key != "id")
_INSERT_TICKET = sa.insert(tickets).returning(tickets.c.id)
_ALL_TICKET_COLUMNS = tuple(column.key for column in tickets.columns)
_CLAIM_DUE = (
    sa.select(tickets)
    .where(tickets.c.next_due_at.isnot(None), tickets.c.next_due_at <= sa.bindparam("now"))
    .order_by(tickets.c.next_due_at).limit(sa.bindparam("limit", type_=sa.Integer))
    .with_for_update(skip_locked=True)
)
_SAVE_CLOCKS = sa.update(tickets).where(tickets.c.id == sa.bindparam("b_id")).values(
    next_due_at=sa.bindparam("b_next_due_at"), escalation_level=sa.bindparam("b_escalation_level"),
    last_escalation_at=sa.bindparam("b_last_escalation_at"),
    first_response_missed_notified=sa.bindparam("b_notified"),
)
_INSERT_EVENT = sa.insert(ticket_events)
# The sweep's batches on SQLite go to the driver as stored (driver_value): SQLAlchemy's processing of
# each row's parameters costs more than the statement.
_SQLITE_SAVE_CLOCKS = ("UPDATE tickets SET next_due_at = ?, escalation_level = ?, last_escalation_at = ?,"
                       " first_response_missed_notified = ? WHERE id = ?")
_SQLITE_INSERT_EVENTS = "INSERT INTO ticket_events (ticket_id, at, actor, kind, detail) VALUES (?, ?, ?, ?, ?)"
_INSERT_LINK = sa.insert(platform_messages)
_TICKET_FOR = sa.select(platform_messages.c.ticket_id).where(
    platform_messages.c.platform == sa.bindparam("platform"),
    platform_messages.c.chat_id == sa.bindparam("chat_id"),
    platform_messages.c.message_id == sa.bindparam("message_id"),
)


class SqlTickets(TicketQueries):
    """Tickets: numbering, storing, claiming the due ones; the read-only lists and counts are in TicketQueries."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def next_number(self) -> int:
        """The next public ticket number; the counter row lock makes numbers gapless under concurrency."""
        value = (await self.session.execute(_BUMP_COUNTER, {"counter": TICKET_COUNTER})).scalar_one_or_none()
        if value is None:
            raise RuntimeError("the ticket counter is missing: run `supportbot db upgrade`")
        return int(value)

    async def add(self, ticket: Ticket) -> None:
        """Store a new ticket and give it its id; later changes to it in the transaction are stored at commit."""
        # One INSERT ... RETURNING instead of an ORM flush (about a quarter of intake's CPU); the ticket
        # then joins the session as if loaded, so the unit of work tracks it like any other.
        values = {name: getattr(ticket, name) for name in _TICKET_COLUMNS}
        ticket.id = (await self.session.execute(_INSERT_TICKET, values)).scalar_one()
        make_transient_to_detached(ticket)
        self.session.add(ticket)

    async def get(self, ticket_id: int) -> Ticket | None:
        return await self.session.get(Ticket, ticket_id)

    async def by_number(self, number: int) -> Ticket | None:
        result = await self.session.execute(sa.select(Ticket).where(tickets.c.number == number))
        return result.scalar_one_or_none()

    async def claim_due(self, now: datetime, limit: int) -> Sequence[Ticket]:
        """Open tickets whose next deadline has passed, locked so a second sweeper skips them.

        They are the sweep's own copies, outside the session: save_clocks() stores what it changed."""
        rows = await self.session.execute(_CLAIM_DUE, {"now": now, "limit": limit})
        # Made the way the ORM makes loaded objects, without its identity map and change tracking:
        # with the one UPDATE of save_clocks, less than half of what loading and flushing them cost.
        make = sa.inspect(Ticket).class_manager.new_instance
        claimed = []
        for row in rows:
            ticket = make()
            ticket.__dict__.update(zip(_ALL_TICKET_COLUMNS, row, strict=True))
            claimed.append(ticket)
        return claimed

    async def save_clocks(self, claimed: Sequence[Ticket]) -> None:
        """Store what the sweep changes on tickets from claim_due: the next due instant and the escalation marks."""
        dialect = self.session.get_bind().dialect
        if claimed and dialect.name == "sqlite":
            instant = driver_value(tickets.c.next_due_at, dialect)
            flag = driver_value(tickets.c.first_response_missed_notified, dialect)
            connection = await driver_connection(self.session)
            await connection.exec_driver_sql(_SQLITE_SAVE_CLOCKS, [(
                instant(t.next_due_at), t.escalation_level, instant(t.last_escalation_at),
                flag(t.first_response_missed_notified), t.id,
            ) for t in claimed])
        elif claimed:
            await self.session.execute(_SAVE_CLOCKS, [dict(
                b_id=t.id, b_next_due_at=t.next_due_at, b_escalation_level=t.escalation_level,
                b_last_escalation_at=t.last_escalation_at, b_notified=t.first_response_missed_notified,
            ) for t in claimed])


class SqlEvents:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, event: TicketEvent) -> None:
        await self.session.execute(_INSERT_EVENT, dict(
            ticket_id=event.ticket_id, at=event.at, actor=event.actor, kind=event.kind, detail=event.detail,
        ))

    async def add_many(self, events: Sequence[TicketEvent]) -> None:
        """Store several history lines with one statement (the sweep writes a batch at a time)."""
        dialect = self.session.get_bind().dialect
        if events and dialect.name == "sqlite":
            instant = driver_value(ticket_events.c.at, dialect)
            connection = await driver_connection(self.session)
            await connection.exec_driver_sql(_SQLITE_INSERT_EVENTS, [
                (e.ticket_id, instant(e.at), e.actor, e.kind, e.detail) for e in events])
        elif events:
            await self.session.execute(_INSERT_EVENT, [dict(
                ticket_id=e.ticket_id, at=e.at, actor=e.actor, kind=e.kind, detail=e.detail,
            ) for e in events])

    async def tickets_with(self, kind: str, details: Sequence[str], ticket_ids: Sequence[int]) -> set[int]:
        """Which of these tickets have an event of this kind with one of these details."""
        if not ticket_ids:
            return set()
        query = sa.select(ticket_events.c.ticket_id).where(
            ticket_events.c.kind == kind, ticket_events.c.detail.in_(list(details)),
            ticket_events.c.ticket_id.in_(list(ticket_ids)),
        )
        return {row[0] for row in await self.session.execute(query)}

    async def for_ticket(self, ticket_id: int) -> Sequence[TicketEvent]:
        rows = await self.session.execute(
            sa.select(ticket_events).where(ticket_events.c.ticket_id == ticket_id).order_by(ticket_events.c.id)
        )
        return [TicketEvent(r.ticket_id, r.at, r.actor, r.kind, r.detail, r.id) for r in rows]


class SqlMessages:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, link: MessageLink) -> None:
        """Remember a platform message; raises DuplicateMessage when it is already known.

        No savepoint: a duplicate means the whole event was handled before, so the caller
        rolls the whole transaction back (PostgreSQL would refuse to go on anyway).
        """
        try:
            await self.session.execute(_INSERT_LINK, dict(
                platform=link.platform, chat_id=link.chat_id, message_id=link.message_id,
                thread_id=link.thread_id, ticket_id=link.ticket_id, role=link.role,
            ))
        except IntegrityError:
            raise DuplicateMessage(f"{link.platform}:{link.chat_id}:{link.message_id}") from None

    async def ticket_for(self, platform: str, chat_id: int, message_id: int) -> int | None:
        params = {"platform": platform, "chat_id": chat_id, "message_id": message_id}
        return (await self.session.execute(_TICKET_FOR, params)).scalar_one_or_none()

    async def ticket_for_thread(self, platform: str, chat_id: int, thread_id: int) -> int | None:
        query = sa.select(platform_messages.c.ticket_id).where(
            platform_messages.c.platform == platform, platform_messages.c.chat_id == chat_id,
            platform_messages.c.thread_id == thread_id,
        ).limit(1)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def cards(self, ticket_id: int) -> Sequence[MessageLink]:
        rows = await self.session.execute(sa.select(platform_messages).where(
            platform_messages.c.ticket_id == ticket_id, platform_messages.c.role == "card",
        ).order_by(platform_messages.c.id))
        return [MessageLink(r.platform, r.chat_id, r.message_id, r.ticket_id, r.role, r.thread_id) for r in rows]


async def driver_connection(session: AsyncSession) -> AsyncConnection:
    """The session's connection for statements sent as the driver takes them, once the objects the session
    holds are flushed, as session.execute() would flush them first."""
    await session.flush()
    return await session.connection()


def driver_value(column: sa.Column[Any], dialect: sa.Dialect) -> Callable[[Any], Any]:
    """A function giving a value as `dialect`'s driver stores it in `column`: what SQLAlchemy's own
    parameter processing would give, worked out once per distinct value (a batch shares its instants)."""
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    if process is None:
        return lambda value: value
    known: dict[Any, Any] = {None: None}

    def stored(value: Any) -> Any:
        found = known.get(value, _UNKNOWN)
        if found is _UNKNOWN:
            found = known[value] = process(value)
        return found

    return stored


_UNKNOWN = object()


def dialect_insert(session: AsyncSession) -> Callable[[sa.Table], postgresql.Insert | sqlite.Insert]:
    """INSERT with ON CONFLICT support for the engine in use (both speak it)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert
        return postgresql_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert
    return sqlite_insert
