"""The outbox pump: woken after each update, a few flushes at once at most, nothing left behind."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from supportbot.chat.outbox_pump import FLUSHES_AT_ONCE, OutboxPump
from supportbot.chat.outbox_sender import BATCH, FlushReport


class SlowSender:
    """A sender whose flush takes as long as the test wants: until `release` is set."""

    def __init__(self, reports: list[FlushReport] | None = None) -> None:
        self.platform = SimpleNamespace(name="telegram")
        self.running = 0
        self.most_at_once = 0
        self.calls = 0
        self.reports = reports or []
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.release.set()

    async def flush(self) -> FlushReport:
        self.calls += 1
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        self.started.set()
        await self.release.wait()
        self.running -= 1
        return self.reports.pop(0) if self.reports else FlushReport()


async def run_until(condition) -> None:
    """Let the loop run until condition() holds (no wall-clock wait)."""
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("the loop never got there")


async def test_a_wake_during_a_slow_flush_starts_another_at_once_up_to_a_few():
    sender = SlowSender()
    sender.release.clear()
    pump = OutboxPump(sender)
    pump.wake()
    await sender.started.wait()  # the first flush is under way, waiting on a slow send
    for _ in range(FLUSHES_AT_ONCE + 5):
        pump.wake()  # each commit while it waits
    await run_until(lambda: sender.running == FLUSHES_AT_ONCE)
    await pump.flush()  # the scheduler's beat at the same moment: no flush beyond the most
    assert sender.running == FLUSHES_AT_ONCE
    sender.release.set()
    await run_until(lambda: sender.calls == FLUSHES_AT_ONCE + 2 and sender.running == 0)
    await pump.close()  # the wakes beyond the most made one more round, not one each; and the last flush
    # to finish went round once more for rows of chats the others held
    assert sender.most_at_once == FLUSHES_AT_ONCE and sender.calls == FLUSHES_AT_ONCE + 2


async def test_a_full_batch_is_followed_by_another_flush():
    sender = SlowSender([FlushReport(sent=BATCH), FlushReport(sent=3)])
    pump = OutboxPump(sender)
    await pump.flush()
    assert sender.calls == 2


async def test_a_failing_flush_is_logged_and_the_pump_keeps_working(caplog):
    sender = SlowSender()
    pump = OutboxPump(sender)

    async def broken() -> FlushReport:
        raise RuntimeError("database is locked")

    sender.flush, working = broken, sender.flush
    await pump.flush()
    assert "outbox flush for telegram failed" in caplog.text
    sender.flush = working
    await pump.flush()
    assert sender.calls == 1


async def test_closed_pump_starts_nothing():
    sender = SlowSender()
    pump = OutboxPump(sender)
    await pump.close()
    pump.wake()
    await pump.flush()
    assert sender.calls == 0


async def test_during_an_outage_one_row_finds_out_and_the_others_wait_without_a_call(clock):
    from support.fake_chat import FakeChat
    from support.fake_uow import FakeStore
    from supportbot.chat.outbox_sender import OutboxSender
    from supportbot.services.outbox import OutboxItem, OutboxKind, PlatformDown

    store, chat = FakeStore(), FakeChat("telegram")
    chat.fail(*(PlatformDown("503 Service Unavailable") for _ in range(100)))
    async with store() as uow:
        for n in range(BATCH + 10):
            await uow.outbox.add(OutboxItem(platform="telegram", chat_id=-100000 - n, kind=OutboxKind.MESSAGE,
                                            text=f"notice {n}", created_at=clock.now()))
        await uow.commit()

    await OutboxPump(OutboxSender(chat, uow=store, clock=clock)).flush()

    assert len(chat.tries) == 1  # the platform is not hammered with every row
    assert {(r.status, r.attempts) for r in store.outbox} == {("pending", 0)}


async def test_a_row_queued_for_a_chat_a_running_flush_holds_is_sent_without_another_wake(clock) -> None:
    """The flush woken for it skips the chat another flush is sending to; that flush goes round again."""
    from support.fake_uow import FakeStore, queue
    from supportbot.chat.outbox_sender import OutboxSender
    from tests.unit.test_outbox_fairness import TEAM, HangingChat, notice

    store, chat = FakeStore(), HangingChat()
    pump = OutboxPump(OutboxSender(chat, uow=store, clock=clock))
    await queue(store, notice(clock, 0))
    pump.wake()
    await chat.reached.wait()  # that flush now waits on the team chat

    await queue(store, notice(clock, 1))
    await pump.flush()  # the wake for the new notice: its chat is held, so this flush leaves it
    assert chat.texts(TEAM) == []
    chat.answer.set()
    await run_until(lambda: len(chat.texts(TEAM)) == 2)

    assert chat.texts(TEAM) == ["New ticket #0", "New ticket #1"]
    await pump.close()
