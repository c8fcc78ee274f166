"""Starting and stopping the bot: schema check, platforms, outbox senders and the scheduler."""

from __future__ import annotations

import asyncio
import itertools
import logging
import sys
from datetime import timedelta
from typing import TYPE_CHECKING, Callable

from supportbot.bootstrap import App, console_chat_ids, sender_policy
from supportbot.chat.console import ConsoleChat, ConsolePlatform
from supportbot.chat.outbox_sender import BATCH, OutboxSender
from supportbot.db import migrate
from supportbot.scheduler import make_scheduler

if TYPE_CHECKING:
    from supportbot.chat.telegram_bot import TelegramOptions

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

        adapters.append(TelegramAdapter(app.desk, telegram_options(app)))
    if "discord" in app.platforms:
        from supportbot.chat.discord_bot import DiscordAdapter

        adapters.append(DiscordAdapter.from_app(app))
    pumps = [OutboxPump(OutboxSender(a.platform, uow=app.database, clock=app.deps.clock,
                                     policy=sender_policy(app.settings))) for a in adapters]
    for adapter, pump in zip(adapters, pumps):
        if hasattr(adapter, "on_commit"):  # the adapter says when it has queued something
            adapter.on_commit = pump.wake
    scheduler = make_scheduler(periodic_jobs(app, pumps))
    stop = asyncio.Event()
    try:
        for adapter in adapters:
            await adapter.start()
        scheduler.start()
        log.info("supportbot running on %s", ", ".join(sorted(app.platforms)))
        await _wait_for_signal(stop)
    finally:
        if scheduler.running:  # not yet when an adapter failed to start
            scheduler.shutdown(wait=False)
        for pump in pumps:
            await pump.close()
        for adapter in reversed(adapters):
            await adapter.stop()
        await app.database.dispose()


def telegram_options(app: App) -> "TelegramOptions":
    """The [telegram] settings as the adapter takes them (chat/ does not read config)."""
    from supportbot.chat.telegram_bot import TelegramOptions

    tg = app.settings.telegram
    return TelegramOptions(
        token=tg.token.get_secret_value(), api_base_url=tg.api_base_url, mode=tg.mode, poll_timeout=tg.poll_timeout,
        webhook_url=tg.webhook_url, webhook_listen=tg.webhook_listen, webhook_port=tg.webhook_port,
        webhook_secret=tg.webhook_secret.get_secret_value() if tg.webhook_secret else None,
    )


class OutboxPump:
    """One platform's outbox flushes, never two at once (order per chat): on the scheduler's beat,
    and right after an adapter queued something, so a reply does not wait for the next beat."""

    def __init__(self, sender: OutboxSender) -> None:
        self.sender = sender
        self.platform = sender.platform
        self._busy = False
        self._again = False
        self._closed = False
        self._tasks: set[asyncio.Task] = set()

    async def flush(self) -> None:
        """Flush until nothing due is left; a call while a flush runs makes it go round once more."""
        if self._busy or self._closed:
            self._again = True
            return
        self._busy = True
        try:
            while not self._closed:
                self._again = False
                try:
                    report = await self.sender.flush()
                except Exception:  # the scheduler's next beat tries again
                    log.exception("outbox flush for %s failed", self.platform.name)
                    return
                full = report.sent + report.retried + report.dead >= BATCH
                if not (self._again or full):
                    return
        finally:
            self._busy = False

    def wake(self) -> None:
        """Flush soon, without waiting for it."""
        if self._closed:
            return
        task = asyncio.get_running_loop().create_task(self.flush())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self, grace: float = 10.0) -> None:
        """No new flushes; let the one running finish."""
        self._closed = True
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=grace)


async def _wait_for_signal(stop: asyncio.Event) -> None:
    import signal

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
