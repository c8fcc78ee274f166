"""Claiming outbox rows: a chat's messages never overtake each other, even across senders."""

from datetime import timedelta

from support.databases import migrated  # noqa: F401  (fixture)
from supportbot.services.outbox import OutboxItem, OutboxKind


async def _queue(db, clock, chat_id: int, text: str) -> None:
    async with db() as uow:
        await uow.outbox.add(OutboxItem("telegram", chat_id, OutboxKind.MESSAGE, text, created_at=clock.now()))
        await uow.commit()


async def test_a_message_behind_a_retrying_one_to_the_same_chat_is_not_claimed(migrated, clock):
    db = migrated
    await _queue(db, clock, 1, "first to chat 1")
    await _queue(db, clock, 1, "second to chat 1")
    await _queue(db, clock, 2, "first to chat 2")
    async with db() as uow:  # one sender claims only the first row, as if its batch were that small
        first = await uow.outbox.claim("telegram", clock.now(), clock.now() + timedelta(minutes=1), 1)
        await uow.commit()
    assert [i.text for i in first] == ["first to chat 1"]

    async with db() as uow:  # another sender, while the first row is leased (or retrying)
        second = await uow.outbox.claim("telegram", clock.now(), clock.now() + timedelta(minutes=1), 10)
        await uow.commit()
    assert [i.text for i in second] == ["first to chat 2"]


async def test_rows_of_one_chat_are_claimed_together_in_order(migrated, clock):
    db = migrated
    for n in range(3):
        await _queue(db, clock, 7, f"message {n}")
    async with db() as uow:
        claimed = await uow.outbox.claim("telegram", clock.now(), clock.now() + timedelta(minutes=1), 10)
        await uow.commit()
    assert [i.text for i in claimed] == ["message 0", "message 1", "message 2"]
