"""How long one escalation sweep takes as the ticket table grows.

Seeds N tickets (5% open) with bulk inserts, makes 100 of the open ones due, and times
`Sweeper.sweep()` several times, re-arming the same 100 between runs. The sweep should cost
what is due, not what is stored: the claim walks the partial index ix_tickets_next_due_at.

    .venv/bin/python bench/sweep.py                      # SQLite, 10k and 100k
    .venv/bin/python bench/sweep.py --sizes 10k,100k,1m  # and a million
    .venv/bin/python bench/sweep.py --pg postgresql+asyncpg://postgres@127.0.0.1:5432/postgres

PostgreSQL runs when --pg or SUPPORTBOT_TEST_DATABASE_URL is given; the benchmark creates and
drops a database of its own next to the one named.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from supportbot.bootstrap import build_app
from supportbot.config import Settings
from supportbot.db import migrate
from supportbot.db.engine import Database
from supportbot.db.tables import counters, outbox, ticket_events, tickets

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # Mon 10:00 in Paris
OPEN_SHARE = 0.05
CHUNK = 20_000
SETTINGS = Settings.model_validate({
    "people": [{"name": "Alice", "telegram_id": 1, "discord_id": 11, "roles": ["engineer", "admin"]},
               {"name": "Bob", "telegram_id": 2, "discord_id": 12, "roles": ["engineer"]},
               {"name": "Carol", "telegram_id": 3, "discord_id": 13, "roles": ["owner"]}],
    "oncall": {"rotation": ["Alice", "Bob"], "starts": "2026-11-30T09:00:00+01:00", "team_telegram_chat": -100500,
               "team_discord_channel": 3001, "discord_team_role": 4001},
    "products": [{"key": "court", "name": "Court v2", "owners": ["Carol"], "telegram_chats": [-100101]}],
})


class FixedClock:
    def now(self) -> datetime:
        return NOW


@dataclass
class Result:
    engine: str
    stored: int
    open: int
    due: int
    seed_s: float
    sweep_ms: list[float]
    cpu_ms: list[float]  # this process's CPU time: what the sweep costs without other load on the host
    uses_index: bool
    plan: str


def parse_size(text: str) -> int:
    text = text.strip().lower()
    for suffix, factor in (("k", 1_000), ("m", 1_000_000)):
        if text.endswith(suffix):
            return int(float(text[:-1]) * factor)
    return int(text)


def ticket_row(n: int, is_open: bool) -> dict[str, Any]:
    """One stored ticket: open ones are normal tickets answered a day ago, the rest resolved long ago."""
    created = NOW - timedelta(days=30 + n % 300) if not is_open else NOW - timedelta(days=1, minutes=n % 600)
    return {
        "number": n, "product": "court", "severity": "normal",
        "status": "in_progress" if is_open else "resolved", "resolution": None if is_open else "fixed",
        "title": f"ticket {n}", "body": f"ticket {n}", "reporter_platform": "telegram", "reporter_id": n,
        "reporter_name": f"user{n}", "assignee": "Bob", "pr_links": [], "missing": [], "security": False,
        "source_platform": "telegram", "source_chat_id": -100101, "source_message_id": n, "thread_id": None,
        "created_at": created, "first_response_at": created, "last_activity_at": created,
        "resolved_at": None if is_open else created + timedelta(hours=3), "interactions": 3,
        "escalation_level": 0, "last_escalation_at": None, "first_response_missed_notified": False,
        # An open ticket answered a day ago next escalates when it stagnates, days from now.
        "next_due_at": NOW + timedelta(days=4, minutes=n % 600) if is_open else None,
    }


async def seed(database: Database, size: int) -> tuple[int, list[int]]:
    """Insert `size` tickets; returns the open count and the ids of open tickets to make due."""
    every = round(1 / OPEN_SHARE)
    opened = 0
    async with database.engine.begin() as conn:
        for start in range(1, size + 1, CHUNK):
            rows = [ticket_row(n, n % every == 0) for n in range(start, min(start + CHUNK, size + 1))]
            opened += sum(r["status"] != "resolved" for r in rows)
            await conn.execute(sa.insert(tickets), rows)
        await conn.execute(sa.update(counters).where(counters.c.name == "ticket_number").values(value=size))
    async with database.engine.begin() as conn:
        await conn.exec_driver_sql("ANALYZE")
        ids = (await conn.execute(
            sa.select(tickets.c.id).where(tickets.c.next_due_at.isnot(None)).order_by(tickets.c.id).limit(100)
        )).scalars().all()
    return opened, list(ids)


async def settle(database: Database) -> None:
    """Let the seeding's writes reach the disk, so the timed commits do not wait behind them."""
    if database.engine.dialect.name == "sqlite":
        connection = sqlite3.connect(database.engine.url.database)
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.close()
    else:
        async with database.engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.exec_driver_sql("CHECKPOINT")
    os.sync()


async def arm(database: Database, due_ids: list[int]) -> None:
    """Make the chosen tickets unanswered emergencies an hour overdue, and forget earlier notices."""
    opened = NOW - timedelta(hours=2)
    async with database.engine.begin() as conn:
        await conn.execute(sa.delete(outbox))
        await conn.execute(sa.delete(ticket_events).where(ticket_events.c.ticket_id.in_(due_ids)))
        await conn.execute(sa.update(tickets).where(tickets.c.id.in_(due_ids)).values(
            severity="emergency", status="received", created_at=opened, first_response_at=None,
            last_activity_at=opened, escalation_level=0, last_escalation_at=None,
            next_due_at=opened + timedelta(hours=1),
        ))


async def explain_claim(database: Database, captured: list[tuple[str, Any]]) -> str:
    """The plan of the claim query exactly as the sweep sent it."""
    statement, params = next((s, p) for s, p in captured if "next_due_at <=" in s)
    prefix = "EXPLAIN QUERY PLAN " if database.engine.dialect.name == "sqlite" else "EXPLAIN "
    async with database.engine.connect() as conn:
        rows = (await conn.exec_driver_sql(prefix + statement, params)).all()
    return "\n".join(" ".join(str(c) for c in row) for row in rows)


async def measure(database: Database, engine_name: str, size: int, runs: int) -> Result:
    await migrate.upgrade(database.engine)
    started = time.perf_counter()
    opened, due_ids = await seed(database, size)
    seed_s = time.perf_counter() - started
    await settle(database)
    app = build_app(SETTINGS, {"telegram", "discord"}, clock=FixedClock(), database=database)
    captured: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, params: Any, _context: Any, _many: bool) -> None:
        captured.append((statement, params))

    timings, cpu = [], []
    for run in range(runs + 1):  # the first run warms caches and is not counted
        await arm(database, due_ids)
        if run == runs:
            sa.event.listen(database.engine.sync_engine, "before_cursor_execute", capture)
        began, began_cpu = time.perf_counter(), time.process_time()
        fired = await app.sweeper.sweep()
        elapsed, used = (time.perf_counter() - began) * 1000, (time.process_time() - began_cpu) * 1000
        if fired != len(due_ids):
            raise AssertionError(f"the sweep fired {fired} notices, expected {len(due_ids)}")
        if run:
            timings.append(elapsed)
            cpu.append(used)
    sa.event.remove(database.engine.sync_engine, "before_cursor_execute", capture)
    plan = await explain_claim(database, captured)
    return Result(engine_name, size, opened, len(due_ids), seed_s, timings, cpu, "ix_tickets_next_due_at" in plan, plan)


@asynccontextmanager
async def sqlite_database() -> AsyncIterator[Database]:
    with tempfile.TemporaryDirectory(prefix="supportbot-bench-") as folder:
        database = Database.from_url(f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}")
        try:
            yield database
        finally:
            await database.dispose()


@asynccontextmanager
async def pg_database(url: str) -> AsyncIterator[Database]:
    name = f"supportbot_bench_{uuid.uuid4().hex[:8]}"
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    database = Database.from_url(sa.engine.make_url(url).set(database=name).render_as_string(hide_password=False))
    try:
        yield database
    finally:
        await database.dispose()
        async with admin.connect() as conn:
            await conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


def table(results: list[Result]) -> str:
    head = (f"{'engine':<11}{'stored':>10}{'open':>8}{'due':>5}{'seed s':>8}{'sweep ms':>10}"
            f"{'min':>7}{'max':>7}{'cpu ms':>8}  index")
    lines = [head, "-" * len(head)]
    for r in results:
        lines.append(
            f"{r.engine:<11}{r.stored:>10,}{r.open:>8,}{r.due:>5}{r.seed_s:>8.1f}"
            f"{statistics.median(r.sweep_ms):>10.1f}{min(r.sweep_ms):>7.1f}{max(r.sweep_ms):>7.1f}"
            f"{statistics.median(r.cpu_ms):>8.1f}  "
            f"{'ix_tickets_next_due_at' if r.uses_index else 'NOT USED'}"
        )
    return "\n".join(lines)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10k,100k", help="stored tickets per database, e.g. 10k,100k,1m")
    parser.add_argument("--runs", type=int, default=9, help="timed sweeps per size (median reported)")
    parser.add_argument("--pg", default=os.environ.get("SUPPORTBOT_TEST_DATABASE_URL"),
                        help="a PostgreSQL URL (postgresql+asyncpg://...) to benchmark next to SQLite")
    parser.add_argument("--no-sqlite", action="store_true", help="only PostgreSQL")
    parser.add_argument("--plans", action="store_true", help="print the claim query's plan for each size")
    args = parser.parse_args()
    sizes = [parse_size(s) for s in args.sizes.split(",")]

    engines = ([] if args.no_sqlite else [("sqlite", sqlite_database)]) + (
        [("postgresql", lambda: pg_database(args.pg))] if args.pg else [])
    results = []
    for name, open_database in engines:
        for size in sizes:
            async with open_database() as database:
                result = await measure(database, name, size, args.runs)
            results.append(result)
            print(f"{name} {size:,}: median {statistics.median(result.sweep_ms):.1f} ms", flush=True)
            if args.plans:
                print("  " + result.plan.replace("\n", "\n  "))
    print()
    print(table(results))


if __name__ == "__main__":
    asyncio.run(main())
