"""The escalation sweep and the on-call store on the real database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa

from support.databases import migrated  # noqa: F401  (fixture)
from supportbot.bootstrap import App, build_app
from supportbot.bootstrap_rules import CONSOLE_EMERGENCY, CONSOLE_PRODUCT_BASE, CONSOLE_TEAM
from supportbot.config import load_settings
from supportbot.db import migrate
from supportbot.db.engine import Database
from supportbot.db.tables import handoffs, outbox, ticket_events
from supportbot.demo import run_demo
from supportbot.domain.oncall import Handoff
from supportbot.domain.people import Sender
from supportbot.domain.ticket_states import Severity
from supportbot.domain.tickets import Ticket
from supportbot.runtime import periodic_jobs
from supportbot.services.escalation import Sweeper
from supportbot.services.ports import IncomingMessage

COURT = CONSOLE_PRODUCT_BASE
ERIN = Sender("console", 4343, "erin")
OUTAGE = "Court v2 is down: every vote transaction reverts on mainnet"
REPORT = "On the court page I click Stake and get an error"


@pytest.fixture
def app(clock, migrated: Database) -> App:
    return build_app(load_settings(None, env={}), {"console"}, clock=clock, database=migrated)


def team_member(app: App, name: str) -> Sender:
    person = app.deps.directory.person(name)
    return Sender("console", 1000 + len(name), person.name, person=person)


async def post(app: App, chat_id: int, text: str, who: Sender = ERIN, *, message_id: int) -> None:
    await app.desk.handle_message(IncomingMessage("console", chat_id, message_id, who, text, app.deps.clock.now()))


async def command(app: App, who: str, text: str, *, message_id: int):
    msg = IncomingMessage("console", CONSOLE_TEAM, message_id, team_member(app, who), text, app.deps.clock.now())
    return await app.desk.handle_message(msg)


async def notice_keys(database: Database) -> list[str]:
    """Dedupe keys of every queued escalation notice."""
    async with database.engine.connect() as conn:
        rows = await conn.execute(sa.select(outbox.c.dedupe_key).where(outbox.c.dedupe_key.like("ticket:%")))
        kinds = ("emergency_unanswered", "emergency_idle", "first_response_missed", "stagnant")
        return sorted(k for (k,) in rows if k.split(":")[2] in kinds)


def per_notice(keys: list[str]) -> Counter[tuple[int, str, int]]:
    """Outbox rows per (ticket, kind, level)."""
    return Counter((int(k.split(":")[1]), k.split(":")[2], int(k.split(":")[3])) for k in keys)


async def seed_due_emergencies(app: App, count: int) -> None:
    """`count` unanswered emergencies opened two hours ago, stored in one transaction."""
    opened = app.deps.clock.now() - timedelta(hours=2)
    async with app.database() as uow:
        for n in range(1, count + 1):
            ticket = Ticket(
                number=await uow.tickets.next_number(), product="court", severity=Severity.EMERGENCY,
                title=f"outage {n}", body=f"outage {n}", reporter_platform="console", reporter_id=n,
                reporter_name=f"user{n}", created_at=opened, source_platform="console",
                source_chat_id=CONSOLE_EMERGENCY, source_message_id=n,
            )
            app.deps.clocks.recompute(ticket)
            await uow.tickets.add(ticket)
        await uow.commit()


def test_the_app_schedules_the_sweep_and_the_shift_reminder(app: App) -> None:
    assert isinstance(app.sweeper, Sweeper)
    jobs = {name: every for name, _, every in periodic_jobs(app, [])}
    assert jobs == {"sweep": timedelta(seconds=15), "shift-reminder": timedelta(minutes=1),
                    "weekly-digest": timedelta(minutes=1), "morning-summary": timedelta(minutes=1)}


async def test_an_emergency_escalates_once_per_level(app: App, clock) -> None:
    await post(app, CONSOLE_EMERGENCY, OUTAGE, message_id=1)
    clock.advance(hours=1)

    assert await app.sweeper.sweep() == 1
    assert await app.sweeper.sweep() == 0  # the same instant again: nothing new
    clock.advance(minutes=59)
    assert await app.sweeper.sweep() == 0
    clock.advance(minutes=1)
    assert await app.sweeper.sweep() == 1

    assert per_notice(await notice_keys(app.database)) == {
        (1, "emergency_unanswered", 1): 2, (1, "emergency_unanswered", 2): 2,  # the emergency chat and the team chat
    }


async def test_after_downtime_each_overdue_escalation_fires_once(app: App, clock) -> None:
    for n in range(3):
        await post(app, CONSOLE_EMERGENCY, f"{OUTAGE} ({n})", message_id=10 + n)
    for n in range(2):
        await post(app, COURT, f"{REPORT} ({n})", message_id=20 + n)
    clock.advance(days=10)

    assert await app.sweeper.sweep() == 3 + 2 * 2  # each emergency once; each report: first response and stagnant
    assert await app.sweeper.sweep() == 0

    counts = per_notice(await notice_keys(app.database))
    assert set(counts.values()) == {2}
    assert sorted(kind for _, kind, _ in counts) == (
        ["emergency_unanswered"] * 3 + ["first_response_missed"] * 2 + ["stagnant"] * 2)
    async with app.database() as uow:
        due = [t.next_due_at for t in await uow.tickets.list(limit=10)]
    assert all(d > clock.now() for d in due)


async def test_two_sweepers_at_once_write_each_notice_exactly_once(app: App) -> None:
    await seed_due_emergencies(app, 1000)
    first, second = Sweeper(app.deps, batch=50), Sweeper(app.deps, batch=50)

    written = await asyncio.gather(first.sweep(), second.sweep())

    assert sum(written) == 1000  # no ticket was escalated by both
    counts = per_notice(await notice_keys(app.database))
    assert len(counts) == 1000 and set(counts.values()) == {2}
    assert {level for _, _, level in counts} == {1}
    async with app.database.engine.connect() as conn:
        per_ticket = (await conn.execute(
            sa.select(ticket_events.c.ticket_id, sa.func.count())
            .where(ticket_events.c.kind == "escalation").group_by(ticket_events.c.ticket_id)
        )).all()
    assert len(per_ticket) == 1000 and {n for _, n in per_ticket} == {1}


async def test_a_handoff_is_stored_and_moves_tickets_in_one_transaction(app: App, clock) -> None:
    await post(app, COURT, REPORT, message_id=1)
    await post(app, COURT, f"{REPORT} again", message_id=2)
    await command(app, "Bob", "/take 1", message_id=3)
    await command(app, "Bob", "/take 2", message_id=4)
    await command(app, "Bob", "/keep 2", message_id=5)

    reply = await command(app, "Bob", "/handoff Alice RPC provider is flaky", message_id=6)

    assert reply.ok, reply.text
    async with app.database() as uow:
        assert [(t.number, t.assignee) for t in await uow.tickets.list(limit=10)] == [(1, "Alice"), (2, "Bob")]
        assert await uow.keeps.of("Bob") == set()
        [stored] = await uow.handoffs.active(clock.now())
        assert (stored.from_person, stored.to_person, stored.notes) == ("Bob", "Alice", "RPC provider is flaky")
    # Another process reads the handoff from the store.
    other = build_app(app.settings, {"console"}, clock=clock, database=app.database)
    await other.sweeper.sweep()
    assert [p.name for p in other.deps.oncall.engineers(clock.now())] == ["Alice"]


async def test_the_on_call_store_round_trips(app: App, clock) -> None:
    now = clock.now()
    await post(app, CONSOLE_EMERGENCY, OUTAGE, message_id=1)
    async with app.database() as uow:
        old = await uow.handoffs.add(Handoff(now - timedelta(days=9), "Alice", "Bob", "", now - timedelta(days=2)))
        new = await uow.handoffs.add(Handoff(now, "Bob", "Carol", "notes", now + timedelta(days=2)))
        assert await uow.keeps.add(1, "Bob", now) is True
        assert await uow.keeps.add(1, "Bob", now) is False  # already kept; the transaction goes on
        await uow.commit()
    async with app.database() as uow:
        assert [h.id for h in await uow.handoffs.active(now)] == [new] and old != new
        assert (await uow.handoffs.active(now))[0].until == now + timedelta(days=2)
        assert await uow.handoffs.open_emergencies() == [(1, None)]
        assert await uow.keeps.of("Bob") == {1}
        await uow.keeps.release("Bob")
        await uow.commit()
    async with app.database() as uow:
        assert await uow.keeps.of("Bob") == set()


async def test_the_on_call_tables_migrate_down_and_up(migrated: Database) -> None:
    database = migrated
    await migrate.downgrade(database.engine, "0001")
    async with database.engine.connect() as conn:
        names = await conn.run_sync(lambda c: sa.inspect(c).get_table_names())
    assert "handoffs" not in names and "handoff_keeps" not in names

    await migrate.upgrade(database.engine)
    async with database.engine.connect() as conn:
        names = await conn.run_sync(lambda c: sa.inspect(c).get_table_names())
        assert {"handoffs", "handoff_keeps"} <= set(names)
        assert (await conn.execute(sa.select(sa.func.count()).select_from(handoffs))).scalar_one() == 0


async def test_the_demo_shows_an_emergency_escalating_once_per_level() -> None:
    lines: list[str] = []

    assert await run_demo(load_settings(None, env={}), write=lines.append) == 0

    transcript = "\n".join(lines)
    for minutes in (10, 20):
        tagged = f"🚨 Emergency #2 (Court v2) has had no response for {minutes}m. On-call team, please take it"
        assert transcript.count(tagged) == 2  # in the emergency channel and in the team chat
    assert transcript.count("with no activity for 10m") == 2
    after_resolve = transcript.split("Resolved: the clock has stopped")[1].split("── ")[0]
    assert "🚨" not in after_resolve
    assert "Kept by Bob: #4" in transcript and "(handed over by Bob)" in transcript
