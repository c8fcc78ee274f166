"""supportbot's Telegram side in the test's event loop against the fake Bot API, on a manual clock.

The adapter, its outbox pump and the desk are wired as `supportbot run` wires them; only time is the
test's: the fake, the flood limiter and the desk share one ManualClock, so a minute of flood limits or an
hour of escalations passes at once (`settle`, `wait`) instead of on the wall clock."""

from __future__ import annotations

import asyncio
from datetime import timedelta
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

TYPING = 1.0  # seconds of the manual clock each `say` takes
SETTLE_TIMEOUT = 30.0
STEP = timedelta(milliseconds=1)  # real seconds: the outbox must empty in this long however far the clock moves


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
            due = due.replace(tzinfo=self.clock.now().tzinfo) if due is not None else self.clock.now()
            # A row due now may still be a hair too early for the flood limiter (float seconds against
            # microseconds in the database): a millisecond more, rather than the same flush again.
            self.clock.set(max(due, self.clock.now() + STEP))

    async def wait(self, **delta: float) -> None:
        """Let time pass: the clock moves on, the escalation sweep runs, what it queued is sent."""
        self.clock.advance(**delta)
        await self.app.sweeper.sweep()
        await self.settle()

    async def handled(self) -> None:
        """The updates posted so far are handled (confirmed to the fake) and their messages sent."""
        await self.fake.wait_for_async(lambda: not self.fake.pending_updates())
        await self.settle()

    # --- the chat as a transcript ---------------------------------------------------------------

    async def say(self, chat_id: int, user_id: int, text: str | None = None, **message) -> int:
        """A user writes in a chat; returns its message id once the bot has handled it and sent what it caused."""
        self.clock.advance(seconds=TYPING)  # a person takes a moment: replies are not all in the same second
        message_id = self.fake.post_message(chat_id, user_id, text, **message)
        await self.handled()
        return message_id

    async def press(self, chat_id: int, message_id: int, user_id: int, data: str) -> None:
        """A user presses a button under one of the bot's messages."""
        self.fake.press_button(chat_id, message_id, user_id, data)
        await self.handled()

    def shows(self, chat_id: int, contains: str) -> dict:
        """The bot's latest message in a chat with this text in it (fails when there is none)."""
        found = [m for m in self.fake.bot_messages(chat_id) if contains in (m["text"] or "")]
        assert found, f"no bot message with {contains!r} in chat {chat_id}: {self.texts(chat_id)}"
        return found[-1]

    def answer_to(self, chat_id: int, message_id: int) -> str:
        """The text of the bot's answer to one message (a command's reply)."""
        return next(m["text"] for m in self.fake.bot_messages(chat_id) if m["reply_to"] == message_id)

    def card(self, chat_id: int, message_id: int) -> dict:
        """One of the bot's messages as it looks now."""
        return next(m for m in self.fake.bot_messages(chat_id) if m["message_id"] == message_id)

    def texts(self, chat_id: int) -> list[str]:
        return [m["text"] or "" for m in self.fake.bot_messages(chat_id)]

    async def tickets(self) -> list[tuple[int, int, int]]:
        """(number, source chat, source message) of every stored ticket."""
        async with self.app.database() as uow:
            stored = await uow.tickets.list(open_only=False)
        return sorted((t.number, t.source_chat_id, t.source_message_id) for t in stored)

