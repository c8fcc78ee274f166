"""The public tracker's reads: each page's SELECTs read indexes, never the whole tickets or ticket_events
table, on SQLite and PostgreSQL (plans read as in tests/integration/test_query_plans.py, over the same
history of mostly resolved tickets); and what they select leaves out the reporter's words.

The recently resolved are found among the resolved tickets (ix_tickets_status on SQLite); no index
orders them by resolution time yet, so that list reads every resolved ticket's index entry."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from supportbot.db.engine import Database
from supportbot.db.tables import ticket_events
from supportbot.domain.people import Directory, Person, Product
from supportbot.domain.ticket_states import Status
from supportbot.services import public_tracker as tracker
from supportbot.services.public_tracker import Filters
from tests.integration import test_query_plans as query_plans
from tests.integration.test_query_plans import STORED, partial_indexes, plan, reads_all, seed
from tests.integration.test_query_plans import sent as sent  # the fixture

DIRECTORY = Directory(people=(Person("Alice"),), products=(Product("court", "Court", chats={"console": (100,)}),
                                                            Product("curate", "Curate")))
WATCHED = re.compile(r"\b(FROM|JOIN)\s+(tickets|ticket_events|platform_messages)\b", re.IGNORECASE)


@pytest.fixture
async def history(database: Database, clock) -> Database:
    """The plan tests' tickets, each with its opening, a status change, a team reply, a reporter's message
    and a note; a few resolved lately."""
    now = clock.now()
    await seed(database, now)
    async with database.engine.begin() as conn:
        await conn.execute(sa.text("UPDATE tickets SET resolved_at = :at WHERE number > :n AND status = 'resolved'"),
                           {"at": now - timedelta(days=1), "n": STORED - 30})
        rows = [{"ticket_id": n, "at": now - timedelta(days=2), "actor": actor, "kind": kind, "detail": detail}
                for n in range(1, STORED + 1) for actor, kind, detail in (
                    ("dave", "created", "normal ticket from console"), ("Alice", "status", "in_progress: the logs"),
                    ("Alice", "reply", "we are on it"), ("dave", "message", "my name is dave"),
                    ("Bob", "team_message", "looks like the indexer again"),
                    ("Alice", "note", "internal"))]
        await conn.execute(sa.insert(ticket_events), rows)
        if database.engine.dialect.name == "postgresql":
            await conn.exec_driver_sql("ANALYZE")
    return database


@pytest.fixture(autouse=True)
def watch_events_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """The plan tests' capture of SELECTs (`sent`), over ticket_events as well."""
    monkeypatch.setattr(query_plans, "WATCHED", WATCHED)


async def full_scans(database: Database, sent: list[tuple[str, Any]]) -> dict[str, list[str]]:
    """The statements sent whose plan reads all of tickets or ticket_events (empty: none does)."""
    assert sent, "no query on tickets or ticket_events was sent"
    partial = partial_indexes(database.engine.dialect.name)
    found: dict[str, list[str]] = {}
    for statement, params in sent:
        steps = await plan(database, statement, params)
        whole = [step for step in steps if reads_all(step, partial)
                 or re.match(r"(SCAN|Seq Scan on) ticket_events$", step)
                 or re.match(r"SCAN ticket_events USING (COVERING )?INDEX \w+$", step)]
        if whole:
            found[statement] = whole
    return found


@pytest.mark.parametrize("filters", [Filters(), Filters(product="court"), Filters(status=Status.IN_PROGRESS),
                                     Filters(product="curate", status=Status.RESOLVED), Filters(page=2)])
async def test_a_tracker_page_reads_indexes(history: Database, sent, clock, filters: Filters) -> None:
    listing = await tracker.listing(history, filters=filters, directory=DIRECTORY, now=clock.now())

    assert await full_scans(history, sent) == {}
    assert listing.open or listing.resolved or filters.page == 2


async def test_a_ticket_page_and_a_feed_read_indexes(history: Database, sent, clock) -> None:
    found = await tracker.ticket_page(history, 20)
    feed = await tracker.feed(history, "court", now=clock.now())

    assert await full_scans(history, sent) == {}
    assert found is not None and feed


async def test_only_team_replies_in_public_chats_and_status_lines_of_public_tickets_are_selected(
        history: Database) -> None:
    async with history() as uow:  # ticket 97 is a security ticket
        events = await uow.public.events([10, 97], kinds=tracker.PUBLIC_KINDS)
        assert await uow.public.ticket(97) is None and await uow.public.ticket(10) is not None

    # Not the reporter's message, nor the team talking in its own chat, nor anything of ticket 97.
    assert sorted((e.ticket_id, e.kind, e.detail) for e in events) == [
        (10, "created", "normal ticket from console"), (10, "reply", "we are on it"),
        (10, "status", "in_progress: the logs")]
