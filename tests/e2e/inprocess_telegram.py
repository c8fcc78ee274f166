"""supportbot's Telegram side in the test's event loop against the fake Bot API, on a manual clock
(see inprocess.py); the fake and the flood limiter read the same clock as the desk."""

from __future__ import annotations

from pathlib import Path

from supportbot.bootstrap import build_app
from supportbot.bootstrap_serving import telegram_options
from supportbot.chat.telegram.bot import TelegramAdapter
from supportbot.chat.telegram.limits import FloodLimiter
from supportbot.config import load_settings
from tests.e2e.inprocess import InProcessBot
from tests.e2e.support_telegram import config_text
from tests.fakes.telegram_api import FakeTelegram

TYPING = 1.0  # seconds of the manual clock each `say` takes


class TelegramBot(InProcessBot):
    """The Telegram side in this loop, with the chat as a transcript: say, press, shows."""

    def __init__(self, folder: Path, fake: FakeTelegram, clock, **config) -> None:
        self.fake = fake
        path = folder / "config.toml"
        path.write_text(config_text(folder, fake, now=clock.now(), **config), encoding="utf-8")
        app = build_app(load_settings(path, env={}), {"telegram"}, clock=clock)
        fake.clock = lambda: clock.now().timestamp()
        super().__init__(app, clock, TelegramAdapter(app.desk, telegram_options(app.settings),
                                                     limiter=FloodLimiter(clock=fake.clock)))

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
