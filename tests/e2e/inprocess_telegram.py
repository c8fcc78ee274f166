"""supportbot's Telegram side in the test's event loop against the fake Bot API, on a manual clock.

The adapter, its outbox pump and the desk are wired as `supportbot run` wires them; only time is the
test's: the fake, the flood limiter and the desk share one ManualClock, so a minute of flood limits or an
hour of escalations passes at once (`settle`, `wait`) instead of on the wall clock."""

from __future__ import annotations

import asyncio
from pathlib import Path

import sqlalchemy as sa

from supportbot import runtime
from supportbot.bootstrap import build_app, sender_policy
from supportbot.chat.outbox_sender import OutboxSender
from supportbot.chat.telegram.bot import TelegramAdapter
from supportbot.chat.telegram.limits import FloodLimiter
from supportbot.config import load_settings
from supportbot.db.tables import outbox
from tests.e2e.support_telegram import config_text
from tests.fakes.telegram_api import FakeTelegram

SETTLE_TIMEOUT = 30.0  # real seconds: the outbox must empty in this long however far the clock moves


class TelegramBot:
    """The bot in this loop; `settle()` sends everything queued, moving the clock to each retry."""

    def __init__(self, folder: Path, fake: FakeTelegram, clock, **config) -> None:
        self.fake, self.clock = fake, clock
        path = folder / "config.toml"
        path.write_text(config_text(folder, fake, now=clock.now(), **config), encoding="utf-8")
        self.app = build_app(load_settings(path, env={}), {"telegram"}, clock=clock)
        fake.clock = self.seconds
        self.adapter = TelegramAdapter(self.app.desk, runtime.telegram_options(self.app),
                                       limiter=FloodLimiter(clock=self.seconds))
        self.pump = runtime.OutboxPump(OutboxSender(self.adapter.platform, uow=self.app.database, clock=clock,
                                                    policy=sender_policy(self.app.settings)))
        self.adapter.on_commit = self._flush_soon
        self._flushes: set[asyncio.Task] = set()

    def seconds(self) -> float:
        """The manual clock as the fake and the flood limiter read time."""
        return self.clock.now().timestamp()

    async def start(self) -> "TelegramBot":
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

    async def pending(self) -> tuple[int, object]:
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
            if due is not None and due.replace(tzinfo=self.clock.now().tzinfo) > self.clock.now():
                self.clock.set(due.replace(tzinfo=self.clock.now().tzinfo))

    async def wait(self, **delta: float) -> None:
        """Let time pass: the clock moves on, the escalation sweep runs, what it queued is sent."""
        self.clock.advance(**delta)
        await self.app.sweeper.sweep()
        await self.settle()

    async def handled(self) -> None:
        """The updates posted so far are handled (confirmed to the fake) and their messages sent."""
        await self.fake.wait_for_async(lambda: not self.fake.pending_updates())
        await self.settle()

