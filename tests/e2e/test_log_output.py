"""The log an operator ships: `supportbot run` at DEBUG in JSON against the fake Bot API (webhook mode, the web
server, a GitHub link-up, a database URL with a password) never shows a secret, and each line is a JSON
object that says what it is about; the text format, with the bot in this process, likewise."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import urllib.request
import uuid

import pytest
import sqlalchemy as sa

from supportbot.db import migrate
from supportbot.db.engine import Database
from supportbot.logs import output
from supportbot.logs.redaction import secret_values
from tests.conftest import PG_URL, _admin, _pg_url_for
from tests.e2e import support_discord as discord_world
from tests.e2e.inprocess_discord import DiscordBot
from tests.e2e.inprocess_telegram import TelegramBot
from tests.e2e.support_discord import populate as populate_discord
from tests.e2e.support_telegram import ALICE, COURT, DAVE, TEAM, config_text, free_port, populate
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.telegram_api import FakeTelegram
from tests.support.bot_process import BotProcess, wait_until

pytestmark = pytest.mark.e2e

# Shaped as the real ones are, so a pattern that misses the real thing misses these too.
TOKEN = "7412345678:AAF3kQ9zXw2LmN8pR4tY6uV1bC5dE7gH0jK"
DISCORD_TOKEN = "MTE4NjQ2NzI5NTc0MDE2NjE0NA.GkP3aQ.xY9vK2mN8pR4tY6uV1bC5dE7gH0jKlMnOpQrS"
WEBHOOK_SECRET = "tg-hook_Q2xvdWQtd2ViaG9vay1zZWNyZXQtMTIz"
WEB_SECRET = "board-sessions-4f9a8c7e6d5b4a39281706f5e4d3c2b1"
GITHUB_TOKEN = "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
GITHUB_WEBHOOK_SECRET = "gh-hook-8d7c6b5a4f3e2d1c0b9a"
DB_PASSWORD = "Pg-pa55word-n3ver-logged"
SECRETS = (TOKEN, TOKEN.split(":")[1], WEBHOOK_SECRET, WEB_SECRET, GITHUB_TOKEN, GITHUB_WEBHOOK_SECRET, DB_PASSWORD)
REPORT = "Staking on the court page fails with 'execution reverted' after I confirm in MetaMask."
SIGN_IN = re.compile(r"(https?://\S+)/login/([A-Za-z0-9_-]+)")


@pytest.fixture
def pg_url_with_password():
    """A migrated PostgreSQL database of this test's own, its URL with a password; None without a server
    (the bot then runs on SQLite, whose URL has no password)."""
    if not PG_URL:
        yield None
        return
    name = f"supportbot_logs_{uuid.uuid4().hex[:10]}"
    _admin(f'CREATE DATABASE "{name}"')
    url = with_password(_pg_url_for(name))

    async def upgrade() -> None:
        db = Database.from_url(url)
        try:
            await migrate.upgrade(db.engine)
        finally:
            await db.dispose()

    try:
        asyncio.run(upgrade())
        yield url
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def fake():
    with FakeTelegram(TOKEN, bot_username="supportbot_test_bot") as server:
        populate(server)
        yield server


def secret_config(tmp_path, fake: FakeTelegram, hook_port: int, *, log_format: str, database: str | None = None) -> str:
    """The e2e config with every kind of secret set: webhook mode, the board, a GitHub link-up (and a database
    URL with a password when one is given)."""
    webhook = (f'mode = "webhook"\nwebhook_url = "https://bot.example.org/tg/hook"\nwebhook_listen = "127.0.0.1"\n'
               f'webhook_port = {hook_port}\nwebhook_secret = "{WEBHOOK_SECRET}"')
    extra = (f'\n[web]\nsecret = "{WEB_SECRET}"\npublic_url = "https://support.example.org"\n'
             # Nothing listens on the discard port: a GitHub call, if any, fails at once.
             f'\n[github]\ntoken = "{GITHUB_TOKEN}"\nwebhook_secret = "{GITHUB_WEBHOOK_SECRET}"\n'
             f'api_base_url = "http://127.0.0.1:9"\n')
    text = config_text(tmp_path, fake, telegram_extra=webhook, extra=extra)
    if database:
        text = re.sub(r'(?m)^url = "sqlite.*"$', f'url = "{database}"', text)
    return text.replace('log_level = "INFO"', f'log_level = "DEBUG"\nlog_format = "{log_format}"')


def with_password(url: str) -> str:
    """The test server's URL with a password in it (the local server trusts 127.0.0.1 and ignores it)."""
    parsed = sa.engine.make_url(url)
    return parsed.set(password=parsed.password or DB_PASSWORD).render_as_string(hide_password=False)


def push(port: int, update: dict) -> int:
    """Telegram POSTs an update to the bot's webhook, with the secret header; the bot's answer code."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}/tg/hook", data=json.dumps(update).encode(),
                                     headers={"Content-Type": "application/json",
                                              "X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return answer.status


def deliver(fake: FakeTelegram, port: int) -> list[int]:
    """Push every update the fake holds to the webhook; their ids."""
    updates = fake.pending_updates()
    for update in updates:
        assert push(port, update) == 200
        with fake.lock:  # as Telegram forgets an update the webhook answered 200
            fake.take_updates({"offset": update["update_id"] + 1})
    return [u["update_id"] for u in updates]


def assert_no_secret(log: str, *more: str) -> None:
    for secret in (*SECRETS, *more):
        assert secret not in log, f"{secret!r} is in the log"


def test_the_json_log_at_debug_carries_context_and_no_secret(fake, tmp_path, pg_url_with_password):
    hook = free_port()
    path = tmp_path / "config.toml"
    path.write_text(secret_config(tmp_path, fake, hook, log_format="json", database=pg_url_with_password),
                    encoding="utf-8")
    bot = BotProcess(tmp_path, path).start()
    try:
        wait_until(lambda: fake.webhook["url"], 30, message="the webhook was not set", bot=bot)
        fake.post_message(COURT, DAVE, REPORT)
        [report_update] = deliver(fake, hook)
        fake.wait_for_message(COURT, "Ticket #1")
        fake.post_message(ALICE, ALICE, "/dashboard")
        deliver(fake, hook)
        link = SIGN_IN.search(fake.wait_for_message(ALICE, "/login/")["text"])
        fake.wait_for_message(TEAM, "New ticket #1")
    finally:
        assert bot.stop() == 0, bot.log_tail()
    log = bot.log().split("=====\n", 1)[1]
    assert_no_secret(log, link.group(2))

    lines = [json.loads(line) for line in log.splitlines() if line.strip()]
    assert all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    about_report = [line for line in lines if line.get("update") == report_update]
    assert about_report, "no line names the report's update"
    done = about_report[-1]
    assert (done["platform"], done["chat"], done["ticket"], done["message"]) == ("telegram", COURT, 1,
                                                                                 "telegram: update done")
    assert isinstance(done["duration_ms"], float) and done["duration_ms"] >= 0
    sent = [line for line in lines if line.get("chat") == COURT and line["message"].endswith(": sent")]
    assert sent and sent[0]["platform"] == "telegram" and isinstance(sent[0]["outbox"], int), "no line about the send"


# --- the text format, with the bot in this process ------------------------------------------------------


@pytest.fixture
def text_log():
    """The log set up as `supportbot run` does, in the text format at DEBUG, into a string; put back after."""
    loggers = [logging.getLogger(name) for name in ("", *output.QUIET, *output.PER_CALL)]
    levels = [logger.level for logger in loggers]
    stream = io.StringIO()

    def configure(settings) -> None:
        output.configure(level="DEBUG", fmt="text", secrets=secret_values(settings), stream=stream)

    yield configure, stream
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.get_name() == "supportbot"]:
        root.removeHandler(handler)
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)
    logging.captureWarnings(False)


async def test_the_text_log_at_debug_shows_context_compactly_and_no_secret(fake, tmp_path, clock, text_log):
    configure, stream = text_log
    extra = (f'\n[web]\nsecret = "{WEB_SECRET}"\npublic_url = "https://support.example.org"\n'
             f'\n[github]\ntoken = "{GITHUB_TOKEN}"\nwebhook_secret = "{GITHUB_WEBHOOK_SECRET}"\n'
             f'api_base_url = "http://127.0.0.1:9"\n')
    bot = TelegramBot(tmp_path, fake, clock, extra=extra)
    configure(bot.app.settings)
    await bot.start()
    try:
        await bot.say(COURT, DAVE, REPORT)
        await bot.say(ALICE, ALICE, "/dashboard")
        link = SIGN_IN.search(bot.shows(ALICE, "/login/")["text"])
    finally:
        await bot.stop()
    log = stream.getvalue()
    assert_no_secret(log, link.group(2))
    assert "/bot<redacted>/sendMessage" in log  # the Bot API's URLs are logged, with the token masked
    done = [line for line in log.splitlines() if line.endswith("telegram: update done")]
    assert any(re.search(rf"\[telegram chat={COURT} update=\d+ ticket=#1 [\d.]+ms\] ", line) for line in done), done
    sent = rf"\[telegram chat={COURT} outbox=\d+ [\d.]+ms\] outbox row \d+: sent"
    assert re.search(sent, log), "no line about the acknowledgement's send"


async def test_discord_events_say_what_they_are_about_and_the_token_and_link_stay_out(tmp_path, clock, text_log):
    configure, stream = text_log
    with FakeDiscord(token=DISCORD_TOKEN, heartbeat_interval=5000) as fake:
        populate_discord(fake)
        bot = DiscordBot(tmp_path, fake, clock)
        configure(bot.app.settings)
        await bot.start()
        try:
            report = fake.post_message(discord_world.COURT, discord_world.DAVE, discord_world.REPORT)
            await bot.handled(report)
            await bot.slash(discord_world.TEAM, discord_world.ALICE, "dashboard")
            dm = await bot.until(lambda: fake.dm_channels().get(discord_world.ALICE), "a direct message to Alice")
            link = SIGN_IN.search((await bot.posted(dm, "sign-in link"))["content"])
        finally:
            await bot.stop()
    log = stream.getvalue()
    assert DISCORD_TOKEN not in log and link.group(2) not in log
    done = rf"\[discord chat={discord_world.COURT} update={report} ticket=#1 [\d.]+ms\] discord: event done"
    assert re.search(done, log), [line for line in log.splitlines() if "event done" in line]
    assert re.search(rf"\[discord chat={discord_world.TEAM} outbox=\d+ [\d.]+ms\] outbox row \d+: sent", log)
