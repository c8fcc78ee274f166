"""Resident memory of an idle bot with 1M tickets stored, beside the same bot with none.

Each trial is a fresh process doing what `supportbot run` does before any chat speaks: the app built
from config, its database checked, then one run of every scheduled job (the outbox flush, the
escalation sweep, the end-of-shift reminder). Its resident set (VmRSS) and peak (VmHWM) are read then.
The stored database holds 1M tickets (5% open, spread over the team, their next deadlines days away);
the empty one none. The two alternate, `--trials` processes each.

    .venv/bin/python bench/idle_rss.py                    # 1M tickets, SQLite
    .venv/bin/python bench/idle_rss.py --tickets 100k --pg postgresql+asyncpg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from supportbot.config import Settings

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # Mon 10:00 in Paris; no shift ends within the hour
CHUNK = 20_000
PEOPLE = ("Alice", "Bob", "Carol")
SETTINGS = Settings.model_validate({
    "people": [{"name": "Alice", "telegram_id": 1, "roles": ["engineer", "admin"]},
               {"name": "Bob", "telegram_id": 2, "roles": ["engineer"]},
               {"name": "Carol", "telegram_id": 3, "roles": ["owner"]}],
    "oncall": {"rotation": ["Alice", "Bob"], "starts": "2026-11-30T09:00:00+01:00"},
    "products": [{"key": "court", "name": "Court v2", "owners": ["Carol"], "telegram_chats": [-100101]}],
})


class FixedClock:
    def now(self) -> datetime:
        return NOW


def parse_size(text: str) -> int:
    text = text.strip().lower()
    for suffix, factor in (("k", 1_000), ("m", 1_000_000)):
        if text.endswith(suffix):
            return int(float(text[:-1]) * factor)
    return int(text)


def ticket_row(n: int, size: int) -> dict[str, Any]:
    """Ticket n of `size` over the past two years; one in twenty still open, answered, due in days."""
    created = NOW - timedelta(days=730) + timedelta(seconds=730 * 86400 * n / size)
    is_open = n % 20 == 0
    return {
        "number": n, "product": "court", "severity": "normal", "status": "in_progress" if is_open else "resolved",
        "resolution": None if is_open else "fixed", "title": f"ticket {n}", "body": f"what happened to ticket {n}",
        "reporter_platform": "telegram", "reporter_id": n % 5000, "reporter_name": f"user{n % 5000}",
        "assignee": PEOPLE[n % 3], "pr_links": [], "missing": [], "security": False,
        "source_platform": "telegram", "source_chat_id": -100101, "source_message_id": n, "thread_id": None,
        "created_at": created, "first_response_at": created + timedelta(minutes=30),
        "last_activity_at": NOW - timedelta(hours=1) if is_open else created,
        "resolved_at": None if is_open else created + timedelta(hours=5), "interactions": 3,
        "escalation_level": 0, "last_escalation_at": None, "first_response_missed_notified": False,
        "next_due_at": NOW + timedelta(days=3, minutes=n % 600) if is_open else None,
    }


async def seed(url: str, size: int) -> None:
    from supportbot.db import migrate
    from supportbot.db.engine import Database
    from supportbot.db.tables import counters, tickets

    database = Database.from_url(url)
    try:
        await migrate.upgrade(database.engine)
        async with database.engine.begin() as conn:
            for start in range(1, size + 1, CHUNK):
                await conn.execute(sa.insert(tickets), [ticket_row(n, size) for n in range(start, min(start + CHUNK, size + 1))])
            await conn.execute(sa.update(counters).where(counters.c.name == "ticket_number").values(value=size))
        if database.engine.dialect.name == "postgresql":  # as autovacuum would after such a load
            async with database.engine.connect() as conn:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.exec_driver_sql("VACUUM ANALYZE")
    finally:
        await database.dispose()


# --- one trial, in a process of its own -------------------------------------------------------------------


def status_kib(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field + ":"))


async def trial(url: str) -> dict[str, Any]:
    """Start as `supportbot run` does, run every job once, and read the memory."""
    from supportbot import bootstrap
    from supportbot.bootstrap import build_app
    from supportbot.db.engine import Database
    from supportbot.runtime import periodic_jobs, prepare_database

    app = build_app(SETTINGS, {"console"}, clock=FixedClock(), database=Database.from_url(url))
    try:
        await prepare_database(app)
        chat = bootstrap.console_chat(app, lambda _text: None, itertools.count(1), echo=False)
        began = time.perf_counter()
        for _name, job, _every in periodic_jobs(app, [chat.sender]):
            await job()
        jobs_ms = (time.perf_counter() - began) * 1000
        gc.collect()
        return {"rss_mib": status_kib("VmRSS") / 1024, "peak_mib": status_kib("VmHWM") / 1024, "jobs_ms": jobs_ms}
    finally:
        await app.database.dispose()


def run_trial(url: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, __file__, "--child", "--url", url], capture_output=True, text=True,
                          env={**os.environ, "PYTHONUNBUFFERED": "1"}, check=False)
    if done.returncode:
        raise RuntimeError(f"the trial failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- databases ----------------------------------------------------------------------------------------


@contextmanager
def sqlite_urls() -> Iterator[tuple[str, str]]:
    with tempfile.TemporaryDirectory(prefix="supportbot-bench-") as folder:
        yield (f"sqlite+aiosqlite:///{Path(folder) / 'empty.db'}", f"sqlite+aiosqlite:///{Path(folder) / 'stored.db'}")


@asynccontextmanager
async def pg_urls(url: str) -> AsyncIterator[tuple[str, str]]:
    names = [f"supportbot_bench_{uuid.uuid4().hex[:8]}" for _ in range(2)]
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        for name in names:
            await conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield tuple(sa.engine.make_url(url).set(database=n).render_as_string(hide_password=False)  # type: ignore[misc]
                    for n in names)
    finally:
        async with admin.connect() as conn:
            for name in names:
                await conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def compare(engine: str, empty: str, stored: str, size: int, trials: int) -> list[str]:
    began = time.perf_counter()
    await seed(empty, 0)
    await seed(stored, size)
    print(f"{engine}: seeded {size:,} tickets in {time.perf_counter() - began:.1f} s", flush=True)
    results: dict[str, list[dict[str, Any]]] = {"0": [], f"{size:,}": []}
    for _ in range(trials):  # interleaved, so both meet the same machine load
        for label, url in zip(results, (empty, stored), strict=True):
            results[label].append(await asyncio.to_thread(run_trial, url))
    lines = []
    for label, rs in results.items():
        def spread(key: str, rs: list[dict[str, Any]] = rs) -> str:
            values = [r[key] for r in rs]
            return f"{min(values):>7.1f} /{statistics.median(values):>7.1f}"
        lines.append(f"{engine:<11}{label:>10}{spread('rss_mib'):>18}{spread('peak_mib'):>18}{spread('jobs_ms'):>18}")
    ratio = statistics.median(r["rss_mib"] for r in results[f"{size:,}"]) / statistics.median(
        r["rss_mib"] for r in results["0"])
    lines.append(f"{engine:<11}{'ratio':>10}{ratio:>18.2f}")
    return lines


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", default="1m", help="tickets in the stored database, e.g. 1m")
    parser.add_argument("--trials", type=int, default=3, help="processes per database (min / median reported)")
    parser.add_argument("--pg", default=os.environ.get("SUPPORTBOT_TEST_DATABASE_URL"),
                        help="a PostgreSQL URL (postgresql+asyncpg://...) to measure next to SQLite")
    parser.add_argument("--no-sqlite", action="store_true", help="only PostgreSQL")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(await trial(args.url)))
        return
    size = parse_size(args.tickets)
    lines = []
    if not args.no_sqlite:
        with sqlite_urls() as (empty, stored):
            lines += await compare("sqlite", empty, stored, size, args.trials)
    if args.pg:
        async with pg_urls(args.pg) as (empty, stored):
            lines += await compare("postgresql", empty, stored, size, args.trials)
    head = f"{'engine':<11}{'tickets':>10}{'RSS MiB min/med':>18}{'peak MiB min/med':>18}{'jobs ms min/med':>18}"
    print(f"\nAn idle bot after one run of each job; {args.trials} processes per database, interleaved\n")
    print("\n".join([head, "-" * len(head), *lines]))


if __name__ == "__main__":
    asyncio.run(main())
