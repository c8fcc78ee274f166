"""What every fuzzed example is checked for, on either platform: nothing escaped to the event loop or
was logged as an error, nothing was parked, no message was refused or given up, every payload valid.

The desk runs on SQLite in a temporary file (on tmpfs where the machine has one); after the first
tickets are made, the database is kept as a snapshot and put back before each example, so each example
starts from the same tickets and a failure replays the same way."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import sqlalchemy as sa

from supportbot import runtime
from supportbot.bootstrap import App, outbox_sender
from supportbot.db.tables import dead_letters, outbox
from tests.e2e.inprocess import InProcessBot

SHM = Path("/dev/shm")
# Log lines that say the bot met something it could not do; each is a finding.
TROUBLE = logging.WARNING
# Warnings the bot gives by design: an update python-telegram-bot cannot read is skipped and parked
# (stored_problems leaves it out too); a group that became a supergroup asks the operator to update the config.
EXPECTED = ("cannot be read", "telegram unparseable ", "put the new id in the config")


@contextmanager
def scratch_folder(fallback: Path) -> Iterator[Path]:
    """A folder for the fuzzed desk's database: in memory-backed storage when there is some (no fsync)."""
    if SHM.is_dir():
        with tempfile.TemporaryDirectory(dir=SHM, prefix="supportbot-fuzz-") as folder:
            yield Path(folder)
    else:
        yield fallback


class Trouble(logging.Handler):
    """Collects warnings, errors and exceptions the loop saw, while a fuzzed example runs."""

    def __init__(self) -> None:
        super().__init__(TROUBLE)
        self.found: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if any(line in record.getMessage() for line in EXPECTED):
            return
        self.found.append(f"{record.name} {record.levelname}: {record.getMessage()}"
                          + (" (with a traceback)" if record.exc_info else ""))

    def loop_exception(self, loop: asyncio.AbstractEventLoop, context: dict) -> None:
        self.found.append(f"escaped to the event loop: {context.get('message')} {context.get('exception')!r}")

    @contextmanager
    def watching(self) -> Iterator[Trouble]:
        root = logging.getLogger()
        loop = asyncio.get_running_loop()
        previous = loop.get_exception_handler()
        root.addHandler(self)
        loop.set_exception_handler(self.loop_exception)
        try:
            yield self
        finally:
            loop.set_exception_handler(previous)
            root.removeHandler(self)


class Snapshot:
    """The desk's database as it was once the first tickets were made, put back before each example with
    SQLite's backup API. Row ids then start again from the snapshot's, so whatever keeps rows in memory by
    id (the outbox sender) is made anew with it: see `fresh_sender`."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.copy = sqlite3.connect(":memory:")

    async def take(self) -> None:
        async with self._live() as live:
            live.backup(self.copy)

    async def restore(self) -> None:
        await self.app.database.dispose()  # no connection but the one restoring stays open
        async with self._live() as live:
            self.copy.backup(live)

    @asynccontextmanager
    async def _live(self) -> AsyncIterator[sqlite3.Connection]:
        async with self.app.database.engine.connect() as connection:
            raw = await connection.get_raw_connection()
            yield raw.driver_connection._conn  # aiosqlite's sqlite3 connection


async def stored_problems(app: App) -> list[str]:
    """Events parked because handling them failed, and messages given up, since the snapshot. An update
    python-telegram-bot cannot read (kind "unparseable") is parked by design: not a problem."""
    async with app.database.engine.connect() as db:
        parked = (await db.execute(sa.select(dead_letters.c.kind, dead_letters.c.error)
                                   .where(dead_letters.c.kind != "unparseable"))).all()
        dead = (await db.execute(sa.select(outbox.c.kind, outbox.c.last_error).where(outbox.c.status == "dead"))).all()
    return ([f"parked {kind}: {error}" for kind, error in parked]
            + [f"outbox {kind} given up: {error}" for kind, error in dead])


def fresh_sender(bot: InProcessBot) -> None:
    """A new outbox sender for the bot, as after a restart: the one before knew rows by ids the snapshot
    gives out again."""
    bot.pump = runtime.OutboxPump(outbox_sender(bot.app, bot.adapter.platform))
