"""The outbox table as the use cases and the sender see it: queue, claim, record outcomes."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from supportbot.db.outbox_codec import encode_mentions, encode_payload, item_of, stored_values
from supportbot.db.outbox_folds import OutboxFolds
from supportbot.db.repositories import dialect_insert, driver_connection, driver_value
from supportbot.db.tables import outbox
from supportbot.services.outbox import (
    FORGOTTEN_TEXT,
    CardButtons,
    Mention,
    OutboxItem,
    OutboxKind,
    OutboxPayload,
    forgets_text,
)

_INSERT_OUTBOX = sa.insert(outbox)

_UPSERT_OUTBOX: dict[str, sa.Insert] = {}


def _upsert_outbox(session: AsyncSession) -> sa.Insert:
    """INSERT into the outbox that skips rows whose dedupe key is queued already; built once per engine kind."""
    name = session.get_bind().dialect.name
    if name not in _UPSERT_OUTBOX:
        insert = dialect_insert(session)(outbox)
        _UPSERT_OUTBOX[name] = insert.on_conflict_do_nothing(index_elements=[outbox.c.dedupe_key])
    return _UPSERT_OUTBOX[name]


# add_many on SQLite hands the rows to the driver as they are stored: SQLAlchemy's parameter and type
# processing of each row costs two to three times the insert itself. The instants and the JSON are
# still turned into stored values by the columns' own types, once per distinct value.
_DRIVER_COLUMNS = ("platform", "chat_id", "thread_id", "reply_to", "kind", "text", "mentions", "payload",
                   "ticket_id", "dedupe_key", "status", "attempts", "created_at", "next_attempt_at")
_SQLITE_UPSERT = (
    f"INSERT INTO outbox ({', '.join(_DRIVER_COLUMNS)}) VALUES ({', '.join('?' * len(_DRIVER_COLUMNS))})"
    " ON CONFLICT (dedupe_key) DO NOTHING"
)


def _driver_rows(items: Sequence[OutboxItem], dialect: sa.Dialect) -> list[tuple[Any, ...]]:
    """The items as rows of _DRIVER_COLUMNS, each value as the column's type binds it on `dialect`."""
    as_instant = driver_value(outbox.c.created_at, dialect)
    # Notices of one batch share their mentions and (mostly empty) payloads: the stored JSON is worked out
    # once per typed value (the JSON itself cannot be a key).
    as_json = outbox.c.payload.type.dialect_impl(dialect).bind_processor(dialect) or (lambda value: value)
    mentions: dict[tuple[Mention, ...], Any] = {}
    payloads: dict[OutboxPayload, Any] = {}
    rows = []
    for i in items:
        mentioned = mentions.get(i.mentions)
        if mentioned is None:
            mentioned = mentions[i.mentions] = as_json(encode_mentions(i.mentions))
        payload = payloads.get(i.payload)
        if payload is None:
            payload = payloads[i.payload] = as_json(encode_payload(i.payload))
        rows.append((i.platform, i.chat_id, i.thread_id, i.reply_to, i.kind.value, i.text, mentioned, payload,
                     i.ticket_id, i.dedupe_key, i.status, i.attempts, as_instant(i.created_at),
                     as_instant(i.next_attempt_at or i.created_at)))
    return rows


# Written out, not bound: only then may SQLite (and PostgreSQL's generic plans) use the partial index
# of pending rows instead of reading the whole outbox, sent rows and all.
_PENDING: sa.ColumnClause[str] = sa.literal_column("'pending'")


def _claim_statement() -> sa.Select:
    """Due rows of a platform in queue order, the first `per_chat` of each chat; locked on PostgreSQL."""
    earlier = outbox.alias("earlier")
    now: sa.BindParameter[datetime] = sa.bindparam("now")
    # A row waiting behind an earlier one to the same chat (retrying, or leased by another
    # sender) stays put, so replicas never deliver a chat's messages out of order.
    waiting = sa.exists().where(
        earlier.c.platform == outbox.c.platform, earlier.c.chat_id == outbox.c.chat_id,
        earlier.c.status == _PENDING, earlier.c.id < outbox.c.id, earlier.c.next_attempt_at > now,
    )
    # The first rows of each chat only: one chat's backlog is never leased whole, so a chat its
    # flood limit holds costs the others nothing when its hold ends.
    place = sa.func.row_number().over(partition_by=outbox.c.chat_id, order_by=outbox.c.id)
    due = (
        sa.select(outbox.c.id, place.label("place"))
        .where(outbox.c.platform == sa.bindparam("platform"), outbox.c.status == _PENDING,
               outbox.c.next_attempt_at <= now, outbox.c.chat_id.not_in(sa.bindparam("skip", expanding=True)),
               ~waiting)
        .subquery()
    )
    # Due again on the locked row itself: PostgreSQL checks these conditions once more on a row another
    # sender leased and committed while this statement ran (the subquery's copy still shows it due), so
    # two replicas claiming at once never both take it.
    return (
        sa.select(outbox)
        .where(outbox.c.id.in_(sa.select(due.c.id).where(due.c.place <= sa.bindparam("per_chat"))),
               outbox.c.status == _PENDING, outbox.c.next_attempt_at <= now)
        .order_by(outbox.c.id).limit(sa.bindparam("limit")).with_for_update(skip_locked=True, of=outbox)
    )


# Built once: composing them costs more than running them.
_CLAIM = _claim_statement()
_LEASE = sa.update(outbox).where(outbox.c.id.in_(sa.bindparam("ids", expanding=True))).values(
    next_attempt_at=sa.bindparam("until"), attempts=outbox.c.attempts + 1,
    sending_at=sa.case((outbox.c.id.in_(sa.bindparam("sending", expanding=True)),
                        sa.bindparam("now", type_=outbox.c.sending_at.type)),
                       else_=outbox.c.sending_at),
)

_UNTIL = sa.bindparam("held_until", type_=outbox.c.next_attempt_at.type)
_WAIT_BEHIND = sa.update(outbox).where(
    outbox.c.platform == sa.bindparam("on_platform"), outbox.c.chat_id == sa.bindparam("in_chat"),
    outbox.c.status == _PENDING, outbox.c.id > sa.bindparam("after_row"), outbox.c.next_attempt_at < _UNTIL,
).values(next_attempt_at=_UNTIL)

# Picks, among rows just claimed, those whose send begins at once (marked "sending" with the lease).
Starting = Callable[[Sequence[OutboxItem]], Sequence[OutboxItem]]


class SqlOutbox(OutboxFolds):
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, item: OutboxItem) -> None:
        """Queue a message; one with a dedupe key already queued is silently not queued twice."""
        values = stored_values(item)
        if item.dedupe_key is None:
            await self.session.execute(_INSERT_OUTBOX, values)
            return
        insert = dialect_insert(self.session)(outbox).values(**values)
        await self.session.execute(insert.on_conflict_do_nothing(index_elements=[outbox.c.dedupe_key]))

    async def add_many(self, items: Sequence[OutboxItem]) -> None:
        """Queue several messages with one statement; keyed ones already queued are skipped, as by add()."""
        if not items:
            return
        dialect = self.session.get_bind().dialect
        if dialect.name == "sqlite":
            connection = await driver_connection(self.session)
            await connection.exec_driver_sql(_SQLITE_UPSERT, _driver_rows(items, dialect))
            return
        await self.session.execute(_upsert_outbox(self.session), [dict(
            platform=i.platform, chat_id=i.chat_id, thread_id=i.thread_id, reply_to=i.reply_to,
            kind=i.kind.value, text=i.text, mentions=encode_mentions(i.mentions), payload=encode_payload(i.payload),
            ticket_id=i.ticket_id,
            dedupe_key=i.dedupe_key, status=i.status, attempts=i.attempts,
            created_at=i.created_at, next_attempt_at=i.next_attempt_at or i.created_at,
        ) for i in items])

    async def claim(self, platform: str, now: datetime, lease_until: datetime, limit: int, *, per_chat: int,
                    skip_chats: Collection[int] = (), starting: Starting | None = None) -> Sequence[OutboxItem]:
        """Due rows for a platform, at most `per_chat` of one chat and none of `skip_chats`, leased until
        `lease_until` so another sender leaves them alone; the rows `starting` picks are marked as being
        sent now, in the same statement."""
        found = await self.session.execute(_CLAIM, {"platform": platform, "now": now, "per_chat": per_chat,
                                                    "limit": limit, "skip": list(skip_chats)})
        items = [item_of(row) for row in found]
        if not items:
            return items
        for item in items:
            item.attempts += 1
        sent_now = [item.id for item in starting(items)] if starting is not None else []
        await self.session.execute(_LEASE, {"ids": [item.id for item in items], "sending": sent_now,
                                            "until": lease_until, "now": now})
        return items

    async def refresh_pending_cards(self, ticket_id: int, text: str, buttons: CardButtons) -> None:
        """Cards not yet sent go out with the ticket's latest state."""
        await self.session.execute(
            sa.update(outbox).where(outbox.c.ticket_id == ticket_id, outbox.c.kind == OutboxKind.CARD.value,
                                    outbox.c.status == _PENDING)
            .values(text=text, payload=encode_payload(buttons))
        )

    async def card_pending(self, platform: str, ticket_id: int) -> bool:
        """Whether a card of the ticket on the platform is still queued or on its way (not yet linked)."""
        found = await self.session.execute(sa.select(sa.exists().where(
            outbox.c.platform == platform, outbox.c.status == _PENDING, outbox.c.ticket_id == ticket_id,
            outbox.c.kind == OutboxKind.CARD.value)))
        return bool(found.scalar())

    async def update(self, item: OutboxItem) -> None:
        """Store a row's outcome; a send under way is over once its outcome is known."""
        item.sending_at = None
        await self.session.execute(sa.update(outbox).where(outbox.c.id == item.id).values(
            status=item.status, attempts=item.attempts, next_attempt_at=item.next_attempt_at,
            last_error=item.last_error, platform_message_id=item.platform_message_id, sending_at=None,
            **({"text": FORGOTTEN_TEXT} if forgets_text(item) else {}),
        ))

    async def mark_sending(self, item_ids: Sequence[int], at: datetime) -> None:
        """Note that these rows are being sent now (cleared by update() with their outcome)."""
        await self.session.execute(sa.update(outbox).where(outbox.c.id.in_(list(item_ids))).values(sending_at=at))

    async def wait_behind(self, platform: str, chat_id: int, row_id: int, until: datetime) -> None:
        """The rows queued to the chat after `row_id` are not due before `until`: they wait behind it."""
        await self.session.execute(_WAIT_BEHIND, {"on_platform": platform, "in_chat": chat_id, "after_row": row_id,
                                                  "held_until": until})

    async def release_lost(self, item_ids: Sequence[int], leased_until: datetime, now: datetime) -> None:
        """Rows of a claim whose commit went unanswered, none of them sent: due now, untried, unless that claim
        did not commit after all (they no longer hold its lease)."""
        await self.session.execute(sa.update(outbox).where(
            outbox.c.id.in_(list(item_ids)), outbox.c.status == _PENDING, outbox.c.next_attempt_at == leased_until,
        ).values(attempts=outbox.c.attempts - 1, next_attempt_at=now, sending_at=None))

    async def put_back(self, item_ids: Sequence[int], until: datetime, reason: str) -> None:
        """Return claimed rows untried, due again at `until`: their lease is not counted as a try."""
        await self.session.execute(sa.update(outbox).where(outbox.c.id.in_(list(item_ids))).values(
            attempts=outbox.c.attempts - 1, next_attempt_at=until, last_error=reason, sending_at=None,
        ))
