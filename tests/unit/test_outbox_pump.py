"""The outbox pump: woken after each update, never two flushes at once, nothing left behind."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from supportbot.chat.outbox_sender import BATCH, FlushReport
from supportbot.runtime import OutboxPump


class SlowSender:
    def __init__(self, reports: list[FlushReport] | None = None) -> None:
        self.platform = SimpleNamespace(name="telegram")
        self.running = 0
        self.most_at_once = 0
        self.calls = 0
        self.reports = reports or []

    async def flush(self) -> FlushReport:
        self.calls += 1
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        await asyncio.sleep(0.01)
        self.running -= 1
        return self.reports.pop(0) if self.reports else FlushReport()


async def test_wakes_during_a_flush_make_one_more_round_not_a_parallel_one():
    sender = SlowSender()
    pump = OutboxPump(sender)
    pump.wake()
    await asyncio.sleep(0.001)
    for _ in range(5):
        pump.wake()  # each commit while the flush runs
    await pump.flush()  # the scheduler's beat at the same moment
    await asyncio.sleep(0.05)
    assert sender.most_at_once == 1 and sender.calls == 2


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
