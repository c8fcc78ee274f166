"""Repositories over one SQLAlchemy session: the storage ports of the use cases."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from supportbot.db.outbox_codec import decode_mentions, decode_payload, encode_mentions, encode_payload
from supportbot.db.tables import counters, outbox, platform_messages, ticket_events, tickets
from supportbot.domain.ticket_states import Status
from supportbot.domain.tickets import Ticket
from supportbot.services.outbox import CardButtons, MessageLink, OutboxItem, OutboxKind
from supportbot.services.ports import DuplicateMessage, TicketEvent

if TYPE_CHECKING:
    from sqlalchemy.dialects import postgresql, sqlite

TICKET_COUNTER = "ticket_number"

# Built once: constructing a statement per call costs more than running it on SQLite.
_BUMP_COUNTER = (
    sa.update(counters).where(counters.c.name == sa.bindparam("counter"))
    .values(value=counters.c.value + 1).returning(counters.c.value)
)
_INSERT_EVENT = sa.insert(ticket_events)
_INSERT_LINK = sa.insert(platform_messages)
_INSERT_OUTBOX = sa.insert(outbox)
_TICKET_FOR = sa.select(platform_messages.c.ticket_id).where(
    platform_messages.c.platform == sa.bindparam("platform"),
    platform_messages.c.chat_id == sa.bindparam("chat_id"),
    platform_messages.c.message_id == sa.bindparam("message_id"),
)


class SqlTickets:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def next_number(self) -> int:
        """The next public ticket number; the counter row lock makes numbers gapless under concurrency."""
        value = (await self.session.execute(_BUMP_COUNTER, {"counter": TICKET_COUNTER})).scalar_one_or_none()
        if value is None:
            raise RuntimeError("the ticket counter is missing: run `supportbot db upgrade`")
        return int(value)

    async def add(self, ticket: Ticket) -> None:
        self.session.add(ticket)
        await self.session.flush()

    async def get(self, ticket_id: int) -> Ticket | None:
        return await self.session.get(Ticket, ticket_id)

    async def by_number(self, number: int) -> Ticket | None:
        result = await self.session.execute(sa.select(Ticket).where(tickets.c.number == number))
        return result.scalar_one_or_none()

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

    async def claim_due(self, now: datetime, limit: int) -> Sequence[Ticket]:
        """Open tickets whose next deadline has passed, locked so a second sweeper skips them."""
        query = (
            sa.select(Ticket)
            .where(tickets.c.next_due_at.isnot(None), tickets.c.next_due_at <= now)
            .order_by(tickets.c.next_due_at).limit(limit)
            .with_for_update(skip_locked=True)
        )
        return (await self.session.execute(query)).scalars().all()


class SqlEvents:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, event: TicketEvent) -> None:
        await self.session.execute(_INSERT_EVENT, dict(
            ticket_id=event.ticket_id, at=event.at, actor=event.actor, kind=event.kind, detail=event.detail,
        ))

    async def add_many(self, events: Sequence[TicketEvent]) -> None:
        """Store several history lines with one statement (the sweep writes a batch at a time)."""
        if events:
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


def dialect_insert(session: AsyncSession) -> Callable[[sa.Table], postgresql.Insert | sqlite.Insert]:
    """INSERT with ON CONFLICT support for the engine in use (both speak it)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert
        return postgresql_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert
    return sqlite_insert


_UPSERT_OUTBOX: dict[str, sa.Insert] = {}


def _upsert_outbox(session: AsyncSession) -> sa.Insert:
    """INSERT into the outbox that skips rows whose dedupe key is queued already; built once per engine kind."""
    name = session.get_bind().dialect.name
    if name not in _UPSERT_OUTBOX:
        insert = dialect_insert(session)(outbox)
        _UPSERT_OUTBOX[name] = insert.on_conflict_do_nothing(index_elements=[outbox.c.dedupe_key])
    return _UPSERT_OUTBOX[name]


def _item(row: sa.Row) -> OutboxItem:
    return OutboxItem(
        platform=row.platform, chat_id=row.chat_id, kind=OutboxKind(row.kind), text=row.text,
        ticket_id=row.ticket_id, thread_id=row.thread_id, reply_to=row.reply_to, mentions=decode_mentions(row.mentions),
        payload=decode_payload(row.payload),
        dedupe_key=row.dedupe_key, created_at=row.created_at, id=row.id, attempts=row.attempts,
        status=row.status, next_attempt_at=row.next_attempt_at, last_error=row.last_error,
        platform_message_id=row.platform_message_id, sending_at=row.sending_at,
    )


class SqlOutbox:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, item: OutboxItem) -> None:
        """Queue a message; one with a dedupe key already queued is silently not queued twice."""
        values = dict(
            platform=item.platform, chat_id=item.chat_id, thread_id=item.thread_id, reply_to=item.reply_to,
            kind=item.kind.value, text=item.text, mentions=encode_mentions(item.mentions),
            payload=encode_payload(item.payload), ticket_id=item.ticket_id,
            dedupe_key=item.dedupe_key, status=item.status, attempts=item.attempts,
            created_at=item.created_at, next_attempt_at=item.next_attempt_at or item.created_at,
        )
        if item.dedupe_key is None:
            await self.session.execute(_INSERT_OUTBOX, values)
            return
        insert = dialect_insert(self.session)(outbox).values(**values)
        await self.session.execute(insert.on_conflict_do_nothing(index_elements=[outbox.c.dedupe_key]))

    async def add_many(self, items: Sequence[OutboxItem]) -> None:
        """Queue several messages with one statement; keyed ones already queued are skipped, as by add()."""
        if not items:
            return
        await self.session.execute(_upsert_outbox(self.session), [dict(
            platform=i.platform, chat_id=i.chat_id, thread_id=i.thread_id, reply_to=i.reply_to,
            kind=i.kind.value, text=i.text, mentions=encode_mentions(i.mentions), payload=encode_payload(i.payload),
            ticket_id=i.ticket_id,
            dedupe_key=i.dedupe_key, status=i.status, attempts=i.attempts,
            created_at=i.created_at, next_attempt_at=i.next_attempt_at or i.created_at,
        ) for i in items])

    async def claim(self, platform: str, now: datetime, lease_until: datetime, limit: int) -> Sequence[OutboxItem]:
        """Due rows for a platform, leased until `lease_until` so another sender leaves them alone."""
        earlier = outbox.alias("earlier")
        # A row waiting behind an earlier one to the same chat (retrying, or leased by another
        # sender) stays put, so replicas never deliver a chat's messages out of order.
        waiting = sa.exists().where(
            earlier.c.platform == outbox.c.platform, earlier.c.chat_id == outbox.c.chat_id,
            earlier.c.status == "pending", earlier.c.id < outbox.c.id, earlier.c.next_attempt_at > now,
        )
        query = (
            sa.select(outbox)
            .where(outbox.c.platform == platform, outbox.c.status == "pending", outbox.c.next_attempt_at <= now,
                   ~waiting)
            .order_by(outbox.c.id).limit(limit).with_for_update(skip_locked=True, of=outbox)
        )
        items = [_item(row) for row in await self.session.execute(query)]
        if items:
            await self.session.execute(
                sa.update(outbox).where(outbox.c.id.in_([i.id for i in items]))
                .values(next_attempt_at=lease_until, attempts=outbox.c.attempts + 1)
            )
        for item in items:
            item.attempts += 1
        return items

    async def refresh_pending_cards(self, ticket_id: int, text: str, buttons: CardButtons) -> None:
        """Cards not yet sent go out with the ticket's latest state."""
        await self.session.execute(
            sa.update(outbox).where(outbox.c.ticket_id == ticket_id, outbox.c.kind == OutboxKind.CARD.value,
                                    outbox.c.status == "pending")
            .values(text=text, payload=encode_payload(buttons))
        )

    async def update(self, item: OutboxItem) -> None:
        """Store a row's outcome; a send under way is over once its outcome is known."""
        item.sending_at = None
        await self.session.execute(sa.update(outbox).where(outbox.c.id == item.id).values(
            status=item.status, attempts=item.attempts, next_attempt_at=item.next_attempt_at,
            last_error=item.last_error, platform_message_id=item.platform_message_id, sending_at=None,
        ))

    async def mark_sending(self, item_ids: Sequence[int], at: datetime) -> None:
        """Note that these rows are being sent now (cleared by update() with their outcome)."""
        await self.session.execute(sa.update(outbox).where(outbox.c.id.in_(list(item_ids))).values(sending_at=at))
