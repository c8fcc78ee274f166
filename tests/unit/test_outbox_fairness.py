"""A chat held by its flood limit never delays another: its backlog is not leased whole, putting it back
costs one transaction, and everyone else's messages go out in the same flush."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from support.fake_chat import FakeChat
from support.fake_uow import FakeStore, queue
from supportbot.chat.outbox_sender import PER_CHAT, OutboxSender
from supportbot.runtime import OutboxPump
from supportbot.services.outbox import Delivered, OutboxItem, OutboxKind, Throttled

TEAM = -100500
COURT = -100101
BACKLOG = 30


@dataclass
class FloodLimitedChat(FakeChat):
    """Takes one message per chat every `every` seconds of the test's clock, as Telegram's group limit
    does once a busy group has had its 20 a minute; a message too early is Throttled, as by our limiter."""

    clock: object = None
    every: float = 3.0
    last: dict[int, datetime] = field(default_factory=dict)

    async def send(self, item: OutboxItem) -> Delivered:
        now = self.clock.now()
        previous = self.last.get(item.chat_id)
        if previous is not None and now < previous + timedelta(seconds=self.every):
            self.tries.append(item)
            raise Throttled(after=(previous + timedelta(seconds=self.every) - now).total_seconds())
        self.last[item.chat_id] = now
        return await super().send(item)


def notice(clock, n: int) -> OutboxItem:
    return OutboxItem(platform="telegram", chat_id=TEAM, kind=OutboxKind.MESSAGE, text=f"New ticket #{n}",
                      created_at=clock.now())


def ack(clock, n: int, chat_id: int = COURT) -> OutboxItem:
    return OutboxItem(platform="telegram", chat_id=chat_id, kind=OutboxKind.CARD, text=f"Ticket #{n} received",
                      reply_to=n, created_at=clock.now())


async def held_team_chat(store: FakeStore, clock) -> tuple[FloodLimitedChat, OutboxSender]:
    """A team chat with BACKLOG notices queued, its first one sent a moment ago: held for three seconds."""
    chat = FloodLimitedChat(clock=clock)
    sender = OutboxSender(chat, uow=store, clock=clock)
    await queue(store, *(notice(clock, n) for n in range(BACKLOG)))
    await sender.flush()
    assert chat.texts(TEAM) == ["New ticket #0"]
    return chat, sender


async def test_an_ack_goes_out_in_the_flush_after_it_while_a_busy_chat_is_held(clock) -> None:
    store = FakeStore()
    chat, sender = await held_team_chat(store, clock)

    clock.advance(seconds=1)  # the team chat is still held
    await queue(store, ack(clock, 1))
    await sender.flush()

    assert chat.texts(COURT) == ["Ticket #1 received"]
    assert chat.texts(TEAM) == ["New ticket #0"]


async def test_when_the_hold_ends_the_ack_beside_it_still_goes_and_the_backlog_is_not_leased_whole(clock) -> None:
    store = FakeStore()
    chat, sender = await held_team_chat(store, clock)

    clock.advance(seconds=3)  # the hold ends the moment a report comes in elsewhere
    await queue(store, ack(clock, 1))
    commits = store.commits
    await sender.flush()

    assert chat.texts(COURT) == ["Ticket #1 received"]
    assert chat.texts(TEAM) == ["New ticket #0", "New ticket #1"]
    # Claimed: a few of the team chat's rows, never its whole backlog; the rest stay queued untouched.
    untouched = [r for r in store.outbox if r.chat_id == TEAM and r.status == "pending" and r.last_error is None]
    assert len(untouched) >= BACKLOG - 1 - PER_CHAT
    # The claim, the two sends' outcomes, and the held rows put back: not a transaction per held row.
    assert store.commits - commits <= 5
    assert {r.attempts for r in store.outbox if r.status == "pending"} == {0}  # waiting is not a failed try


async def test_the_held_chat_gets_every_notice_once_in_order_while_acks_elsewhere_never_wait(clock) -> None:
    store = FakeStore()
    chat, sender = await held_team_chat(store, clock)

    for second in range(1, 3 * BACKLOG + 1):  # one beat a second; a report elsewhere every other second
        clock.advance(seconds=1)
        if second % 2 == 0:
            await queue(store, ack(clock, second, chat_id=COURT - second))
        await sender.flush()
        if second % 2 == 0:
            assert chat.texts(COURT - second) == [f"Ticket #{second} received"]  # sent in its own beat

    assert chat.texts(TEAM) == [f"New ticket #{n}" for n in range(BACKLOG)]
    assert {r.status for r in store.outbox} == {"sent"}


@dataclass
class HangingChat(FakeChat):
    """Answers sends to one chat only once the test lets it: a slow or stuck chat."""

    slow_chat: int = TEAM
    reached: asyncio.Event = field(default_factory=asyncio.Event)
    answer: asyncio.Event = field(default_factory=asyncio.Event)

    async def send(self, item: OutboxItem) -> Delivered:
        if item.chat_id == self.slow_chat:
            self.reached.set()
            await self.answer.wait()
        return await super().send(item)


async def test_an_ack_goes_out_while_an_earlier_flush_still_waits_on_a_slow_chat(clock) -> None:
    store, chat = FakeStore(), HangingChat()
    pump = OutboxPump(OutboxSender(chat, uow=store, clock=clock))
    await queue(store, notice(clock, 0), notice(clock, 1))
    pump.wake()
    await chat.reached.wait()  # that flush now waits on the team chat

    await queue(store, ack(clock, 1))
    pump.wake()  # the report's commit
    for _ in range(1000):  # let the loop run (no wall-clock wait) until the ack is out
        if chat.texts(COURT):
            break
        await asyncio.sleep(0)

    assert chat.texts(COURT) == ["Ticket #1 received"] and chat.texts(TEAM) == []
    chat.answer.set()
    await pump.close()
    assert chat.texts(TEAM) == ["New ticket #0", "New ticket #1"]  # the slow chat's rows, once each, in order
