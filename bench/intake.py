"""Intake throughput: reports through the desk beside a bare SQLAlchemy Core loop writing the same rows.

For each report the desk stores the ticket, bumps the ticket counter, writes the history event, the
link to the platform message and two outbox rows (the acknowledgement card and the team notice), in
one transaction. The baseline is a plain loop of prebuilt Core statements writing exactly those rows,
one transaction per report, into a database of the same schema (migrated the same way, so the same
tables and indexes) on the same engine settings (SQLite: WAL, synchronous=FULL, the app's connection;
PostgreSQL: asyncpg). The ratio desk / baseline is what the desk's own work costs on top of the
database's; the aim is >= 0.50. In each run both write to fresh databases of their own, taking turns
every 50 reports (A B B A ...), so both meet the same load from the rest of the machine.

    .venv/bin/python bench/intake.py [--reports 1000] [--runs 3] [--dir /path/on/the/disk]
    .venv/bin/python bench/intake.py --pg postgresql+asyncpg://postgres@127.0.0.1:5432/test

PostgreSQL runs when --pg or SUPPORTBOT_TEST_DATABASE_URL is given; each run creates and drops a
database of its own next to the one named.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from supportbot.bootstrap import build_app
from supportbot.config import load_settings
from supportbot.db import migrate
from supportbot.db.engine import make_engine
from supportbot.db.tables import counters, outbox, platform_messages, ticket_events, tickets
from supportbot.domain.people import Sender
from supportbot.services.ports import IncomingMessage

REPORT = ("The court page shows 'execution reverted' when I stake on mainnet from "
          "0x1234567890123456789012345678901234567890 using MetaMask on Chrome (report {n})")
CHAT = 100  # the first product's console chat in the embedded defaults
TEAM_CHAT = 500
WARM_UP = 20  # reports before the clock starts, in both loops (statement caches, first pages)
CHUNK = 50  # reports one loop writes before the other takes its turn

BUMP = (sa.update(counters).where(counters.c.name == "ticket_number")
        .values(value=counters.c.value + 1).returning(counters.c.value))
INSERT_TICKET = sa.insert(tickets).returning(tickets.c.id)
INSERT_LINK = sa.insert(platform_messages)
INSERT_EVENT = sa.insert(ticket_events)
INSERT_OUTBOX = sa.insert(outbox)


@dataclass
class Figures:
    """Reports per second (wall) and CPU milliseconds per report of one loop, run by run."""

    rates: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)


def _rows(n: int, now: datetime) -> tuple[dict, list[dict]]:
    """The ticket of report n and its two outbox rows, as the desk fills them (same texts, same lengths)."""
    text = REPORT.format(n=n)
    title = "The court page shows 'execution reverted' when I stake on mainnet from…"
    ticket = dict(
        number=n, product="court", severity="normal", status="received", resolution=None, title=title,
        body=text, reporter_platform="console", reporter_id=10_000 + n % 500, reporter_name=f"user{n % 500}",
        assignee=None, pr_links=[], missing=["screenshots, if relevant"], security=False, source_platform="console",
        source_chat_id=CHAT, source_message_id=n, thread_id=None, created_at=now, first_response_at=None,
        last_activity_at=now, resolved_at=None, interactions=1, escalation_level=0, last_escalation_at=None,
        first_response_missed_notified=False, next_due_at=now + timedelta(days=1),
    )
    card = (f"🔴 Ticket #{n} received — Court v2 · 🐛 normal\n{title}\nTo help us, please add:\n"
            f"• screenshots, if relevant\nFirst response due by Thu 3 Dec 16:12 (Europe/Paris).")
    messages = [
        dict(platform="console", chat_id=CHAT, thread_id=None, reply_to=n, kind="card", text=card, mentions=[],
             payload={"ticket_number": n, "buttons": ["take", "in_progress", "fix_provided", "resolved"]},
             dedupe_key=None, status="pending", attempts=0, created_at=now, next_attempt_at=now),
        dict(platform="console", chat_id=TEAM_CHAT, thread_id=None, reply_to=None, kind="message",
             text=f"🐛 New ticket #{n} for Court v2 (owner: Carol): {title}", mentions=[], payload={},
             dedupe_key=None, status="pending", attempts=0, created_at=now, next_attempt_at=now),
    ]
    return ticket, messages


class CoreLoop:
    """The baseline: prebuilt Core statements writing one report's rows, one transaction per report."""

    async def open(self, url: str) -> None:
        self.engine = make_engine(url)
        await migrate.upgrade(self.engine)
        self.now = datetime.now(UTC)

    async def one(self, n: int) -> None:
        ticket, messages = _rows(n, self.now)
        async with self.engine.begin() as conn:
            ticket["number"] = (await conn.execute(BUMP)).scalar_one()
            ticket_id = (await conn.execute(INSERT_TICKET, ticket)).scalar_one()
            await conn.execute(INSERT_LINK, dict(platform="console", chat_id=CHAT, message_id=n, thread_id=None,
                                                 ticket_id=ticket_id, role="report"))
            await conn.execute(INSERT_EVENT, dict(ticket_id=ticket_id, at=self.now, actor=f"user{n % 500}",
                                                  kind="created", detail="normal ticket from console"))
            await conn.execute(INSERT_OUTBOX, [dict(m, ticket_id=ticket_id) for m in messages])

    async def close(self, reports: int) -> None:
        await self.engine.dispose()


class DeskLoop:
    """Reports through Desk.handle_message, as an adapter hands them over."""

    async def open(self, url: str) -> None:
        self.app = build_app(load_settings(None, env={"DATABASE_URL": url}), {"console"})
        await migrate.upgrade(self.app.database.engine)
        self.now = datetime.now(UTC)

    async def one(self, n: int) -> None:
        sender = Sender("console", 10_000 + n % 500, f"user{n % 500}")
        await self.app.desk.handle_message(IncomingMessage("console", CHAT, n, sender, REPORT.format(n=n), self.now))

    async def close(self, reports: int) -> None:
        """Check that every report became a ticket with its card and team notice, then let go of the database."""
        try:
            async with self.app.database.engine.connect() as conn:
                stored = (await conn.execute(sa.select(sa.func.count()).select_from(tickets))).scalar_one()
                queued = (await conn.execute(sa.select(sa.func.count()).select_from(outbox))).scalar_one()
            if (stored, queued) != (reports, 2 * reports):
                raise AssertionError(f"the desk stored {stored} tickets and {queued} outbox rows for {reports}")
        finally:
            await self.app.database.dispose()


async def run_side_by_side(database: Callable[[], AbstractAsyncContextManager[str]], count: int,
                           core: Figures, desk: Figures) -> None:
    """One run: both loops on fresh databases, taking turns every CHUNK reports, so both meet the same load."""
    async with database() as core_url, database() as desk_url:
        loops: list[tuple[CoreLoop | DeskLoop, Figures]] = [(CoreLoop(), core), (DeskLoop(), desk)]
        for loop, _ in loops:
            await loop.open(core_url if isinstance(loop, CoreLoop) else desk_url)
            for n in range(1, WARM_UP + 1):
                await loop.one(n)
        spent = {id(figures): [0.0, 0.0] for _, figures in loops}
        for first in range(WARM_UP + 1, WARM_UP + count + 1, CHUNK):
            for loop, figures in loops:
                began, began_cpu = time.perf_counter(), time.process_time()
                for n in range(first, min(first + CHUNK, WARM_UP + count + 1)):
                    await loop.one(n)
                spent[id(figures)][0] += time.perf_counter() - began
                spent[id(figures)][1] += time.process_time() - began_cpu
            loops.reverse()  # A B, then B A: neither always goes first
        for loop, figures in loops:
            await loop.close(WARM_UP + count)
            elapsed, used = spent[id(figures)]
            figures.rates.append(count / elapsed)
            figures.cpu_ms.append(used * 1000 / count)


@asynccontextmanager
async def sqlite_url(folder: Path | None) -> AsyncIterator[str]:
    with tempfile.TemporaryDirectory(dir=folder, prefix="supportbot-bench-") as name:
        yield f"sqlite+aiosqlite:///{Path(name) / 'intake.db'}"


@asynccontextmanager
async def pg_url(url: str) -> AsyncIterator[str]:
    name = f"supportbot_bench_{uuid.uuid4().hex[:8]}"
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


def _line(label: str, figures: Figures, unit: str) -> str:
    return (f"  {label:<10}{statistics.median(figures.rates):8.0f} {unit}/s median  "
            f"(min {min(figures.rates):.0f}, max {max(figures.rates):.0f})   "
            f"CPU {statistics.median(figures.cpu_ms):.2f} ms/report")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1000, help="timed reports per run")
    parser.add_argument("--runs", type=int, default=3, help="runs per loop and engine (alternating)")
    parser.add_argument("--dir", type=Path, default=None, help="folder on the disk to measure (default: a temp dir)")
    parser.add_argument("--pg", default=os.environ.get("SUPPORTBOT_TEST_DATABASE_URL"),
                        help="a PostgreSQL URL (postgresql+asyncpg://...) to measure next to SQLite")
    parser.add_argument("--no-sqlite", action="store_true", help="only PostgreSQL")
    args = parser.parse_args()
    engines: list[tuple[str, Callable[[], AbstractAsyncContextManager[str]]]] = []
    if not args.no_sqlite:
        engines.append(("sqlite", lambda: sqlite_url(args.dir)))
    if args.pg:
        engines.append(("postgresql", lambda: pg_url(args.pg)))
    print(f"reports per run: {args.reports}, runs: {args.runs}")
    for name, database in engines:
        core, desk = Figures(), Figures()
        for _ in range(args.runs):
            await run_side_by_side(database, args.reports, core, desk)
        ratios = [d / c for d, c in zip(desk.rates, core.rates, strict=True)]
        print(f"{name}:")
        print(_line("core loop", core, "reports"))
        print(_line("desk", desk, "tickets"))
        print(f"  ratio desk / core: {statistics.median(desk.rates) / statistics.median(core.rates):.2f} "
              f"(medians; per run {', '.join(f'{r:.2f}' for r in ratios)})   aim: >= 0.50", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
