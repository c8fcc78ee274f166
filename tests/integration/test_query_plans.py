"""Every list the bot shows reads an index, never the whole tickets or platform_messages table.

The lists are produced by their real callers — /tickets with its filters, the Discord autocomplete, a
handoff, the end-of-shift reminder, `supportbot tickets`, a follow-up in a thread — over a history that
is mostly resolved tickets, and each SELECT they send on those tables is EXPLAINed with its own
parameters: on SQLite (EXPLAIN QUERY PLAN, never ANALYZEd, as in use) and on PostgreSQL (EXPLAIN, with
sequential scans priced out so that a table this small still shows the plan a big one would get).
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from supportbot.bootstrap import App, build_app
from supportbot.cli_tickets import _listed
from supportbot.config import load_settings
from supportbot.db.engine import Database
from supportbot.db.tables import counters, metadata, platform_messages, tickets
from supportbot.domain.people import Sender
from supportbot.services.ports import IncomingMessage

STORED = 600  # tickets, one in ten open
MESSAGE_IDS = itertools.count(50_000)
WATCHED = re.compile(r"\b(FROM|JOIN)\s+(tickets|platform_messages)\b", re.IGNORECASE)


def ticket_row(n: int, now: Any) -> dict[str, Any]:
    created = now - timedelta(days=400) + timedelta(hours=n)
    is_open = n % 10 == 0
    return {
        "number": n, "product": ("court", "curate")[n % 2], "severity": "emergency" if n % 7 == 0 else "normal",
        "status": ("received", "in_progress")[n % 20 == 0] if is_open else "resolved",
        "resolution": None if is_open else "fixed", "title": f"ticket {n}", "body": "b",
        "reporter_platform": "console", "reporter_id": 4000 + n % 50, "reporter_name": "dave",
        "assignee": ("Alice", "Bob")[n % 3 == 0], "pr_links": [], "missing": [], "security": n % 97 == 0,
        "source_platform": "console", "source_chat_id": 100, "source_message_id": n, "thread_id": n,
        "created_at": created, "first_response_at": created + timedelta(minutes=5),
        "last_activity_at": created, "resolved_at": None if is_open else created + timedelta(hours=2),
        "interactions": 2, "escalation_level": 0, "last_escalation_at": None,
        "first_response_missed_notified": False, "next_due_at": None,
    }


async def seed(database: Database, now: Any) -> None:
    """A history of STORED tickets, each with its card posted in a thread of its own."""
    async with database.engine.begin() as conn:
        await conn.execute(sa.insert(tickets), [ticket_row(n, now) for n in range(1, STORED + 1)])
        await conn.execute(sa.insert(platform_messages), [
            {"platform": "console", "chat_id": 100, "message_id": 10_000 + n, "thread_id": n, "ticket_id": n,
             "role": "card"} for n in range(1, STORED + 1)])
        if database.engine.dialect.name == "postgresql":
            await conn.exec_driver_sql("ANALYZE")


@pytest.fixture
async def app(database: Database, clock) -> AsyncIterator[App]:
    await seed(database, clock.now())
    yield build_app(load_settings(None, env={}), {"console"}, clock=clock, database=database)


@pytest.fixture
def sent(database: Database) -> AsyncIterator[list[tuple[str, Any]]]:
    """The SELECTs on tickets or platform_messages sent by any engine while the test runs."""
    captured: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, params: Any, _context: Any, _many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT") and WATCHED.search(statement):
            captured.append((statement, params))

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", capture)
    yield captured
    sa.event.remove(sa.engine.Engine, "before_cursor_execute", capture)


def team(app: App, name: str) -> Sender:
    person = app.desk.directory.person(name)
    assert person is not None
    return Sender("console", 1 if name == "Alice" else 2, name, person=person)


async def say(app: App, sender: Sender, text: str, *, thread: int | None = None) -> None:
    msg = IncomingMessage("console", 100 if thread else 1, next(MESSAGE_IDS), sender, text, app.deps.clock.now(),
                          private=thread is None, thread_id=thread)
    await app.desk.handle_message(msg)


def partial_indexes(engine: str) -> set[str]:
    """Indexes over part of a table (open tickets, threaded messages): reading one whole is not a full scan."""
    return {index.name for table in metadata.tables.values() for index in table.indexes
            if index.dialect_options[engine]._non_defaults.get("where") is not None and index.name}


async def plan(database: Database, statement: str, params: Any) -> list[str]:
    """The steps of the statement's plan: SQLite's own words; for PostgreSQL, each scan with its index condition."""
    async with database.engine.connect() as conn:
        if database.engine.dialect.name == "sqlite":
            return [row[-1] for row in (await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params)).all()]
        await conn.exec_driver_sql("SET enable_seqscan = off")
        found = (await conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, params)).scalar_one()
    found = json.loads(found) if isinstance(found, str) else found
    return [_describe(node) for node in _nodes(found[0]["Plan"]) if "Scan" in node["Node Type"]]


def reads_all(step: str, partial: set[str]) -> bool:
    """True for a step reading all of tickets or platform_messages: the table itself, or a whole index
    over all its rows without a condition (an index over part of it, such as the open tickets, is
    bounded by that part)."""
    if re.match(r"(SCAN|Seq Scan on) (tickets|platform_messages)$", step):
        return True
    whole = re.match(r"(?:SCAN (?:tickets|platform_messages) USING (?:COVERING )?INDEX (\w+)$"
                     r"|(?:Index|Index Only|Bitmap Index) Scan USING INDEX (\w+) \(\)$)", step)
    index = whole and (whole.group(1) or whole.group(2))
    return bool(index) and re.match(r"(ix|uq|pk)_(tickets|platform_messages)", index) is not None \
        and index not in partial


def _nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
    return [node, *(n for child in node.get("Plans", []) for n in _nodes(child))]


def _describe(node: dict[str, Any]) -> str:
    if "Index Name" in node:
        return f"{node['Node Type']} USING INDEX {node['Index Name']} ({node.get('Index Cond', '')})"
    return f"{node['Node Type']} on {node.get('Relation Name')}"


async def plans_of(database: Database, sent: list[tuple[str, Any]], run: Callable[[], Awaitable[object]]) -> dict[str, list[str]]:
    """Run a caller; the plan of every statement it sent on the watched tables."""
    sent.clear()
    await run()
    assert sent, "the caller sent no query on tickets or platform_messages"
    return {statement: await plan(database, statement, params) for statement, params in list(sent)}


def without_full_scans(database: Database, plans: dict[str, list[str]]) -> dict[str, list[str]]:
    """The statements whose plan reads all of a watched table, with those steps (empty: none does)."""
    partial = partial_indexes(database.engine.dialect.name)
    found = {statement: [step for step in steps if reads_all(step, partial)] for statement, steps in plans.items()}
    return {statement: steps for statement, steps in found.items() if steps}


# --- the lists -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["/tickets", "/tickets court", "/tickets in_progress", "/tickets court received"])
async def test_tickets_command_reads_indexes(app: App, database: Database, sent, command: str) -> None:
    plans = await plans_of(database, sent, lambda: say(app, team(app, "Alice"), command))

    assert without_full_scans(database, plans) == {}


async def test_a_reporters_own_tickets_read_an_index(app: App, database: Database, sent) -> None:
    dave = Sender("console", 4010, "dave")

    plans = await plans_of(database, sent, lambda: say(app, dave, "/ticket"))

    assert without_full_scans(database, plans) == {}


async def test_the_ticket_limit_reads_a_reporters_recent_tickets_from_the_index_alone(app: App, database: Database,
                                                                                     sent) -> None:
    dave = Sender("console", 4010, "dave")  # a reporter with twelve tickets over the last year
    async with database.engine.begin() as conn:  # the seeded tickets took their numbers without the counter
        await conn.execute(sa.update(counters).values(value=STORED))

    plans = await plans_of(database, sent, lambda: say(app, dave, "/report The court page fails again"))

    assert without_full_scans(database, plans) == {}
    [limit] = [steps for statement, steps in plans.items() if "created_at >" in statement]
    # No ticket row is read: SQLite's covering index, PostgreSQL's index-only scan.
    assert re.match(r"SEARCH tickets USING COVERING INDEX ix_tickets_reporter \(.*created_at>\?\)"
                    r"|Index Only Scan USING INDEX ix_tickets_reporter \(.*created_at >", limit[0]), limit


@pytest.mark.parametrize("prefix", ["", "1", "#59"])
async def test_autocomplete_reads_an_index(app: App, database: Database, sent, prefix: str) -> None:
    found: list[tuple[int, str]] = []

    async def complete() -> None:
        found.extend(await app.desk.open_ticket_numbers(True, prefix))

    plans = await plans_of(database, sent, complete)

    assert without_full_scans(database, plans) == {}
    assert found and all(str(number).startswith(prefix.lstrip("#")) for number, _ in found)


async def test_a_handoff_reads_indexes(app: App, database: Database, sent) -> None:
    bob = team(app, "Bob")  # on call in the week of 7 December

    plans = await plans_of(database, sent, lambda: say(app, bob, "/handoff Alice going on leave"))

    assert without_full_scans(database, plans) == {}
    async with database() as uow:
        assert not await uow.tickets.list(assignee="Bob")  # the tickets did move


async def test_the_shift_reminder_reads_an_index(app: App, database: Database, sent, clock) -> None:
    assert app.reminder is not None
    clock.set(clock.now().replace(day=14, hour=7, minute=30))  # half an hour before Bob's shift ends

    plans = await plans_of(database, sent, app.reminder.remind)

    assert without_full_scans(database, plans) == {}


@pytest.mark.parametrize("product, status", [(None, None), ("court", None), (None, "received")])
async def test_the_tickets_command_line_reads_an_index(app: App, database: Database, sent, product, status) -> None:
    settings = load_settings(None, env={"DATABASE_URL": database.engine.url.render_as_string(hide_password=False)})

    plans = await plans_of(database, sent, lambda: _listed(settings, product=product, status=status, all_=False))

    assert without_full_scans(database, plans) == {}


async def test_a_message_in_a_tickets_thread_finds_it_by_an_index(app: App, database: Database, sent) -> None:
    plans = await plans_of(database, sent, lambda: say(app, Sender("console", 4242, "dave"), "still broken", thread=37))

    [steps] = [steps for statement, steps in plans.items() if "thread_id =" in statement]
    assert any("thread_id" in step for step in steps), steps  # found by its thread, not among the chat's messages
    assert without_full_scans(database, plans) == {}


async def test_stats_backlog_reads_an_index(app: App, database: Database, sent) -> None:
    async def backlog() -> None:
        async with database() as uow:
            await uow.tickets.count_open(None)
            await uow.tickets.count_open("court", security=True)

    assert without_full_scans(database, await plans_of(database, sent, backlog)) == {}


async def triage(database: Database) -> None:
    """Give a third of the open tickets a priority (p1-p4): fewer than a list holds, so both walks run."""
    async with database.engine.begin() as conn:
        for n in range(30, STORED + 1, 30):
            await conn.execute(sa.update(tickets).where(tickets.c.number == n)
                               .values(priority=("p1", "p2", "p3", "p4")[n // 30 % 4]))
        if database.engine.dialect.name == "postgresql":
            await conn.exec_driver_sql("ANALYZE tickets")


@pytest.mark.parametrize("command", ["/backlog", "/backlog court"])
@pytest.mark.parametrize("who", ["Alice", "Bob"])  # an admin sees security tickets, an engineer does not
async def test_the_backlog_reads_its_indexes_triaged_then_untriaged(app: App, database: Database, sent,
                                                                    command: str, who: str) -> None:
    await triage(database)

    plans = await plans_of(database, sent, lambda: say(app, team(app, who), command))

    assert without_full_scans(database, plans) == {}
    assert len(plans) == 2, plans
    # The triaged walk reads its priority index; the untriaged one a partial index of open tickets (PostgreSQL
    # may rather walk ix_tickets_open in age order, skipping the triaged).
    [triaged] = [steps for statement, steps in plans.items() if "priority IS NOT NULL" in statement]
    index = "ix_tickets_open_product_priority" if "court" in command else "ix_tickets_open_priority"
    assert any(index in step for step in triaged), triaged
    partial = partial_indexes(database.engine.dialect.name)
    assert all(any(name in step for name in partial for step in steps) for steps in plans.values()), plans
    # Each walk is in the index's order: SQLite sorts nothing (PostgreSQL's plan, read for its scans, may sort
    # the few rows a bitmap scan of this small table finds).
    assert not any("TEMP B-TREE" in step or step.startswith("Sort") for steps in plans.values() for step in steps)


def test_the_partial_indexes_are_known_to_the_check() -> None:
    assert {"ix_tickets_open", "ix_tickets_open_product", "ix_tickets_open_assignee",
            "ix_platform_messages_thread"} <= partial_indexes("sqlite") == partial_indexes("postgresql")
