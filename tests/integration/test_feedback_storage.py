"""Fix confirmation, ratings and sub-states on the real database (SQLite, and PostgreSQL when configured),
played on the console chat as people would type it: one transaction each, once-only after a restart."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from support.databases import migrated  # noqa: F401  (fixture)
from supportbot.bootstrap import App, build_app, console_chat
from supportbot.config import load_settings
from supportbot.db.engine import Database
from supportbot.db.tables import ratings, ticket_events, tickets
from supportbot.domain import texts
from supportbot.domain.satisfaction import Rating
from supportbot.services.escalation import Sweeper

REPORT = "On the court page I click Stake and get an error"
THURSDAY_10_PARIS = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)  # the clock's Mon 10:00 Paris + 3 business days


@pytest.fixture
def app(clock, migrated: Database) -> App:
    return build_app(load_settings(None, env={}), {"console"}, clock=clock, database=migrated)


class Console:
    """The console chat on the app: `type` lines, read what it printed."""

    def __init__(self, app: App) -> None:
        self.lines: list[str] = []
        self.chat = console_chat(app, self.lines.append, itertools.count(1), echo=True)

    async def type(self, *lines: str) -> list[str]:
        """Type the lines; what was printed meanwhile."""
        start = len(self.lines)
        for line in lines:
            assert await self.chat.handle(line)
        return self.lines[start:]

    def message_with(self, text: str) -> int:
        """The number of the bot's latest message containing `text`."""
        found = [line for line in self.lines if " supportbot" in line and text in line and "] #" in line]
        assert found, f"no message with {text!r} in:\n" + "\n".join(self.lines)
        return int(found[-1].split("] #", 1)[1].split()[0])


async def stored(app: App, table: sa.Table, *columns: str) -> list[tuple]:
    async with app.database.engine.connect() as conn:
        return [tuple(row) for row in await conn.execute(sa.select(*(table.c[c] for c in columns)))]


async def test_the_reporter_confirms_then_rates_and_comments_on_the_console(app: App, clock) -> None:
    console = Console(app)
    await console.type("/in court", "/as dave", REPORT, "/as Bob", "/status 1 in_progress pr_review")
    assert await stored(app, tickets, "status", "sub_state") == [("in_progress", "pr_review")]

    shown = await console.type("/status 1 fix_provided deployed")
    question = console.message_with("Does it work for you now?")
    assert "    [✅ Fixed for me] [❌ Still broken]" in shown
    assert await stored(app, tickets, "sub_state", "fix_provided_at", "fix_provided_by") == [
        (None, clock.now(), "Bob")]

    refused = await console.type("/as mallory", f"/click {question} confirm_fixed")
    assert f"⚠️ {texts.NOT_YOUR_TICKET.format(number=1)}" in refused[-1]
    await console.type("/as dave", f"/click {question} confirm_fixed")
    assert await stored(app, tickets, "status", "resolution") == [("resolved", "fixed")]

    ask = console.message_with("How did we do?")
    await console.type(f"/click {ask} rate_2", f">>{ask} The fix took a week")
    assert await stored(app, ratings, "score", "comment") == [(2, "The fix took a week")]
    team = [line for line in console.lines if line.startswith("[team]") and "was rated 2/5" in line]
    assert len(team) == 2 and all(line.endswith("\n    @Carol") for line in team)

    card = await console.type("/ticket 1")
    assert 'Rating: 2/5 — "The fix took a week"' in "\n".join(card)


async def test_still_broken_is_stored_with_its_history_and_the_mover_tagged(app: App) -> None:
    console = Console(app)
    await console.type("/in court", "/as dave", REPORT, "/as Bob", "/status 1 fix_provided")
    question = console.message_with("Does it work for you now?")

    await console.type("/as dave", f"/click {question} still_broken")

    assert await stored(app, tickets, "status") == [("in_progress",)]
    assert ("status", "in_progress: still broken (said dave)") in await stored(app, ticket_events, "kind", "detail")
    [notice] = [line for line in console.lines if line.startswith("[team]") and "does not work" in line]
    assert notice.endswith("\n    @Bob")


async def test_the_confirmation_expires_once_even_with_two_sweepers_and_after_a_restart(app: App, clock) -> None:
    console = Console(app)
    await console.type("/in court", "/as dave", REPORT, "/as Bob", "/status 1 fix_provided")
    clock.set(THURSDAY_10_PARIS + timedelta(hours=1))  # the bot was down when it fell due

    restarted = build_app(app.settings, {"console"}, clock=clock, database=app.database)
    await asyncio.gather(Sweeper(restarted.deps).sweep(), Sweeper(restarted.deps).sweep())
    await app.sweeper.sweep()

    assert await stored(app, tickets, "status", "resolution", "next_due_at") == [("resolved", "fixed", None)]
    resolves = [row for row in await stored(app, ticket_events, "kind", "actor", "detail") if row[0] == "resolve"]
    assert resolves == [("resolve", texts.BOT_ACTOR, "fixed: no answer within 3 business days")]


async def test_a_rating_is_one_row_per_ticket_updated_in_place(app: App, clock) -> None:
    console = Console(app)
    await console.type("/in court", "/as dave", REPORT)
    async with app.database() as uow:
        ticket = await uow.tickets.by_number(1)
        assert ticket is not None and await uow.ratings.of(ticket.stored_id) is None
        await uow.ratings.save(Rating(ticket.stored_id, 3, clock.now(), clock.now()))
        await uow.commit()
    later = clock.now() + timedelta(days=1)
    async with app.database() as uow:
        await uow.ratings.save(Rating(ticket.stored_id, 5, later, later, "great"))
        await uow.commit()

    async with app.database() as uow:
        rating = await uow.ratings.of(ticket.stored_id)
    assert rating is not None
    assert (rating.score, rating.comment, rating.rated_at, rating.updated_at) == (5, "great", clock.now(), later)
    assert len(await stored(app, ratings, "id")) == 1
