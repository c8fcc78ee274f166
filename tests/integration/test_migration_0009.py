"""The upgrade to 0009 fills the metrics' recorded figures of existing tickets from what was stored."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from supportbot.db import migrate
from supportbot.db.engine import Database
from supportbot.db.tables import ticket_events, tickets
from tests.integration.test_migrations import empty_database, old_ticket_row  # noqa: F401  (the fixture)


async def test_the_upgrade_to_0009_fills_waits_deadlines_and_reopenings_from_what_is_stored(
    empty_database: Database, clock,  # noqa: F811
) -> None:
    await migrate.upgrade(empty_database.engine, "0008")
    created = clock.now() - timedelta(days=3, microseconds=250)
    answered = {"first_response_at": created + timedelta(minutes=90, microseconds=7)}
    rows = [
        old_ticket_row(1, created, **answered),                                     # answered, open
        old_ticket_row(2, created),                                                 # waiting since it was opened
        old_ticket_row(3, created, severity="emergency", status="resolved", resolution="fixed",
                       resolved_at=created + timedelta(hours=3)),                   # never answered, resolved
        old_ticket_row(4, created, **answered, status="resolved", resolution="fixed",
                       resolved_at=created + timedelta(hours=5)),                   # reopened twice, resolved
    ]
    reopened = [dict(ticket_id=4, at=created + timedelta(hours=n), actor="dave", kind="reopen", detail="received")
                for n in (2, 4)]
    async with empty_database.engine.begin() as conn:
        await conn.execute(sa.insert(tickets), rows)
        await conn.execute(sa.insert(ticket_events), [
            *reopened, dict(ticket_id=1, at=created, actor="dave", kind="created", detail="reopen")])

    await migrate.upgrade(empty_database.engine)

    async with empty_database() as uow:
        found = {n: await uow.tickets.by_number(n) for n in (1, 2, 3, 4)}
    one, two, three, four = (found[n] for n in (1, 2, 3, 4))
    assert one and two and three and four
    # An answered ticket's first response is its one response so far, its wait the wall-clock span.
    assert (one.responses, one.response_wait_us, one.awaiting_since) == (1, 90 * 60_000_000 + 7, None)
    assert (two.responses, two.response_wait_us, two.awaiting_since) == (0, 0, created)
    assert (three.responses, three.awaiting_since) == (0, None)  # resolved: nobody waits any more
    # An emergency's first response was due an hour after it was opened; a normal ticket's is not known.
    assert three.first_response_due_at == created + timedelta(hours=1)
    assert one.first_response_due_at is None
    assert [t.reopens for t in (one, two, three, four)] == [0, 0, 0, 2]
