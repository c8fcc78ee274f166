"""A sender killed mid-send (kill -9, power cut): Telegram's message is not sent a second time."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from support.fake_chat import FakeChat
from support.fake_uow import FakeStore, queue
from supportbot.chat.outbox_sender import SENDER_DIED, OutboxSender
from supportbot.services.outbox import Delivered, OutboxItem, OutboxKind

COURT = -100101


@dataclass
class HangingChat(FakeChat):
    """Takes the message, then never answers: the process dies while it waits."""

    taken: list[OutboxItem] = field(default_factory=list)
    reached: asyncio.Event = field(default_factory=asyncio.Event)

    async def send(self, item: OutboxItem) -> Delivered:
        self.taken.append(item)
        self.reached.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


async def queue_ack(store: FakeStore, clock) -> None:
    await queue(store, OutboxItem(platform="telegram", chat_id=COURT, kind=OutboxKind.CARD,
                                  text="🔴 Ticket #1 received", reply_to=7, created_at=clock.now()))


async def kill_mid_send(store: FakeStore, clock, chat: HangingChat) -> None:
    """A flush that dies (its task cancelled, nothing after the send runs) once the platform took the message."""
    flush = asyncio.create_task(OutboxSender(chat, uow=store, clock=clock).flush())
    await chat.reached.wait()
    flush.cancel()
    await asyncio.gather(flush, return_exceptions=True)


async def test_an_ack_in_flight_when_the_sender_died_is_not_sent_again_on_telegram(clock) -> None:
    store = FakeStore()
    await queue_ack(store, clock)
    await kill_mid_send(store, clock, HangingChat())
    clock.advance(minutes=2)  # the dead sender's lease is over: the row is claimed again after the restart

    restarted = FakeChat()
    await OutboxSender(restarted, uow=store, clock=clock).flush()

    assert restarted.sent == []  # the reporter sees the acknowledgement once, from before the kill
    row = store.outbox[0]
    assert row.status == "sent" and SENDER_DIED in row.last_error


async def test_discord_sends_it_again_since_its_nonce_keeps_it_single(clock) -> None:
    store = FakeStore()
    await queue_ack(store, clock)
    await kill_mid_send(store, clock, HangingChat(name="telegram"))
    clock.advance(minutes=2)

    restarted = FakeChat()
    restarted.resends_safely = True  # as DiscordDelivery: the same nonce on every try
    await OutboxSender(restarted, uow=store, clock=clock).flush()

    assert [item.text for item in restarted.sent] == ["🔴 Ticket #1 received"]


async def test_a_send_that_ended_normally_leaves_no_mark(clock) -> None:
    store = FakeStore()
    await queue_ack(store, clock)
    chat = FakeChat()
    await OutboxSender(chat, uow=store, clock=clock).flush()
    assert len(chat.sent) == 1
    assert store.outbox[0].sending_at is None and store.outbox[0].last_error is None
