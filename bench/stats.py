"""`/stats year` on 100k stored tickets: time and RSS growth, beside the ORM computation it replaced.

Seeds a year of history by bulk insert (tickets over three products, ~90% answered, ~85% resolved,
their `created` and `first_response` events, an escalation for one emergency in two, a rating for one
resolved ticket in five, and the figures the desk records as things happen), then answers
`/stats year` through the desk, as a team member's chat command, in a fresh process per trial: one
cold answer, then `--repeat` warm ones. Three variants meet the same database, interleaved,
`--trials` times each:

- `desk`: the desk as it is (aggregates in SQL);
- `orm`: the same desk with /stats computed as before: every ticket of the period loaded as an ORM
  object, its ids sent back for the first-response and escalation events, its ratings read, and the
  figures computed in Python (`--no-orm` leaves it out);
- `report`: `supportbot report --period P --format json` for the same product and period, through
  the function the command line calls (services/metrics.figures_for, as /stats).

The desk and the ORM must answer the same text. RSS growth is the peak resident set while answering
minus the resident set just before (the desk built and its database opened).

    .venv/bin/python bench/stats.py                          # SQLite, 100k tickets
    .venv/bin/python bench/stats.py --tickets 20k --pg postgresql+asyncpg://postgres@127.0.0.1:5432/test

PostgreSQL runs when --pg or SUPPORTBOT_TEST_DATABASE_URL is given; the benchmark creates and drops a
database of its own next to the one named.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
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

from supportbot.bootstrap import build_app
from supportbot.config import Settings
from supportbot.db import migrate
from supportbot.db.engine import Database
from supportbot.db.tables import counters, ratings, ticket_events, tickets

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
CHUNK = 10_000
PRODUCTS = ("court", "vault", "bridge")
FIRST_RESPONSES = ("", "faq", "resolve", "status", "assign")  # how the team first answered
RESOLUTIONS = ("fixed", "answered", "duplicate", "not_an_issue")
SETTINGS = Settings.model_validate({
    "people": [{"name": "Alice", "telegram_id": 1, "roles": ["engineer", "admin"]},
               {"name": "Carol", "telegram_id": 3, "roles": ["owner"]}],
    "products": [{"key": key, "name": key.title(), "owners": ["Carol"], "telegram_chats": [-100101 - i]}
                 for i, key in enumerate(PRODUCTS)],
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


# --- a year of history ----------------------------------------------------------------------------


def ticket_row(n: int, size: int) -> dict[str, Any]:
    """Ticket n of `size`, spread evenly over the last 360 days; its outcome varies with n."""
    created = NOW - timedelta(days=360) + timedelta(seconds=(360 * 86400 - 3600) * n / size, microseconds=n % 997)
    answered = n % 10 != 0
    resolved = answered and n % 20 not in (1, 2, 3)
    first = created + timedelta(minutes=5 + (n * 37) % 2000, microseconds=n % 131) if answered else None
    return {
        "number": n, "product": PRODUCTS[n % 3] if n % 50 else None,
        "severity": "emergency" if n % 23 == 0 else "normal",
        "status": "resolved" if resolved else ("in_progress" if answered else "received"),
        "resolution": RESOLUTIONS[n % 4] if resolved else None,
        "title": f"ticket {n}", "body": f"what happened to ticket {n}, in a few words", "reporter_platform": "telegram",
        "reporter_id": n % 5000, "reporter_name": f"user{n % 5000}", "assignee": "Alice" if answered else None,
        "pr_links": [], "missing": [], "security": n % 97 == 0,
        "source_platform": "telegram", "source_chat_id": -100101 - n % 3, "source_message_id": n, "thread_id": None,
        "created_at": created, "first_response_at": first,
        "first_response_how": FIRST_RESPONSES[n % len(FIRST_RESPONSES)] if answered else None,
        "last_activity_at": first or created,
        "resolved_at": first + timedelta(hours=1 + n % 70, seconds=n % 59) if resolved and first else None,
        "interactions": 1 + n % 9, "escalation_level": 0, "last_escalation_at": None,
        "first_response_missed_notified": False, "next_due_at": None,
        # What the desk records as things happen: waits for the team, the first response's deadline, reopenings.
        "responses": 1 + n % 4 if answered else 0,
        "response_wait_us": (1 + n % 4) * (n * 7_919 % 20_000) * 1_000_000 if answered else 0,
        "first_response_due_at": created + (timedelta(hours=1) if n % 23 == 0 else timedelta(days=1)),
        "reopens": 1 if n % 41 == 0 else 0,
    }


def rating_row(ticket_id: int, row: dict[str, Any]) -> dict[str, Any] | None:
    """A rating for one resolved ticket in five, given an hour after its resolution."""
    if row["resolved_at"] is None or ticket_id % 5:
        return None
    rated = row["resolved_at"] + timedelta(hours=1)
    return {"ticket_id": ticket_id, "score": 1 + ticket_id % 5, "rated_at": rated, "updated_at": rated}


def event_rows(ticket_id: int, row: dict[str, Any]) -> list[dict[str, Any]]:
    created = {"ticket_id": ticket_id, "at": row["created_at"], "actor": row["reporter_name"], "kind": "created",
               "detail": "report"}
    # One emergency in two is escalated for being left unanswered an hour.
    escalated = [{"ticket_id": ticket_id, "at": row["created_at"] + timedelta(hours=1), "actor": "supportbot",
                  "kind": "escalation", "detail": "emergency_unanswered"}] if ticket_id % 46 == 0 else []
    if row["first_response_at"] is None:
        return [created, *escalated]
    return [created, {"ticket_id": ticket_id, "at": row["first_response_at"], "actor": "Alice",
                      "kind": "first_response", "detail": row["first_response_how"]}, *escalated]


async def seed(database: Database, size: int) -> None:
    """Insert `size` tickets and their events in chunks (ids are 1..size in insertion order)."""
    await migrate.upgrade(database.engine)
    async with database.engine.begin() as conn:
        for start in range(1, size + 1, CHUNK):
            rows = [ticket_row(n, size) for n in range(start, min(start + CHUNK, size + 1))]
            await conn.execute(sa.insert(tickets), rows)
            await conn.execute(sa.insert(ticket_events), [e for r in rows for e in event_rows(r["number"], r)])
            rated = [rating for r in rows if (rating := rating_row(r["number"], r)) is not None]
            if rated:
                await conn.execute(sa.insert(ratings), rated)
        await conn.execute(sa.update(counters).where(counters.c.name == "ticket_number").values(value=size))
    if database.engine.dialect.name == "postgresql":  # as autovacuum would after such a load; SQLite is never analyzed
        async with database.engine.begin() as conn:
            await conn.exec_driver_sql("ANALYZE")


# --- one trial, in a process of its own ----------------------------------------------------------------


def rss_kib(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field + ":"))


def reset_peak() -> None:
    with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
        refs.write("5")  # the peak (VmHWM) starts again from the current resident set


def use_orm_stats() -> None:
    """/stats as it was computed before the aggregates: ORM tickets, their ids back for events, Python figures."""
    from supportbot.domain import metrics, permissions, texts
    from supportbot.domain.tickets import NotAllowed, Ticket
    from supportbot.services import metrics as stats_service
    from supportbot.services.ports import Reply

    async def show_stats(deps: Any, command: Any, sender: Any) -> Reply:
        permissions.require_team(sender, "stats")
        if command.product and deps.directory.product(command.product) is None:
            raise NotAllowed(texts.NO_PRODUCT.format(key=command.product, keys=""))
        now = deps.clock.now()
        start = metrics.period_start(now, command.period)
        security = permissions.sees_security(sender)
        async with deps.uow() as uow:
            query = sa.select(Ticket).where(tickets.c.created_at >= start, tickets.c.created_at < now)
            if command.product:
                query = query.where(tickets.c.product == command.product)
            found = (await uow.session.execute(query.order_by(tickets.c.created_at))).scalars().all()
            opened = [t for t in found if security or not t.security]
            backlog = await uow.tickets.count_open(command.product, security=security)
            ids = [t.stored_id for t in opened]
            at_first = await uow.events.tickets_with("first_response", stats_service.RESOLVING_FIRST_RESPONSES, ids)
            escalated = await uow.events.tickets_with("escalation", ("emergency_unanswered", "emergency_idle"), ids)
            rated = sa.select(ratings.c.score).join(tickets, tickets.c.id == ratings.c.ticket_id).where(
                ratings.c.rated_at >= start, ratings.c.rated_at < now)
            if command.product:
                rated = rated.where(tickets.c.product == command.product)
            if not security:
                rated = rated.where(tickets.c.security.is_(False))
            scores = (await uow.session.execute(rated)).scalars().all()
        result = metrics.compute(opened, backlog, now=now, period=command.period, resolved_at_first_response=at_first,
                                 escalated=escalated, scores=scores)
        return Reply(metrics.render(result, f" for {command.product}" if command.product else ""))

    stats_service.show_stats = show_stats  # type: ignore[assignment]


async def trial(url: str, variant: str, repeat: int, command: str) -> dict[str, Any]:
    from supportbot.services.ports import IncomingMessage

    if variant == "orm":
        use_orm_stats()
    database = Database.from_url(url)
    app = build_app(SETTINGS, {"telegram"}, clock=FixedClock(), database=database)
    alice = app.desk.directory.person("Alice")
    assert alice is not None
    from supportbot.domain.people import Sender

    sender = Sender("telegram", 1, "Alice", person=alice)
    async with database.engine.connect() as conn:  # the pool's connection is open before the baseline
        await conn.execute(sa.text("SELECT 1"))
    before = rss_kib("VmRSS")
    reset_peak()
    timings, text = [], ""
    first_id = time.time_ns() // 1000  # each message is new to the desk, in every process
    try:
        for run in range(repeat + 1):
            message = IncomingMessage("telegram", 1, first_id + run, sender, command, NOW, private=True)
            began = time.perf_counter()
            if variant == "report":
                text = await report_json(app, command)
                timings.append((time.perf_counter() - began) * 1000)
                continue
            reply = await app.desk.handle_message(message)
            timings.append((time.perf_counter() - began) * 1000)
            if reply is None or not reply.ok:
                raise RuntimeError(f"/stats was not answered: {reply}")
            text = reply.text
        grown = rss_kib("VmHWM") - before
    finally:
        await database.dispose()
    return {"cold_ms": timings[0], "warm_ms": statistics.median(timings[1:]), "rss_before_mib": before / 1024,
            "rss_growth_mib": grown / 1024, "text": text}


async def report_json(app: Any, command: str) -> str:
    """`supportbot report --period P --format json` for the product and period of a /stats command."""
    import io

    from supportbot import cli_report

    words = command.split()[1:]
    period = next((w for w in words if w in ("day", "week", "month", "quarter", "year")), "week")
    product = next((w for w in words if w in PRODUCTS), None)
    found = await cli_report.figures(app, product=product, period=period, first=None, last=None, security=False)
    out = io.StringIO()
    cli_report.write_report(found, "json", product, out)
    return out.getvalue()


def run_trial(url: str, variant: str, repeat: int, command: str) -> dict[str, Any]:
    """One process answering `command`; a failure comes back as its last error line."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    done = subprocess.run(
        [sys.executable, __file__, "--child", variant, "--url", url, "--repeat", str(repeat), "--command", command],
        capture_output=True, text=True, env=env, check=False)
    if done.returncode:
        errors = [line for line in done.stderr.splitlines() if re.match(r"[\w.]+(Error|Exception): ", line)]
        return {"failed": (errors[-1] if errors else f"exit code {done.returncode}")[:160]}
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- databases ----------------------------------------------------------------------------------------


@asynccontextmanager
async def pg_database(url: str) -> AsyncIterator[str]:
    name = f"supportbot_bench_{uuid.uuid4().hex[:8]}"
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.engine.make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


@contextmanager
def sqlite_url() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="supportbot-bench-") as folder:
        yield f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"


async def seeded(url: str, size: int) -> float:
    database = Database.from_url(url)
    began = time.perf_counter()
    try:
        await seed(database, size)
    finally:
        await database.dispose()
    return time.perf_counter() - began


def compare(engine: str, url: str, args: argparse.Namespace) -> list[str]:
    variants = ["desk", "report"] if args.no_orm else ["orm", "desk", "report"]
    results: dict[str, list[dict[str, Any]]] = {variant: [] for variant in variants}
    for _ in range(args.trials):  # interleaved, so all meet the same machine load
        for variant in results:
            results[variant].append(run_trial(url, variant, args.repeat, args.command))
    texts = {r["text"] for variant, rs in results.items() if variant != "report" for r in rs if "text" in r}
    if len(texts) > 1:
        raise AssertionError("the variants answered differently:\n" + "\n---\n".join(sorted(texts)))
    lines = []
    for variant, rs in results.items():
        failed = [r["failed"] for r in rs if "failed" in r]
        if failed:
            lines.append(f"{engine:<11}{variant:<6}  failed {len(failed)}/{len(rs)}: {failed[0]}")
            continue

        def spread(key: str, rs: list[dict[str, Any]] = rs) -> str:
            values = [r[key] for r in rs]
            return f"{min(values):>7.1f} /{statistics.median(values):>7.1f}"
        lines.append(f"{engine:<11}{variant:<6}{spread('cold_ms'):>18}{spread('warm_ms'):>18}"
                     f"{spread('rss_growth_mib'):>18}{spread('rss_before_mib'):>18}")
    print("\n".join(lines), flush=True)
    return lines


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", default="100k", help="tickets stored, e.g. 100k")
    parser.add_argument("--trials", type=int, default=3, help="processes per variant (min / median reported)")
    parser.add_argument("--repeat", type=int, default=5, help="warm answers per process after the cold one")
    parser.add_argument("--command", default="/stats year")
    parser.add_argument("--pg", default=os.environ.get("SUPPORTBOT_TEST_DATABASE_URL"),
                        help="a PostgreSQL URL (postgresql+asyncpg://...) to benchmark next to SQLite")
    parser.add_argument("--no-sqlite", action="store_true", help="only PostgreSQL")
    parser.add_argument("--no-orm", action="store_true", help="skip the ORM baseline (the desk and the report only)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(await trial(args.url, args.child, args.repeat, args.command)))
        return
    size = parse_size(args.tickets)
    head = (f"{'engine':<11}{'way':<6}{'cold ms min/med':>18}{'warm ms min/med':>18}"
            f"{'RSS +MiB min/med':>18}{'RSS MiB min/med':>18}")
    lines = [head, "-" * len(head)]
    if not args.no_sqlite:
        with sqlite_url() as url:
            print(f"sqlite: seeded {size:,} tickets in {await seeded(url, size):.1f} s", flush=True)
            lines += await asyncio.to_thread(compare, "sqlite", url, args)
    if args.pg:
        async with pg_database(args.pg) as url:
            print(f"postgresql: seeded {size:,} tickets in {await seeded(url, size):.1f} s", flush=True)
            lines += await asyncio.to_thread(compare, "postgresql", url, args)
    print(f"\n{args.command!r} with {size:,} tickets stored; {args.trials} processes per way, interleaved\n")
    print("\n".join(lines))


if __name__ == "__main__":
    asyncio.run(main())
