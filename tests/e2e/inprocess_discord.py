"""supportbot's Discord side in the test's event loop: discord.py against the fake gateway and REST server,
the desk on a manual clock (see inprocess.py), with the questions the Discord tests ask."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from supportbot.bootstrap import build_app
from supportbot.bootstrap_serving import discord_options
from supportbot.chat.discord.bot import DiscordAdapter
from supportbot.config import load_settings
from tests.e2e.inprocess import InProcessBot, until
from tests.e2e.support_discord import config_text, text_of
from tests.fakes.discord_api import FakeDiscord

GUILD_READY = 0.05


class DiscordBot(InProcessBot):
    """The Discord side in this loop; `handled(ids)` waits until the bot has seen those messages."""

    def __init__(self, folder: Path, fake: FakeDiscord, clock, **config) -> None:
        self.fake = fake
        path = folder / "config.toml"
        path.write_text(config_text(folder, fake, now=clock.now(), **config), encoding="utf-8")
        app = build_app(load_settings(path, env={}), {"discord"}, clock=clock)
        options = discord_options(app.settings)
        # The fake sends every server at once: no need to wait discord.py's 2 s for more.
        super().__init__(app, clock, DiscordAdapter(app.desk, options, guild_ready_timeout=GUILD_READY))
        self.seen: set[int] = set()  # ids of the messages the adapter has handled (its own among them)
        handle = self.adapter.message

        async def message(msg) -> None:
            try:
                await handle(msg)
            finally:
                self.seen.add(msg.id)

        self.adapter.message = message

    async def handled(self, *message_ids: int) -> None:
        """The bot has handled these messages (a positive signal, not a pause) and sent what they caused."""
        await until(lambda: self.seen.issuperset(message_ids), f"messages {message_ids} handled")
        await self.settle()

    async def query(self, sql: str, *args: Any) -> list[tuple]:
        """Rows straight from the bot's database."""
        async with self.app.database.engine.connect() as db:
            return [tuple(row) for row in (await db.exec_driver_sql(sql, args)).fetchall()]

    # --- what users see -------------------------------------------------------------------------

    def state(self) -> str:
        return self.fake.dump()

    async def posted(self, channel_id: int, contains: str = "") -> dict:
        """A (not deleted, not ephemeral) bot message in the channel whose text contains `contains`."""
        return await self.until(lambda: next((m for m in self.fake.messages(channel_id) if not m["deleted"]
                                              and not m["ephemeral"] and contains in text_of(m)), None),
                                f"a bot message containing {contains!r} in {channel_id}")

    async def thread_on(self, message_id: int) -> dict:
        """The thread the bot opened on a message."""
        return await self.until(lambda: next((t for t in self.fake.threads() if t["starter_message_id"] == message_id
                                              and t["created_by_bot"]), None), f"a thread on message {message_id}")

    async def card(self, channel_id: int) -> dict:
        """The (current) ticket card in a channel or thread."""
        return await self.until(lambda: self.card_now(channel_id), f"a card in {channel_id}")

    def card_now(self, channel_id: int) -> dict | None:
        messages = [m for m in self.fake.messages(channel_id) if m["embeds"] and not m["deleted"]]
        return next((m for m in messages if m["components"]), None) or next(iter(messages), None)

    async def response(self, interaction_id: int) -> dict:
        """The answer to an interaction (the first one carrying text)."""
        return await self.until(lambda: next((r for r in self.fake.interaction_responses(interaction_id)
                                              if r["content"]), None), f"an answer to interaction {interaction_id}")

    async def slash(self, channel_id: int, user_id: int, name: str, **options: Any) -> dict:
        """Run a slash command; its answer, once what it caused is sent."""
        answer = await self.response(self.fake.slash(channel_id, user_id, name, options))
        await self.settle()
        return answer

    async def press(self, channel_id: int, message_id: int, user_id: int, custom_id: str) -> dict:
        """Press a button; its answer, once what it caused is sent."""
        answer = await self.response(self.fake.press(channel_id, message_id, user_id, custom_id))
        await self.settle()
        return answer
