"""Discord as users start it: `supportbot run` as a process against the fake Discord (a refused intent; one
process serving Telegram and Discord). The chat itself is tested in this process: test_discord_chat.py."""

from __future__ import annotations

import importlib.util

import pytest

from tests.e2e.support_discord import ALICE, COURT, DAVE, REPORT, TEAM, World, config_text, populate
from tests.fakes.discord_api import FakeDiscord
from tests.support.bot_process import BotProcess

pytestmark = pytest.mark.e2e


@pytest.fixture
def fake():
    with FakeDiscord(heartbeat_interval=5000) as server:
        populate(server)
        yield server


def test_a_refused_intent_stops_the_bot_with_the_reason(tmp_path):
    with FakeDiscord(allowed_privileged_intents=0) as fake:
        populate(fake)
        path = tmp_path / "config.toml"
        path.write_text(config_text(tmp_path, fake), encoding="utf-8")
        bot = BotProcess(tmp_path, path).start()
        try:
            bot.proc.wait(30)
        finally:
            bot.stop()
        assert bot.proc.returncode != 0
        assert "Message Content Intent" in bot.log()


@pytest.mark.skipif(importlib.util.find_spec("supportbot.chat.telegram.bot") is None,
                    reason="the Telegram adapter is not there yet")
def test_one_process_serves_telegram_and_discord(tmp_path, fake):
    from tests.fakes.telegram_api import FakeTelegram

    court_group, tg_reporter = -100101, 7001
    with FakeTelegram() as telegram:
        telegram.add_chat(court_group, title="Court support")
        telegram.add_user(tg_reporter, "Tom")
        path = tmp_path / "config.toml"
        path.write_text(config_text(tmp_path, fake, telegram={
            "token": telegram.token, "api_base_url": telegram.base_url, "court": court_group}), encoding="utf-8")
        world = World(fake, BotProcess(tmp_path, path))
        try:
            world.start()
            telegram.post_message(court_group, tg_reporter, "The court page crashes when I open my stakes on mainnet")
            world.wait(lambda: telegram.bot_messages(court_group), "the Telegram acknowledgement")
            listing = world.slash(TEAM, ALICE, "tickets")
            assert "#1" in listing["content"] and "crashes when I open my stakes" in listing["content"]
            report = fake.post_message(COURT, DAVE, REPORT)
            world.thread_on(report)
            listing = world.slash(TEAM, ALICE, "tickets")
            assert "#1" in listing["content"] and "#2" in listing["content"]
        finally:
            assert world.bot.stop() == 0, world.bot.log_tail()
