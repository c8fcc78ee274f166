"""The team board's reads: with any of its filters, each SELECT reads an index (the open tickets' partial
indexes, ix_tickets_status for the recently resolved), never the whole tickets table, on SQLite and
PostgreSQL (plans read as in tests/integration/test_query_plans.py, over the same mostly resolved history)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from supportbot.db.engine import Database
from supportbot.services.web_ports import BoardFilter
from tests.integration.test_query_plans import STORED, partial_indexes, plan, reads_all, seed
from tests.integration.test_query_plans import sent as sent  # the fixture


@pytest.fixture
async def history(database: Database, clock) -> Database:
    """The plan tests' tickets; the last 30 resolved a day ago, a few open ones past their deadline."""
    now = clock.now()
    await seed(database, now)
    async with database.engine.begin() as conn:
        await conn.execute(sa.text("UPDATE tickets SET resolved_at = :at WHERE number > :n AND status = 'resolved'"),
                           {"at": now - timedelta(days=1), "n": STORED - 30})
        await conn.execute(sa.text("UPDATE tickets SET next_due_at = :at WHERE status != 'resolved'"),
                           {"at": now - timedelta(minutes=5)})
        if database.engine.dialect.name == "postgresql":
            await conn.exec_driver_sql("ANALYZE")
    return database


@pytest.mark.parametrize("narrow", [{}, {"product": "court"}, {"severity": "emergency"}, {"assignee": "Bob"},
                                    {"security": True}, {"breached": True}])
async def test_the_board_reads_indexes(history: Database, sent: list[tuple[str, Any]], clock,
                                       narrow: dict[str, Any]) -> None:
    now = clock.now()
    breached = narrow.pop("breached", False)
    wanted = BoardFilter(resolved_since=now - timedelta(days=7), breached_at=now if breached else None, **narrow)
    async with history() as uow:
        cards = await uow.board.cards(wanted, 500)

    assert cards and all(c.security is False for c in cards) == (not narrow.get("security"))
    resolved = [c for c in cards if c.status == "resolved"]
    assert (resolved == []) == breached
    assert all(c.resolved_at is not None and c.resolved_at >= now - timedelta(days=7) for c in resolved)
    partial = partial_indexes(history.engine.dialect.name)
    assert sent
    for statement, params in sent:
        steps = await plan(history, statement, params)
        assert not [s for s in steps if reads_all(s, partial)], (statement, steps)
