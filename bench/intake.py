"""Intake throughput: reports pushed through the desk on SQLite vs a bare SQLite insert-and-commit loop.

Both run on the same disk with the same durability settings (WAL, synchronous=FULL), one commit per
report, so the ratio shows what the desk costs on top of the database's own commit.

    python bench/intake.py [--reports 10000] [--dir /path/on/the/disk/to/measure]
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from supportbot.bootstrap import build_app
from supportbot.config import load_settings
from supportbot.db import migrate
from supportbot.domain.people import Sender
from supportbot.services.ports import IncomingMessage

REPORT = ("The court page shows 'execution reverted' when I stake on mainnet from "
          "0x1234567890123456789012345678901234567890 using MetaMask on Chrome (report {n})")


def bare_loop(folder: Path, count: int) -> float:
    """Rows per second for a plain insert + commit per row, same pragmas as the desk."""
    connection = sqlite3.connect(folder / "bare.db", isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute("CREATE TABLE reports (id INTEGER PRIMARY KEY, chat INTEGER, message INTEGER, text TEXT, "
                       "UNIQUE (chat, message))")
    started = time.perf_counter()
    for n in range(count):
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("INSERT INTO reports (chat, message, text) VALUES (?, ?, ?)", (100, n, REPORT.format(n=n)))
        connection.execute("COMMIT")
    elapsed = time.perf_counter() - started
    connection.close()
    return count / elapsed


async def desk_loop(folder: Path, count: int) -> tuple[float, int]:
    """Tickets per second through Desk.handle_message (ticket, event, message link, card, team notice)."""
    settings = load_settings(None, env={"DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'desk.db'}"})
    app = build_app(settings, {"console"})
    await migrate.upgrade(app.database.engine)
    chat = next(iter(app.deps.directory.products)).chats["console"][0]
    now = datetime.now(UTC)
    started = time.perf_counter()
    for n in range(count):
        sender = Sender("console", 10_000 + n % 500, f"user{n % 500}")
        await app.desk.handle_message(IncomingMessage("console", chat, n + 1, sender, REPORT.format(n=n), now))
    elapsed = time.perf_counter() - started
    async with app.database() as uow:
        made = len(await uow.tickets.list(limit=count + 10))
    await app.database.dispose()
    return count / elapsed, made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--dir", type=Path, default=None, help="folder on the disk to measure (default: a temp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir, prefix="supportbot-bench-") as name:
        folder = Path(name)
        bare = bare_loop(folder, args.reports)
        desk, made = asyncio.run(desk_loop(folder, args.reports))
    print(f"reports:               {args.reports}")
    print(f"bare SQLite loop:      {bare:8.0f} rows/s   (insert + commit, WAL, synchronous=FULL)")
    print(f"desk intake:           {desk:8.0f} tickets/s ({made} tickets stored)")
    print(f"ratio desk / bare:     {desk / bare:8.2f}   (aim: >= 0.50)")


if __name__ == "__main__":
    main()
