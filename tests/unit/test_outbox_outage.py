"""The outbox through platform outages and slow sends: nothing dead, nothing twice, no chat waiting on another."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace

import aiohttp
import discord
import pytest

from support.fake_chat import FakeChat
from support.fake_uow import FakeStore, queue
from supportbot.chat.breaker import BreakerState
from supportbot.chat.discord.delivery import translated
from supportbot.chat.outbox_sender import OutboxSender, SenderPolicy
from supportbot.domain import texts
from supportbot.services.outbox import (
    Delivered,
    DirectMessage,
    MaybeDelivered,
    Mention,
    OutboxItem,
    OutboxKind,
    PermanentFailure,
    PlatformDown,
)

CHATS = [-100101, -100102, -100103, -100104]
TEAM = -100500


@dataclass
class FlakyChat(FakeChat):
    """A platform that answers 503 to every call until `back_at` (of the test's clock)."""

    clock: object = None
    back_at: datetime | None = None
    during_outage: list[OutboxItem] = field(default_factory=list)

    def _maybe_fail(self, item: OutboxItem) -> None:
        if self.back_at is not None and self.clock.now() < self.back_at:
            self.tries.append(item)
            self.during_outage.append(item)
            raise PlatformDown("sendMessage: Service Unavailable")
        super()._maybe_fail(item)


def ack(clock, number: int, chat_id: int) -> OutboxItem:
    return OutboxItem(platform="telegram", chat_id=chat_id, kind=OutboxKind.CARD, text=f"🔴 Ticket #{number} received",
                      reply_to=1000 + number, created_at=clock.now())


def notice(clock, text: str, chat_id: int = TEAM, **fields) -> OutboxItem:
    return OutboxItem(platform="telegram", chat_id=chat_id, kind=OutboxKind.MESSAGE, text=text,
                      created_at=clock.now(), **fields)


async def run_for(sender: OutboxSender, clock, seconds: int) -> None:
    """The scheduler's beat: one flush a second of the manual clock."""
    for _ in range(seconds):
        await sender.flush()
        clock.advance(seconds=1)


def outage(clock, minutes: float) -> FlakyChat:
    return FlakyChat("telegram", clock=clock, back_at=clock.now() + timedelta(minutes=minutes))


# --- outages cost no tries ------------------------------------------------------------------------


async def test_twenty_acks_through_a_two_minute_outage_arrive_once_each_in_order(clock) -> None:
    store, chat = FakeStore(), outage(clock, minutes=2)
    await queue(store, *(ack(clock, n, CHATS[n % 4]) for n in range(20)))
    sender = OutboxSender(chat, uow=store, clock=clock, policy=SenderPolicy(max_attempts=8, outage_max_wait=60))

    await run_for(sender, clock, 100)
    assert chat.sent == [] and {r.status for r in store.outbox} == {"pending"}  # through the outage: all kept
    assert sender.breaker_status().state is BreakerState.OPEN
    await run_for(sender, clock, 100)

    assert sorted(chat.texts()) == sorted(f"🔴 Ticket #{n} received" for n in range(20))  # each exactly once
    for chat_id in CHATS:
        assert chat.texts(chat_id) == [f"🔴 Ticket #{n} received" for n in range(20) if CHATS[n % 4] == chat_id]
    assert {r.status for r in store.outbox} == {"sent"}
    assert {r.attempts for r in store.outbox} == {1}  # the outage used up no tries
    assert len(chat.during_outage) <= 10  # the platform was probed, not hammered
    assert sender.breaker_status().state is BreakerState.CLOSED


async def test_a_bad_request_is_dead_at_once_and_does_not_stop_the_platform(clock) -> None:
    store, chat = FakeStore(), FakeChat("telegram")
    chat.fail(PermanentFailure("sendMessage to chat -100101: Bad Request: chat not found"),
              when=lambda item: item.chat_id == CHATS[0])
    await queue(store, ack(clock, 1, CHATS[0]), ack(clock, 2, CHATS[1]))
    sender = OutboxSender(chat, uow=store, clock=clock)

    report = await sender.flush()

    assert (report.sent, report.dead) == (1, 1)
    dead = next(r for r in store.outbox if r.chat_id == CHATS[0])
    assert (dead.status, dead.attempts) == ("dead", 1) and "chat not found" in dead.last_error
    assert chat.texts() == ["🔴 Ticket #2 received"]
    assert sender.breaker_status().state is BreakerState.CLOSED


async def test_rows_queued_during_an_outage_wait_and_the_order_per_chat_holds(clock) -> None:
    store, chat = FakeStore(), outage(clock, minutes=1)
    sender = OutboxSender(chat, uow=store, clock=clock, policy=SenderPolicy(outage_max_wait=8))
    await queue(store, notice(clock, "one", CHATS[0]))
    await run_for(sender, clock, 30)
    await queue(store, notice(clock, "two", CHATS[0]), notice(clock, "elsewhere", CHATS[1]))
    await run_for(sender, clock, 30)
    await queue(store, notice(clock, "three", CHATS[0]))
    await run_for(sender, clock, 20)

    assert chat.texts(CHATS[0]) == ["one", "two", "three"] and chat.texts(CHATS[1]) == ["elsewhere"]


async def test_a_429_waits_as_asked_without_costing_a_try(clock) -> None:
    from supportbot.services.outbox import RetryLater

    store, chat = FakeStore(), FakeChat("telegram")
    chat.fail(*(RetryLater("Telegram asks to wait 5s", after=5) for _ in range(4)))
    await queue(store, notice(clock, "hello", CHATS[0]))
    sender = OutboxSender(chat, uow=store, clock=clock, policy=SenderPolicy(max_attempts=2))

    await run_for(sender, clock, 30)

    [sent] = store.outbox
    assert (sent.status, sent.attempts) == ("sent", 1) and chat.texts() == ["hello"]


# --- after a long outage: late acks say sorry, stale notices fold ---------------------------------------


async def test_an_ack_late_by_more_than_fold_after_is_sent_with_an_apology(clock) -> None:
    store, chat = FakeStore(), outage(clock, minutes=15)
    await queue(store, ack(clock, 1, CHATS[0]))
    sender = OutboxSender(chat, uow=store, clock=clock, policy=SenderPolicy(outage_max_wait=30, fold_after=600))

    await run_for(sender, clock, 16 * 60)

    [card] = chat.sent
    assert card.kind is OutboxKind.CARD and card.text.startswith("🔴 Ticket #1 received")
    assert card.text.endswith(texts.LATE_APOLOGY.format(platform="Telegram", duration="15 minutes"))


async def test_an_ack_after_a_short_outage_carries_no_apology(clock) -> None:
    store, chat = FakeStore(), outage(clock, minutes=2)
    await queue(store, ack(clock, 1, CHATS[0]))

    await run_for(OutboxSender(chat, uow=store, clock=clock, policy=SenderPolicy(fold_after=600)), clock, 200)

    assert chat.texts() == ["🔴 Ticket #1 received"]


async def test_stale_plain_notices_to_a_chat_fold_into_one_but_mentions_and_direct_messages_never(clock) -> None:
    store, chat = FakeStore(), outage(clock, minutes=15)
    tag = (Mention("alice"),)
    await queue(store, notice(clock, "🐛 New ticket #1"), notice(clock, "🐛 New ticket #2"),
                notice(clock, "🚨 Emergency #3", mentions=tag), notice(clock, "🐛 New ticket #4"),
                notice(clock, "🐛 New ticket #5"), notice(clock, "private advice", payload=DirectMessage(5001, "")),
                notice(clock, "🐛 New ticket #6"))
    sender = OutboxSender(chat, uow=store, clock=clock, policy=SenderPolicy(outage_max_wait=30, fold_after=600))

    await run_for(sender, clock, 16 * 60)

    sent = chat.sent
    assert len(sent) == 5
    header = texts.LATE_APOLOGY.format(platform="Telegram", duration="15 minutes")
    assert sent[0].text.startswith(header) and "🐛 New ticket #1" in sent[0].text and "#2" in sent[0].text
    assert (sent[1].text, sent[1].mentions) == ("🚨 Emergency #3", tag)  # its mentions still tag people
    assert sent[2].text.startswith(header) and "#4" in sent[2].text and "#5" in sent[2].text
    assert sent[3].text == "private advice" and sent[3].payload == DirectMessage(5001, "")
    assert sent[4].text == "🐛 New ticket #6"  # alone: nothing to fold it with
    assert {r.status for r in store.outbox} == {"sent"}
    folded = [r for r in store.outbox if r.text == "🐛 New ticket #2"][0]
    assert folded.platform_message_id == [r for r in store.outbox if r.text == "🐛 New ticket #1"][0].platform_message_id


# --- a send that may have arrived is not sent again -------------------------------------------------------


async def test_a_send_that_timed_out_after_going_out_is_not_sent_again(clock, caplog) -> None:
    store, chat = FakeStore(), FakeChat("telegram")
    chat.fail(MaybeDelivered("sendMessage to chat -100101: timed out after the request went out"),
              when=lambda item: item.chat_id == CHATS[0])
    await queue(store, ack(clock, 1, CHATS[0]), ack(clock, 2, CHATS[0]))
    sender = OutboxSender(chat, uow=store, clock=clock)

    with caplog.at_level(logging.WARNING, logger="supportbot.chat.outbox_sender"):
        await run_for(sender, clock, 60)

    first, second = store.outbox
    assert first.status == "sent" and "may not have arrived" in first.last_error
    assert [item.text for item in chat.tries].count("🔴 Ticket #1 received") == 1  # tried once, never again
    assert chat.texts() == ["🔴 Ticket #2 received"] and second.status == "sent" and second.last_error is None
    [warning] = [r.getMessage() for r in caplog.records if "may not have arrived" in r.getMessage()]
    assert f"row {first.id}" in warning and f"chat {CHATS[0]}" in warning


# --- one slow chat does not hold up the others --------------------------------------------------------------


@dataclass
class SlowChat(FakeChat):
    """Sends to `slow` hang until the test lets them through; every delivery is announced."""

    slow: int = 0
    release: asyncio.Event = field(default_factory=asyncio.Event)
    arrived: dict[int, asyncio.Event] = field(default_factory=dict)

    async def send(self, item: OutboxItem) -> Delivered:
        if item.chat_id == self.slow:
            await self.release.wait()
        delivered = await super().send(item)
        self.arrived.setdefault(item.chat_id, asyncio.Event()).set()
        return delivered

    def delivered_to(self, chat_id: int) -> asyncio.Event:
        return self.arrived.setdefault(chat_id, asyncio.Event())


async def test_a_slow_chat_does_not_hold_up_another_chats_message(clock) -> None:
    store, chat = FakeStore(), SlowChat("telegram", slow=CHATS[0])
    await queue(store, ack(clock, 1, CHATS[0]), ack(clock, 2, CHATS[0]), ack(clock, 3, CHATS[1]))
    sender = OutboxSender(chat, uow=store, clock=clock, policy=SenderPolicy(parallel_chats=8))

    flushing = asyncio.create_task(sender.flush())
    await asyncio.wait_for(chat.delivered_to(CHATS[1]).wait(), timeout=5)  # while the slow chat still hangs
    assert chat.texts(CHATS[0]) == []
    chat.release.set()
    report = await asyncio.wait_for(flushing, timeout=5)

    assert report.sent == 3
    assert chat.texts(CHATS[0]) == ["🔴 Ticket #1 received", "🔴 Ticket #2 received"]


async def test_no_more_chats_at_once_than_parallel_chats(clock) -> None:
    store, chat = FakeStore(), SlowChat("telegram", slow=CHATS[0])
    await queue(store, ack(clock, 1, CHATS[0]), ack(clock, 2, CHATS[1]))
    sender = OutboxSender(chat, uow=store, clock=clock, policy=SenderPolicy(parallel_chats=1))

    flushing = asyncio.create_task(sender.flush())
    await asyncio.sleep(0)  # let the flush reach the slow chat
    chat.release.set()
    await asyncio.wait_for(flushing, timeout=5)

    assert chat.texts() == ["🔴 Ticket #1 received", "🔴 Ticket #2 received"]  # one lane: queue order


# --- Discord: its outages are outages too ---------------------------------------------------------------------


def http_error(status: int, text: str = "") -> discord.HTTPException:
    return discord.HTTPException(SimpleNamespace(status=status, reason=text), {"message": text, "code": 0})


@pytest.mark.parametrize("error", [http_error(503, "Service Unavailable"), http_error(502, "Bad Gateway"),
                                   aiohttp.ClientConnectionError("Cannot connect"), TimeoutError()])
def test_discord_5xx_and_connection_errors_mean_the_platform_is_down(error) -> None:
    with pytest.raises(PlatformDown):
        with translated("send to 3101"):
            raise error


@pytest.mark.parametrize("status", [400, 403, 404])
def test_discord_4xx_is_final(status) -> None:
    with pytest.raises(PermanentFailure):
        with translated("send to 3101"):
            raise http_error(status, "Missing Access")
