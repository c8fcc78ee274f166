"""The outbox table as the use cases and the sender see it: queue, claim, record outcomes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from supportbot.db.outbox_codec import decode_mentions, decode_payload, encode_mentions, encode_payload
from supportbot.db.repositories import dialect_insert
from supportbot.db.tables import outbox
from supportbot.services.outbox import CardButtons, OutboxItem, OutboxKind

_INSERT_OUTBOX = sa.insert(outbox)

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
