"""Starting and stopping the bot: schema check, platforms, outbox senders and the scheduler."""

from __future__ import annotations

import asyncio
import itertools
import logging
import sys
from datetime import timedelta
from typing import Callable

from supportbot.bootstrap import App, console_chat_ids, sender_policy
from supportbot.chat.console import ConsoleChat, ConsolePlatform
from supportbot.chat.outbox_sender import OutboxSender
from supportbot.db import migrate
from supportbot.scheduler import make_scheduler

log = logging.getLogger(__name__)


class SchemaOutdated(Exception):
    """The database schema is older than this version of supportbot."""


async def prepare_database(app: App) -> None:
    """SQLite is upgraded in place; PostgreSQL must be upgraded on purpose, so refuse to start."""
    engine = app.database.engine
    if engine.dialect.name == "sqlite":
        await migrate.upgrade(engine)
        return
    current, head = await migrate.current_revision(engine), migrate.head_revision()
    if current != head:
        raise SchemaOutdated(
            f"The database schema is at {current or 'nothing'} but this version needs {head}. "
            "Run `supportbot db upgrade` (with the same config) first."
        )


def periodic_jobs(app: App, senders: list[OutboxSender]) -> list:
    """The scheduler's jobs: one outbox flush per platform, and the escalation sweep."""
    every = app.settings.scheduler.outbox_interval.as_timedelta()
    jobs = [(f"outbox-{s.platform.name}", s.flush, every) for s in senders]
    if app.sweeper is not None:
        jobs.append(("sweep", app.sweeper.sweep, app.settings.scheduler.sweep_interval.as_timedelta()))
        if app.deps.oncall is not None:
            jobs.append(("shift-reminder", app.deps.oncall.remind, timedelta(minutes=1)))
    return jobs


async def run_console(app: App, *, stream=sys.stdin, write: Callable[[str], None] = print,
                      echo: bool | None = None) -> None:
    """The local console chat until end of input."""
    await prepare_database(app)
    ids = itertools.count(1)
    places = console_chat_ids(app.settings)
    platform = ConsolePlatform(write, {v: k for k, v in places.items()}, ids)
    sender = OutboxSender(platform, uow=app.database, clock=app.deps.clock, policy=sender_policy(app.settings))
    chat = ConsoleChat(app.desk, sender, places, write, ids,
                       echo=(not stream.isatty()) if echo is None else echo)
    scheduler = make_scheduler(periodic_jobs(app, [sender]))
    scheduler.start()
    try:
        await chat.flush()
        await chat.run(stream)
        await chat.flush()
    finally:
        scheduler.shutdown(wait=False)
        await app.database.dispose()


async def run_platforms(app: App) -> None:
    """Serve Telegram and/or Discord until stopped."""
    await prepare_database(app)
    adapters = []
    if "telegram" in app.platforms:
        from supportbot.chat.telegram_bot import TelegramAdapter

        adapters.append(TelegramAdapter.from_app(app))
    if "discord" in app.platforms:
        from supportbot.chat.discord_bot import DiscordAdapter

        adapters.append(DiscordAdapter.from_app(app))
    senders = [OutboxSender(a.platform, uow=app.database, clock=app.deps.clock,
                            policy=sender_policy(app.settings)) for a in adapters]
    scheduler = make_scheduler(periodic_jobs(app, senders))
    stop = asyncio.Event()
    try:
        for adapter in adapters:
            await adapter.start()
        scheduler.start()
        log.info("supportbot running on %s", ", ".join(sorted(app.platforms)))
        await _wait_for_signal(stop)
    finally:
        scheduler.shutdown(wait=False)
        for adapter in reversed(adapters):
            await adapter.stop()
        await app.database.dispose()


async def _wait_for_signal(stop: asyncio.Event) -> None:
    import signal

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
