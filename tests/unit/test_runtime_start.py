"""Platforms start independently: one that cannot connect delays only itself; a refused token ends the run."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import discord
import pytest
from conftest import ManualClock, sqlite_url

from supportbot import bootstrap_serving, runtime
from supportbot.bootstrap import App, build_app
from supportbot.chat.telegram.bot import TokenRejected
from supportbot.config import load_settings
from supportbot.db import migrate
from supportbot.db.engine import Database
from supportbot.domain.people import Sender
from supportbot.services.outbox import Delivered, OutboxItem
from supportbot.services.ports import IncomingMessage

TG_EMERGENCY, TG_TEAM = -100900, -100500
DC_EMERGENCY, DC_TEAM = 3900, 3001
# Safety net against a hang; every wait below ends on a positive signal long before.
NO_HANG = 20

CONFIG = f"""
[business_hours]
timezone = "UTC"

[[people]]
name = "Alice"
telegram_id = 1001
discord_id = 2001
roles = ["engineer"]

[oncall]
rotation = ["Alice"]
team_telegram_chat = {TG_TEAM}
team_discord_channel = {DC_TEAM}

[[products]]
key = "court"
name = "Court v2"
telegram_chats = [-100101]
discord_channels = [3101]

[emergency]
telegram_chats = [{TG_EMERGENCY}]
discord_channels = [{DC_EMERGENCY}]
"""


class FakeChat:
    """A platform's chat as the outbox reaches it: every message delivered, in order."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.sent: list[OutboxItem] = []
        self._changed = asyncio.Event()

    async def send(self, item: OutboxItem) -> Delivered:
        self.sent.append(item)
        self._changed.set()
        return Delivered(1000 + len(self.sent))  # past the ids of the messages users sent

    async def edit(self, item, card) -> None:
        self._changed.set()

    async def delete(self, item) -> None:
        self._changed.set()

    async def received(self, wanted: Callable[[OutboxItem], bool]) -> OutboxItem:
        """The first delivered message `wanted` accepts, once it has arrived."""
        async with asyncio.timeout(NO_HANG):
            while True:
                found = [item for item in self.sent if wanted(item)]
                if found:
                    return found[0]
                self._changed.clear()
                await self._changed.wait()


class FakeAdapter:
    """An adapter whose start blocks until the test lets it connect, or fails as told."""

    def __init__(self, name: str, *, connected: bool = True, failures: tuple[BaseException, ...] = ()) -> None:
        self.platform = FakeChat(name)
        self.on_commit: Callable[[], None] = lambda: None
        self.connect = asyncio.Event()
        if connected:
            self.connect.set()
        self.failures = list(failures)
        self.starts = 0
        self.started = asyncio.Event()
        self.stopped = False

    async def start(self) -> None:
        self.starts += 1
        if self.failures:
            raise self.failures.pop(0)
        await self.connect.wait()
        self.started.set()

    async def stop(self) -> None:
        self.stopped = True


def served(telegram: FakeAdapter, discord_adapter: FakeAdapter) -> list[bootstrap_serving.Served]:
    return [bootstrap_serving.Served(telegram, TokenRejected, bootstrap_serving.TELEGRAM_TOKEN_REJECTED),
            bootstrap_serving.Served(discord_adapter, discord.LoginFailure, bootstrap_serving.DISCORD_TOKEN_REJECTED)]


async def no_pause(_seconds: float) -> None:
    """Restarts in tests wait for nothing."""


@pytest.fixture
async def app(tmp_path: Path, clock: ManualClock):
    config = tmp_path / "config.toml"
    config.write_text(CONFIG, encoding="utf-8")
    database = Database.from_url(sqlite_url(tmp_path))
    await migrate.upgrade(database.engine)
    built = build_app(load_settings(config, env={}), {"telegram", "discord"}, clock=clock, database=database)
    yield built
    await database.dispose()


async def emergency(app: App, platform: str, chat_id: int, text: str) -> None:
    msg = IncomingMessage(platform, chat_id, 1, Sender(platform, 5001, "dave"), text, app.deps.clock.now())
    await app.desk.handle_message(msg)


def unanswered(number: int) -> Callable[[OutboxItem], bool]:
    return lambda item: f"Emergency #{number} " in item.text and "no response" in item.text


async def test_discord_and_the_sweep_run_while_telegram_cannot_connect(app: App, clock: ManualClock) -> None:
    await emergency(app, "discord", DC_EMERGENCY, "Staking is down for everyone on court")  # ticket #1
    await emergency(app, "telegram", TG_EMERGENCY, "Withdrawals fail for everyone on court")  # ticket #2
    clock.advance(hours=2)  # both are an hour past their first response
    telegram, discord_adapter = FakeAdapter("telegram", connected=False), FakeAdapter("discord")
    stop = asyncio.Event()
    run = asyncio.create_task(runtime.serve(app, served(telegram, discord_adapter), stop=stop, pause=no_pause))

    notice = await discord_adapter.platform.received(unanswered(1))

    assert notice.chat_id in (DC_EMERGENCY, DC_TEAM)
    assert discord_adapter.started.is_set() and not telegram.started.is_set()
    assert app.health.platform_states() == {"discord": "connected", "telegram": "connecting"}  # for /healthz
    assert app.health.last_sweep_at == clock.now()
    assert telegram.platform.sent == []  # its messages wait for it, in order
    telegram.connect.set()  # Telegram is back
    late = await telegram.platform.received(unanswered(2))
    assert late.chat_id in (TG_EMERGENCY, TG_TEAM)
    assert app.health.platform_states() == {"discord": "connected", "telegram": "connected"}
    stop.set()
    await asyncio.wait_for(run, NO_HANG)
    assert telegram.stopped and discord_adapter.stopped


async def test_stop_while_a_platform_is_still_connecting_is_clean(app: App) -> None:
    telegram, discord_adapter = FakeAdapter("telegram", connected=False), FakeAdapter("discord")
    stop = asyncio.Event()
    run = asyncio.create_task(runtime.serve(app, served(telegram, discord_adapter), stop=stop, pause=no_pause))
    await asyncio.wait_for(discord_adapter.started.wait(), NO_HANG)

    stop.set()
    await asyncio.wait_for(run, NO_HANG)

    assert telegram.stopped and discord_adapter.stopped and not telegram.started.is_set()


async def test_a_start_that_cannot_reach_its_platform_is_tried_again(app: App) -> None:
    telegram = FakeAdapter("telegram", failures=(OSError("network is unreachable"), TimeoutError()))
    discord_adapter = FakeAdapter("discord")
    stop = asyncio.Event()
    run = asyncio.create_task(runtime.serve(app, served(telegram, discord_adapter), stop=stop, pause=no_pause))

    await asyncio.wait_for(telegram.started.wait(), NO_HANG)
    stop.set()
    await asyncio.wait_for(run, NO_HANG)

    assert telegram.starts == 3


@pytest.mark.parametrize("platform, error, line", [
    ("telegram", TokenRejected("Telegram rejected the bot token (401)"), "Telegram rejected the bot token (401)"),
    ("discord", discord.LoginFailure("Improper token has been passed."), "Discord rejected the bot token (401)"),
])
async def test_a_rejected_token_ends_the_run_with_one_line(app: App, platform: str, error: BaseException,
                                                             line: str) -> None:
    refused = FakeAdapter(platform, failures=(error,))
    other = FakeAdapter("discord" if platform == "telegram" else "telegram", connected=False)
    adapters = (refused, other) if platform == "telegram" else (other, refused)

    with pytest.raises(runtime.TokenRefused) as ended:
        await asyncio.wait_for(runtime.serve(app, served(*adapters), stop=asyncio.Event(), pause=no_pause), NO_HANG)

    assert str(ended.value) == line
    assert refused.starts == 1 and refused.stopped and other.stopped


async def test_a_start_that_fails_on_a_setting_ends_the_run_with_its_reason(app: App) -> None:
    refused_intent = discord.PrivilegedIntentsRequired(None)
    telegram, discord_adapter = FakeAdapter("telegram", connected=False), FakeAdapter("discord", failures=(refused_intent,))

    with pytest.raises(discord.PrivilegedIntentsRequired):
        await asyncio.wait_for(runtime.serve(app, served(telegram, discord_adapter), stop=asyncio.Event(),
                                             pause=no_pause), NO_HANG)

    assert discord_adapter.starts == 1 and telegram.stopped and discord_adapter.stopped
