"""Fixtures for the end-to-end tests that run the bot in the test's event loop."""

from __future__ import annotations

import pytest

from tests.e2e.inprocess_telegram import TelegramBot
from tests.e2e.support_telegram import populate
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
