"""Handled-event keys and parked events on the real engines."""

from __future__ import annotations

from datetime import UTC, datetime

from supportbot.services.ports import DeadLetter

AT = datetime(2026, 12, 7, 9, tzinfo=UTC)


async def test_a_handled_key_is_recorded_once(database) -> None:
    async with database() as uow:
        assert await uow.handled.add("telegram:msg:-100:5", AT) is True
        assert await uow.handled.add("telegram:msg:-100:5", AT) is False  # the transaction goes on
        await uow.commit()
    async with database() as uow:
        assert await uow.handled.has("telegram:msg:-100:5")
        assert not await uow.handled.has("telegram:msg:-100:6")


async def test_an_event_is_parked_once_and_its_status_moves(database) -> None:
    letter = DeadLetter("telegram", "update", "77", '{"update_id": 77}', "ValueError: boom", AT, chat_id=-100)
    async with database() as uow:
        first = await uow.dead_letters.park(letter)
        assert first is not None
        assert await uow.dead_letters.park(letter) is None
        await uow.commit()
    async with database() as uow:
        await uow.dead_letters.set_status(first, "replayed", AT)
        await uow.commit()
    async with database() as uow:
        stored = await uow.dead_letters.get(first)
        assert stored is not None and stored.status == "replayed" and stored.replayed_at == AT
        assert stored.payload == '{"update_id": 77}' and stored.chat_id == -100
        assert await uow.dead_letters.list(status="parked") == []
        assert [d.id for d in await uow.dead_letters.list(platform="telegram")] == [first]
