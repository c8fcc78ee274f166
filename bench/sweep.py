"""How long one escalation sweep takes as the ticket table grows, on the issue's mixed workload.

Seeds N tickets (5% open, the rest resolved long ago) with bulk inserts, then makes 100 of the open
ones due, mixed as they come due in real life on a Monday morning: unanswered emergencies, normal
tickets opened on Friday whose first response fell due across the weekend, and answered tickets
that stagnated for a week. Each of the 100 owes one notice (to its conversation and to the team
chats on Telegram and Discord). `Sweeper.sweep()` is timed several times, re-arming the same 100
between runs; the databases of every size are open together and swept in turn (A B A B ...), so
the ratio between sizes is measured side by side. The sweep should cost what is due, not what is
stored: the claim walks the partial index ix_tickets_next_due_at.

Each database is seeded in a child process, so the process that sweeps holds what `supportbot run` holds:
an app on a database someone else filled. Seeding a million tickets here would leave this process
with millions of objects for the garbage collector to walk and a heap grown for them, which made every
sweep 3-5 ms slower with the same query plan; no production process ever creates those objects.
`--cache DIR` keeps each size's seeded SQLite file in DIR and copies it for later runs.

    .venv/bin/python bench/sweep.py                                   # SQLite, 10k and 1M stored
    .venv/bin/python bench/sweep.py --sizes 10k,100k --runs 15
    .venv/bin/python bench/sweep.py --pg postgresql+asyncpg://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/sweep.py --cache /tmp/supportbot-sweep-cache --phases

PostgreSQL runs when --pg or SUPPORTBOT_TEST_DATABASE_URL is given; the benchmark creates and
drops databases of its own next to the one named. Aims: the median at the largest size at most
1.5x the smallest's, and under 15 ms on SQLite.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import importlib
import inspect
import multiprocessing
import os
import shutil
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ProcessPoolExecutor
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib.resources import files
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from supportbot.bootstrap import App, build_app
from supportbot.config import Settings
from supportbot.db import migrate
from supportbot.db.engine import Database
from supportbot.db.tables import counters, outbox, ticket_events, tickets
from supportbot.domain.sla import ClockState, deadlines
from supportbot.domain.ticket_states import Severity, Status

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # Mon 10:00 in Paris
FRIDAY_MORNING = datetime(2026, 12, 4, 7, 0, tzinfo=UTC)  # Fri 08:00 in Paris, before opening
WEEK_BEFORE = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)  # Fri 09:00 in Paris, ten days earlier
OPEN_SHARE = 0.05
DUE = 100
CHUNK = 20_000
SEED_VERSION = 1  # bump when ticket_row or seed change, so --cache seeds again
SETTINGS = Settings.model_validate({
    "people": [{"name": "Alice", "telegram_id": 1, "discord_id": 11, "roles": ["engineer", "admin"]},
               {"name": "Bob", "telegram_id": 2, "discord_id": 12, "roles": ["engineer"]},
               {"name": "Carol", "telegram_id": 3, "discord_id": 13, "roles": ["owner"]}],
    "oncall": {"rotation": ["Alice", "Bob"], "starts": "2026-11-30T09:00:00+01:00", "team_telegram_chat": -100500,
               "team_discord_channel": 3001, "discord_team_role": 4001},
    "products": [{"key": "court", "name": "Court v2", "owners": ["Carol"], "telegram_chats": [-100101]}],
})
KINDS = ("emergency_unanswered", "first_response_missed", "stagnant")
# What --phases times inside each sweep: label -> (module, class or None, function). In checkouts before
# save_clocks existed, "history lines" also holds the ORM flush of the changed tickets.
PARTS = {
    "claim": ("supportbot.db.repositories", "SqlTickets", "claim_due"),
    "deadlines": ("supportbot.services.escalation", "Sweeper", "_escalate"),
    "notices": ("supportbot.services.reactions", None, "follow"),
    "ticket clocks": ("supportbot.db.repositories", "SqlTickets", "save_clocks"),
    "history lines": ("supportbot.db.repositories", "SqlEvents", "add_many"),
    "outbox rows": ("supportbot.db.outbox_store", "SqlOutbox", "add_many"),
    "commit": ("supportbot.db.engine", "SqlUnitOfWork", "commit"),
}
_spent: dict[str, float] = {}


class SteppingClock:
    """NOW, moved on by a second each run (with the instants of the due tickets)."""

    def __init__(self) -> None:
        self.current = NOW

    def now(self) -> datetime:
        return self.current


@dataclass
class Result:
    engine: str
    stored: int
    open: int = 0
    seed_s: float = 0.0
    sweep_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)  # this process's CPU: the sweep's cost without the others' load
    plan: str = ""
    phases: dict[str, list[float]] = field(default_factory=dict)  # ms per sweep in each of PARTS (--phases)

    @property
    def uses_index(self) -> bool:
        return "ix_tickets_next_due_at" in self.plan


@dataclass
class Subject:
    """One database of one size, seeded, with the app that sweeps it."""

    result: Result
    database: Database
    app: App
    clock: SteppingClock
    due_ids: list[int]
    runs: int = 0


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


def due_state(i: int, app: App, run: int) -> dict[str, Any]:
    """The i-th due ticket's clocks: an unanswered emergency, a first response missed over the weekend,
    or a ticket stagnant for a week, in turn; its next_due_at is what the desk would have stored.

    Each run moves the instants (and the clock) by a second, so no run finds the deadlines of the one before
    in a cache."""
    kind = KINDS[i % len(KINDS)]
    shift = timedelta(seconds=30 * i + run)
    if kind == "emergency_unanswered":
        severity, status, answered = Severity.EMERGENCY, Status.RECEIVED, None
        created = last_activity = NOW - timedelta(hours=2) + shift
    elif kind == "first_response_missed":
        severity, status, answered = Severity.NORMAL, Status.RECEIVED, None
        created = last_activity = FRIDAY_MORNING + shift
    else:
        severity, status, answered = Severity.NORMAL, Status.IN_PROGRESS, WEEK_BEFORE
        created, last_activity = WEEK_BEFORE - timedelta(days=1), WEEK_BEFORE + shift
    state = ClockState(severity=severity, status=status, created_at=created, first_response_at=answered,
                       last_activity_at=last_activity)
    due = deadlines(state, policy=app.deps.clocks.policy, calendar=app.deps.clocks.calendar)
    if due.next_kind is None or due.next_kind.value != kind or due.next_due is None or due.next_due > NOW:
        raise AssertionError(f"due ticket {i} would not fire {kind} at {NOW}: {due}")
    return dict(b_severity=severity.value, b_status=status.value, b_created_at=created, b_first_response_at=answered,
                b_last_activity_at=last_activity, b_next_due_at=due.next_due)


async def seed(database: Database, size: int) -> int:
    """Insert `size` tickets; returns the open count."""
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
    return opened


async def due_tickets(database: Database) -> list[int]:
    """The ids of the open tickets the benchmark makes due."""
    async with database.engine.connect() as conn:
        return list((await conn.execute(
            sa.select(tickets.c.id).where(tickets.c.next_due_at.isnot(None)).order_by(tickets.c.id).limit(DUE)
        )).scalars().all())


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


_ARM = sa.update(tickets).where(tickets.c.id == sa.bindparam("b_id")).values(
    severity=sa.bindparam("b_severity"), status=sa.bindparam("b_status"), created_at=sa.bindparam("b_created_at"),
    first_response_at=sa.bindparam("b_first_response_at"), last_activity_at=sa.bindparam("b_last_activity_at"),
    next_due_at=sa.bindparam("b_next_due_at"), resolution=None, resolved_at=None, escalation_level=0,
    last_escalation_at=None, first_response_missed_notified=False,
)


async def arm(subject: Subject) -> None:
    """Make the chosen tickets due again, each owing one notice, and forget earlier notices."""
    subject.runs += 1
    subject.clock.current = NOW + timedelta(seconds=subject.runs)
    states = [dict(due_state(i, subject.app, subject.runs), b_id=ticket_id)
              for i, ticket_id in enumerate(subject.due_ids)]
    async with subject.database.engine.begin() as conn:
        await conn.execute(sa.delete(outbox))
        await conn.execute(sa.delete(ticket_events).where(ticket_events.c.ticket_id.in_(subject.due_ids)))
        await conn.execute(_ARM, states)
    if subject.database.engine.dialect.name == "sqlite":
        # The re-arming's pages leave the WAL now, or a checkpoint they bring about lands in a timed commit.
        connection = sqlite3.connect(subject.database.engine.url.database)
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.close()


async def check(subject: Subject) -> None:
    """The last sweep wrote one notice per due ticket, of each kind, to its conversation and both team chats."""
    async with subject.database.engine.connect() as conn:
        events = dict((await conn.execute(
            sa.select(ticket_events.c.detail, sa.func.count()).where(ticket_events.c.kind == "escalation")
            .group_by(ticket_events.c.detail))).all())
        rows = (await conn.execute(sa.select(sa.func.count()).select_from(outbox))).scalar_one()
    expected = {kind: len(range(k, DUE, len(KINDS))) for k, kind in enumerate(KINDS)}
    if events != expected or rows != 3 * DUE:
        raise AssertionError(f"the sweep wrote {events} and {rows} outbox rows; expected {expected} and {3 * DUE}")


async def explain_claim(database: Database, captured: list[tuple[str, Any]]) -> str:
    """The plan of the claim query exactly as the sweep sent it."""
    statement, params = next((s, p) for s, p in captured if "next_due_at <=" in s)
    prefix = "EXPLAIN QUERY PLAN " if database.engine.dialect.name == "sqlite" else "EXPLAIN "
    async with database.engine.connect() as conn:
        rows = (await conn.exec_driver_sql(prefix + statement, params)).all()
    return "\n".join(" ".join(str(c) for c in row) for row in rows)


def seed_in_child(url: str, size: int) -> tuple[int, float]:
    """Migrate and seed the database at `url` in this (child) process; returns the open count and the seconds."""
    async def run() -> tuple[int, float]:
        database = Database.from_url(url)
        try:
            await migrate.upgrade(database.engine)
            started = time.perf_counter()
            opened = await seed(database, size)
            seconds = time.perf_counter() - started
            await settle(database)
            return opened, seconds
        finally:
            await database.dispose()
    return asyncio.run(run())


def seed_elsewhere(url: str, size: int) -> tuple[int, float]:
    """Seed in a child process of its own, so this process never holds the seeding's million rows and their
    garbage: the process that sweeps holds what `supportbot run` holds, an app on a database it did not fill."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(seed_in_child, url, size).result()


def schema_digest() -> str:
    """A digest of the migrations' sources: a cached database is seeded again whenever any of them changes."""
    digest = hashlib.sha256()
    for path in sorted(Path(str(files("supportbot.migrations"))).rglob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def cached_sqlite(url: str, size: int, cache: Path) -> tuple[int, float]:
    """Seed a SQLite database once per size and schema into `cache` (in a child process), then copy it to `url`."""
    target = Path(sa.engine.make_url(url).database or "")
    kept = cache / f"sweep-{SEED_VERSION}-{size}-{migrate.head_revision()}-{schema_digest()}.db"
    if not kept.exists():
        cache.mkdir(parents=True, exist_ok=True)
        seeded = kept.with_suffix(".seeding")
        opened, seconds = seed_elsewhere(f"sqlite+aiosqlite:///{seeded}", size)
        seeded.rename(kept)
    started = time.perf_counter()
    shutil.copyfile(kept, target)
    os.sync()
    return -1, time.perf_counter() - started


async def prepare(stack: AsyncExitStack, open_database: Callable[[], AbstractAsyncContextManager[Database]],
                  engine: str, size: int, cache: Path | None) -> Subject:
    database = await stack.enter_async_context(open_database())
    url = database.engine.url.render_as_string(hide_password=False)
    if cache is not None and engine == "sqlite":
        opened, seconds = cached_sqlite(url, size, cache)
    else:
        opened, seconds = seed_elsewhere(url, size)
    due_ids = await due_tickets(database)
    if opened < 0:
        async with database.engine.connect() as conn:
            opened = (await conn.execute(sa.select(sa.func.count()).select_from(tickets)
                                         .where(tickets.c.next_due_at.isnot(None)))).scalar_one()
    clock = SteppingClock()
    app = build_app(SETTINGS, {"telegram", "discord"}, clock=clock, database=database)
    return Subject(Result(engine, size, opened, seconds), database, app, clock, due_ids)


async def sweep_once(subject: Subject, *, timed: bool, captured: list[tuple[str, Any]] | None = None) -> None:
    await arm(subject)
    engine = subject.database.engine.sync_engine

    def capture(_conn: Any, _cursor: Any, statement: str, params: Any, _context: Any, _many: bool) -> None:
        assert captured is not None
        captured.append((statement, params))

    if captured is not None:
        sa.event.listen(engine, "before_cursor_execute", capture)
    _spent.clear()
    began, began_cpu = time.perf_counter(), time.process_time()
    fired = await subject.app.sweeper.sweep()
    elapsed, used = (time.perf_counter() - began) * 1000, (time.process_time() - began_cpu) * 1000
    if captured is not None:
        sa.event.remove(engine, "before_cursor_execute", capture)
    if fired != DUE:
        raise AssertionError(f"the sweep fired {fired} notices, expected {DUE}")
    if timed:
        subject.result.sweep_ms.append(elapsed)
        subject.result.cpu_ms.append(used)
        for label, seconds in _spent.items():
            subject.result.phases.setdefault(label, []).append(seconds * 1000)


def time_parts() -> None:
    """Wrap the parts of a sweep listed in PARTS, so each sweep adds up its time in each (--phases)."""
    for label, (module_name, owner_name, name) in PARTS.items():
        module = importlib.import_module(module_name)
        owner = getattr(module, owner_name) if owner_name else module
        original = getattr(owner, name, None)
        if original is not None:  # an older checkout may lack a part
            setattr(owner, name, _timed(label, original))


def _timed(label: str, original: Callable[..., Any]) -> Callable[..., Any]:
    def add(began: float) -> None:
        _spent[label] = _spent.get(label, 0.0) + time.perf_counter() - began

    if inspect.iscoroutinefunction(original):
        async def timed_async(*args: Any, **kwargs: Any) -> Any:
            began = time.perf_counter()
            try:
                return await original(*args, **kwargs)
            finally:
                add(began)
        return timed_async

    def timed(*args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            add(began)
    return timed


async def measure(open_database: Callable[[], AbstractAsyncContextManager[Database]], engine: str,
                  sizes: list[int], runs: int, cache: Path | None) -> list[Result]:
    """Sweep each size's database in turn, `runs` times each after one warm-up sweep."""
    async with AsyncExitStack() as stack:
        subjects = []
        for size in sizes:
            subjects.append(await prepare(stack, open_database, engine, size, cache))
            how = "copied from the cache" if cache is not None and engine == "sqlite" else "seeded"
            print(f"{engine} {size:,}: {how} in {subjects[-1].result.seed_s:.1f} s", flush=True)
        for subject in subjects:
            await sweep_once(subject, timed=False)
        for _ in range(runs):
            for subject in subjects:
                await sweep_once(subject, timed=True)
        for subject in subjects:
            captured: list[tuple[str, Any]] = []
            await sweep_once(subject, timed=False, captured=captured)
            await check(subject)
            subject.result.plan = await explain_claim(subject.database, captured)
        return [subject.result for subject in subjects]


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
    head = (f"{'engine':<11}{'stored':>10}{'open':>8}{'due':>5}{'seed s':>8}{'median ms':>11}"
            f"{'min':>7}{'max':>7}{'cpu ms':>8}  index")
    lines = [head, "-" * len(head)]
    for r in results:
        lines.append(
            f"{r.engine:<11}{r.stored:>10,}{r.open:>8,}{DUE:>5}{r.seed_s:>8.1f}"
            f"{statistics.median(r.sweep_ms):>11.1f}{min(r.sweep_ms):>7.1f}{max(r.sweep_ms):>7.1f}"
            f"{statistics.median(r.cpu_ms):>8.1f}  {'ix_tickets_next_due_at' if r.uses_index else 'NOT USED'}"
        )
    return "\n".join(lines)


def verdicts(results: list[Result]) -> list[str]:
    """The issue's aims, checked on these figures."""
    lines = []
    for engine in dict.fromkeys(r.engine for r in results):
        mine = [r for r in results if r.engine == engine]
        smallest, largest = mine[0], mine[-1]
        ratio = statistics.median(largest.sweep_ms) / statistics.median(smallest.sweep_ms)
        lines.append(f"{engine}: median with {largest.stored:,} stored / with {smallest.stored:,}: {ratio:.2f} "
                     f"(aim <= 1.5)")
        if engine == "sqlite":
            worst = max(statistics.median(r.sweep_ms) for r in mine)
            lines.append(f"{engine}: largest median {worst:.1f} ms (aim < 15 ms)")
    return lines


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10k,1m", help="stored tickets per database, e.g. 10k,100k,1m")
    parser.add_argument("--runs", type=int, default=9, help="timed sweeps per size (median reported)")
    parser.add_argument("--pg", default=os.environ.get("SUPPORTBOT_TEST_DATABASE_URL"),
                        help="a PostgreSQL URL (postgresql+asyncpg://...) to benchmark next to SQLite")
    parser.add_argument("--no-sqlite", action="store_true", help="only PostgreSQL")
    parser.add_argument("--plans", action="store_true", help="print the claim query's plan for each size")
    parser.add_argument("--cache", type=Path, help="keep each size's seeded SQLite database in this folder and "
                        "copy it for later runs (seeded again when the migrations change)")
    parser.add_argument("--phases", action="store_true", help="time the parts of each sweep (median ms per sweep)")
    args = parser.parse_args()
    if args.phases:
        time_parts()
    sizes = sorted(parse_size(s) for s in args.sizes.split(","))

    engines: list[tuple[str, Callable[[], AbstractAsyncContextManager[Database]]]] = []
    if not args.no_sqlite:
        engines.append(("sqlite", sqlite_database))
    if args.pg:
        engines.append(("postgresql", lambda: pg_database(args.pg)))
    results = []
    for name, open_database in engines:
        results += await measure(open_database, name, sizes, args.runs, args.cache)
    print()
    print(table(results))
    for line in verdicts(results):
        print(line)
    if args.phases:
        print("\nmedian ms per sweep in each part (the rest: the on-call lookup, the loop, the unit of work)")
        for r in results:
            parts = ", ".join(f"{label} {statistics.median(ms):.1f}" for label, ms in r.phases.items())
            print(f"{r.engine} {r.stored:,}: {parts}")
    if args.plans:
        for r in results:
            print(f"\n{r.engine} {r.stored:,} claim plan:\n  " + r.plan.replace("\n", "\n  "))


if __name__ == "__main__":
    asyncio.run(main())
