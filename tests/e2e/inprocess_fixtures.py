"""Fixtures for the end-to-end tests that run the bot in the test's event loop (Telegram and Discord).

Imported by the test modules that use them: a conftest.py here would be imported as `conftest` and hide
tests/conftest.py from the modules that import from it."""

from __future__ import annotations

import pytest

from tests.e2e.inprocess_discord import DiscordBot
from tests.e2e.inprocess_telegram import TelegramBot
from tests.e2e.support_discord import populate as populate_discord
from tests.e2e.support_telegram import populate
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.telegram_api import FakeTelegram


@pytest.fixture
def telegram():
    """The fake Bot API with the chats and people every Telegram test starts with."""
    with FakeTelegram(bot_username="supportbot_test_bot") as server:
        populate(server)
        yield server


@pytest.fixture
async def telegram_bot(tmp_path, telegram, clock):
    """Start the Telegram bot in this loop (config keywords as for config_text); stopped at the end."""
    bots: list[TelegramBot] = []

    async def start(**config) -> TelegramBot:
        bots.append(await TelegramBot(tmp_path, telegram, clock, **config).start())
        return bots[-1]

    yield start
    for bot in bots:
        await bot.stop()


@pytest.fixture
def discord():
    """The fake Discord with the server, channels and people every Discord test starts with."""
    with FakeDiscord(heartbeat_interval=5000) as server:
        populate_discord(server)
        yield server


@pytest.fixture
async def discord_bot(tmp_path, discord, clock, caplog):
    """Start the Discord bot in this loop (config keywords as for config_text); stopped at the end, and
    no traceback logged meanwhile."""
    bots: list[DiscordBot] = []

    async def start(**config) -> DiscordBot:
        bots.append(await DiscordBot(tmp_path, discord, clock, **config).start())
        return bots[-1]

    yield start
    for bot in bots:
        await bot.stop()
    assert "Traceback" not in caplog.text
