"""Queueing outbox rows: a batch is stored exactly as one row at a time would be, on every engine."""

from datetime import UTC, datetime, timedelta, timezone

import sqlalchemy as sa

from support.databases import migrated  # noqa: F401  (fixture)
from supportbot.db.tables import outbox
from supportbot.services.outbox import CardButtons, DeleteMessage, DirectMessage, Mention, OutboxItem, OutboxKind

AT = datetime(2026, 12, 7, 9, 0, 0, 0, tzinfo=UTC)
PARIS_WINTER = timezone(timedelta(hours=1))


def _batch(tag: str) -> list[OutboxItem]:
    """Rows unlike each other in every column the batch path turns into stored values."""
    return [
        OutboxItem("telegram", -100500, OutboxKind.MESSAGE, f"{tag} notice", ticket_id=None, thread_id=7, reply_to=9,
                   mentions=(Mention("Alice"), Mention("team", team=True)), created_at=AT),
        OutboxItem("discord", 3001, OutboxKind.CARD, f"{tag} card", payload=CardButtons(12, ("take", "resolve")),
                   created_at=AT.astimezone(PARIS_WINTER), next_attempt_at=AT + timedelta(seconds=5, microseconds=7),
                   dedupe_key=f"{tag}-card"),
        OutboxItem("telegram", 1, OutboxKind.MESSAGE, f"{tag} direct", payload=DirectMessage(42, "see the group"),
                   created_at=AT + timedelta(microseconds=250), mentions=(Mention("Bob"),)),
        OutboxItem("telegram", 1, OutboxKind.DELETE, "", payload=DeleteMessage(77), created_at=AT,
                   attempts=2, status="pending"),
    ]


def _comparable(row: sa.Row) -> tuple:
    return tuple(value for key, value in row._mapping.items() if key not in ("id", "text", "dedupe_key"))


async def test_a_batch_is_stored_as_rows_queued_one_by_one_are(migrated) -> None:
    db = migrated
    async with db() as uow:
        for item in _batch("single"):
            await uow.outbox.add(item)
        await uow.outbox.add_many(_batch("batch"))
        await uow.commit()
    async with db() as uow:
        rows = (await uow.session.execute(sa.select(outbox).order_by(outbox.c.id))).all()
        stored = (await uow.session.execute(sa.select(sa.cast(outbox.c.created_at, sa.String),
                                                      sa.cast(outbox.c.next_attempt_at, sa.String))
                                            .order_by(outbox.c.id))).all()
    single, batch = rows[:4], rows[4:]
    assert [r.text for r in batch] == ["batch notice", "batch card", "batch direct", ""]
    assert [_comparable(r) for r in batch] == [_comparable(r) for r in single]
    assert stored[4:] == stored[:4]  # the very text SQLite compares instants by, not only equal instants
    assert batch[1].next_attempt_at == AT + timedelta(seconds=5, microseconds=7)
    assert batch[0].next_attempt_at == batch[0].created_at == AT


async def test_a_batch_skips_the_keyed_rows_already_queued(migrated) -> None:
    db = migrated
    async with db() as uow:
        await uow.outbox.add_many(_batch("first"))
        await uow.commit()
    again = _batch("second")
    again[1].dedupe_key = "first-card"
    async with db() as uow:
        await uow.outbox.add_many(again)
        await uow.commit()
    async with db() as uow:
        texts = (await uow.session.execute(sa.select(outbox.c.text).order_by(outbox.c.id))).scalars().all()
    assert texts == ["first notice", "first card", "first direct", "", "second notice", "second direct", ""]


async def test_queued_rows_are_claimed_with_their_mentions_and_payloads(migrated) -> None:
    db = migrated
    async with db() as uow:
        await uow.outbox.add_many(_batch("batch"))
        await uow.commit()
    async with db() as uow:
        claimed = [*await uow.outbox.claim("telegram", AT + timedelta(minutes=1), AT + timedelta(minutes=2), 10,
                                           per_chat=10),
                   *await uow.outbox.claim("discord", AT + timedelta(minutes=1), AT + timedelta(minutes=2), 10,
                                           per_chat=10)]
    assert {(i.text, i.mentions, i.payload) for i in claimed} == {(item.text, item.mentions, item.payload)
                                                                  for item in _batch("batch")}
