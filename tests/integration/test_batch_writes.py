"""The sweep's batch writes (history lines, ticket clocks) store what a statement of SQLAlchemy's stores, on every engine."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from support.databases import migrated  # noqa: F401  (fixture)
from supportbot.bootstrap import App, build_app
from supportbot.bootstrap_rules import CONSOLE_PRODUCT_BASE
from supportbot.config import load_settings
from supportbot.db.engine import Database
from supportbot.db.tables import ticket_events, tickets
from supportbot.domain.people import Sender
from supportbot.services.ports import IncomingMessage, TicketEvent

AT = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
ERIN = Sender("console", 4343, "erin")


@pytest.fixture
def app(clock, migrated: Database) -> App:
    return build_app(load_settings(None, env={}), {"console"}, clock=clock, database=migrated)


def _stored(*columns: sa.ColumnElement) -> list[sa.ColumnElement]:
    """The columns as the database holds them (SQLite compares instants by this text)."""
    return [sa.cast(column, sa.String) for column in columns]


async def test_history_lines_in_a_batch_are_stored_as_lines_added_one_by_one(app: App) -> None:
    for n in (1, 2):
        await app.desk.handle_message(IncomingMessage("console", CONSOLE_PRODUCT_BASE, n, ERIN,
                                                      f"On the court page I click Stake and get error {n}", AT))
    lines = [TicketEvent(1, AT + timedelta(microseconds=n), "Bot", "escalation", f"line {n}") for n in (0, 1)]
    lines.append(TicketEvent(2, AT.astimezone(timezone(timedelta(hours=1))), "Bot", "escalation", "line 2"))
    async with app.deps.uow() as uow:
        for line in lines:
            await uow.events.add(line)
        await uow.events.add_many(lines)
        await uow.commit()
    async with app.deps.uow() as uow:
        rows = (await uow.session.execute(
            sa.select(ticket_events.c.ticket_id, ticket_events.c.at, ticket_events.c.actor, ticket_events.c.kind,
                      ticket_events.c.detail, *_stored(ticket_events.c.at))
            .where(ticket_events.c.kind == "escalation").order_by(ticket_events.c.id))).all()
    assert rows[3:] == rows[:3]
    assert [row.at for row in rows[3:]] == [line.at for line in lines]


async def test_saved_clocks_are_stored_as_an_update_of_sqlalchemys_stores_them(app: App) -> None:
    for n in (1, 2):
        await app.desk.handle_message(IncomingMessage("console", CONSOLE_PRODUCT_BASE, n, ERIN,
                                                      f"On the court page I click Stake and get error {n}", AT))
    due, fired = AT + timedelta(days=2, microseconds=5), AT + timedelta(hours=1)
    async with app.deps.uow() as uow:
        first, second = await uow.tickets.get(1), await uow.tickets.get(2)
        uow.session.expunge_all()  # only the statements below write: no flush of the objects at commit
        for ticket in (first, second):
            ticket.next_due_at, ticket.escalation_level, ticket.last_escalation_at = due, 2, fired
            ticket.first_response_missed_notified = True
        await uow.tickets.save_clocks([first])
        await uow.session.execute(sa.update(tickets).where(tickets.c.number == 2).values(
            next_due_at=due, escalation_level=2, last_escalation_at=fired, first_response_missed_notified=True))
        await uow.session.commit()
    clocks = (tickets.c.next_due_at, tickets.c.escalation_level, tickets.c.last_escalation_at,
              tickets.c.first_response_missed_notified)
    async with app.deps.uow() as uow:
        batch, single = (await uow.session.execute(
            sa.select(*clocks, *_stored(tickets.c.next_due_at, tickets.c.last_escalation_at,
                                        tickets.c.first_response_missed_notified))
            .order_by(tickets.c.number))).all()
    assert batch == single
    assert tuple(batch)[:4] == (due, 2, fired, True)


async def test_cleared_clocks_are_stored_as_nulls(app: App) -> None:
    await app.desk.handle_message(IncomingMessage("console", CONSOLE_PRODUCT_BASE, 1, ERIN,
                                                  "On the court page I click Stake and get an error", AT))
    async with app.deps.uow() as uow:
        ticket = await uow.tickets.get(1)
        uow.session.expunge_all()
        ticket.next_due_at, ticket.last_escalation_at, ticket.first_response_missed_notified = None, None, False
        await uow.tickets.save_clocks([ticket])
        await uow.session.commit()
    async with app.deps.uow() as uow:
        row = (await uow.session.execute(sa.select(tickets.c.next_due_at, tickets.c.last_escalation_at,
                                                   tickets.c.first_response_missed_notified))).one()
    assert tuple(row) == (None, None, False)


async def test_a_batch_lands_after_what_the_session_held_as_a_statement_of_sqlalchemys_would(app: App) -> None:
    await app.desk.handle_message(IncomingMessage("console", CONSOLE_PRODUCT_BASE, 1, ERIN,
                                                  "On the court page I click Stake and get an error", AT))
    async with app.deps.uow() as uow:
        held = await uow.tickets.get(1)
        held.next_due_at = AT + timedelta(days=9)  # changed in the session, not yet written
        copy = replace(held, next_due_at=AT + timedelta(days=1), escalation_level=1)  # as the sweep's claim makes them
        copy.id = held.id
        await uow.tickets.save_clocks([copy])
        await uow.commit()
    async with app.deps.uow() as uow:
        stored = (await uow.session.execute(sa.select(tickets.c.next_due_at, tickets.c.escalation_level))).one()
    assert tuple(stored) == (AT + timedelta(days=1), 1)
