"""A platform adapter of supportbot run in the test's event loop against a fake, on a manual clock.

The adapter, its outbox pump and the desk are wired as `supportbot run` wires them; only time is the
test's: the fake and the desk share one ManualClock, so a minute of flood limits or an hour of
escalations passes at once (`settle`, `wait`) instead of on the wall clock."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from supportbot import runtime
from supportbot.bootstrap import App, outbox_sender
from supportbot.db.tables import outbox

SETTLE_TIMEOUT = 30.0  # real seconds: the outbox must empty in this long however far the clock moves
STEP = timedelta(milliseconds=1)


async def until(predicate: Callable[[], Any], what: str, timeout: float = 10.0) -> Any:
    """Let the loop run until predicate() is truthy; return its value."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not (value := predicate()):
        assert asyncio.get_running_loop().time() < deadline, f"timed out after {timeout}s: {what}"
        await asyncio.sleep(0.01)
    return value


class InProcessBot:
    """The app and one adapter in this loop; `settle()` sends everything queued, moving the clock to each retry."""

    def __init__(self, app: App, clock, adapter) -> None:
        self.app, self.clock, self.adapter = app, clock, adapter
        assert app.deps.clock is clock, "the app runs on the test's clock"
        self.pump = runtime.OutboxPump(outbox_sender(app, adapter.platform))
        adapter.on_commit = self._flush_soon
        self._flushes: set[asyncio.Task] = set()

    def seconds(self) -> float:
        """The manual clock in seconds since the epoch, as the fakes and the flood limiter read time."""
        return self.clock.now().timestamp()

    async def start(self):
        await runtime.prepare_database(self.app)
        await self.adapter.start()
        return self

    async def stop(self) -> None:
        await self._idle()
        await self.pump.close()
        await self.adapter.stop()
        await self.app.database.dispose()

    def _flush_soon(self) -> None:
        task = asyncio.get_running_loop().create_task(self.pump.flush())
        self._flushes.add(task)
        task.add_done_callback(self._flushes.discard)

    async def _idle(self) -> None:
        """No flush under way (every flush is started here, so none runs unseen)."""
        while self._flushes:
            await asyncio.gather(*self._flushes, return_exceptions=True)

    async def pending(self) -> tuple[int, Any]:
        """How many outbox rows are still to send, and when the first of them is due."""
        async with self.app.database.engine.connect() as db:
            row = (await db.execute(sa.select(sa.func.count(), sa.func.min(outbox.c.next_attempt_at))
                                    .where(outbox.c.status == "pending"))).one()
        return row[0], row[1]

    async def settle(self, timeout: float = SETTLE_TIMEOUT) -> None:
        """Send everything the outbox holds; a row due later moves the clock to its time (never back)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            await self._idle()
            await self.pump.flush()
            count, due = await self.pending()
            if count == 0:
                return
            assert asyncio.get_running_loop().time() < deadline, f"{count} outbox rows still pending"
            due = due.replace(tzinfo=self.clock.now().tzinfo) if due is not None else self.clock.now()
            # A row due now may still be a hair too early for a flood limiter (float seconds against
            # microseconds in the database): a millisecond more, rather than the same flush again.
            self.clock.set(max(due, self.clock.now() + STEP))

    async def until(self, predicate: Callable[[], Any], what: str, timeout: float = 10.0) -> Any:
        """Let the bot run, and its outbox send on the clock's beats, until predicate() is truthy; its value."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not (value := predicate()):
            assert asyncio.get_running_loop().time() < deadline, f"timed out after {timeout}s: {what}\n{self.state()}"
            await self.settle()  # what production's outbox beat would send meanwhile
            await asyncio.sleep(0.01)
        return value

    def state(self) -> str:
        """What the fake knows, shown when a wait times out."""
        return ""

    async def wait(self, **delta: float) -> None:
        """Let time pass: the clock moves on, the escalation sweep runs, what it queued is sent."""
        self.clock.advance(**delta)
        await self.app.sweeper.sweep()
        await self.settle()

    async def tickets(self) -> list[tuple[int, int, int]]:
        """(number, source chat, source message) of every stored ticket."""
        async with self.app.database() as uow:
            stored = await uow.tickets.list(open_only=False)
        return sorted((t.number, t.source_chat_id, t.source_message_id) for t in stored)
