"""The desk's writes on the real database (SQLite, and PostgreSQL when configured): a redelivered message is
caught by its stored link alone, a stored ticket keeps later changes, and the sweep stores every ticket's clocks."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from support.databases import migrated  # noqa: F401  (fixture)
from supportbot.bootstrap import App, build_app
from supportbot.bootstrap_rules import CONSOLE_EMERGENCY, CONSOLE_PRODUCT_BASE
from supportbot.config import load_settings
from supportbot.db.engine import Database
from supportbot.db.tables import outbox, platform_messages, ticket_events, tickets
from supportbot.domain.people import Sender
from supportbot.domain.sla import EscalationKind
from supportbot.domain.ticket_states import Severity
from supportbot.domain.tickets import Ticket
from supportbot.services.ports import IncomingMessage

COURT = CONSOLE_PRODUCT_BASE
DAVE = Sender("console", 4242, "dave")
REPORT = "On the court page I click Stake and get an error"
SEED_12 = "legal winner thank year wave sausage worth useful legal winner thank yellow"


@pytest.fixture
def app(clock, migrated: Database) -> App:
    return build_app(load_settings(None, env={}), {"console"}, clock=clock, database=migrated)


def message(app: App, message_id: int, text: str, *, chat_id: int = COURT, reply_to: int | None = None,
            edited: bool = False) -> IncomingMessage:
    return IncomingMessage("console", chat_id, message_id, DAVE, text, app.deps.clock.now(), reply_to=reply_to,
                           edited=edited)


async def count(database: Database, table: sa.Table, *where: sa.ColumnElement[bool]) -> int:
    async with database.engine.connect() as conn:
        query = sa.select(sa.func.count()).select_from(table).where(*where)
        return (await conn.execute(query)).scalar_one()


async def ticket(app: App, number: int) -> Ticket:
    async with app.database() as uow:
        found = await uow.tickets.by_number(number)
    assert found is not None
    return found


async def test_a_redelivered_follow_up_counts_once(app: App) -> None:
    await app.desk.handle_message(message(app, 1, REPORT))
    follow_up = message(app, 2, "It happens with Brave too", reply_to=1)

    await app.desk.handle_message(follow_up)
    await app.desk.handle_message(follow_up)

    assert (await ticket(app, 1)).interactions == 2
    assert await count(app.database, ticket_events, ticket_events.c.kind == "message") == 1
    assert await count(app.database, platform_messages) == 2


async def test_a_redelivered_report_exposing_a_secret_opens_one_security_ticket(app: App) -> None:
    exposing = message(app, 1, f"My wallet words are {SEED_12}, the stake page fails")

    await app.desk.handle_message(exposing)
    queued = await count(app.database, outbox)
    await app.desk.handle_message(exposing)

    assert (await ticket(app, 1)).security
    assert await count(app.database, tickets) == 1
    assert await count(app.database, outbox) == queued  # nothing deleted, said or told twice
    await app.desk.handle_message(message(app, 2, REPORT))
    assert await count(app.database, tickets, tickets.c.number == 2) == 1  # the redelivery used up no number


async def test_an_edited_report_updates_its_ticket(app: App) -> None:
    await app.desk.handle_message(message(app, 1, REPORT))

    await app.desk.handle_message(message(app, 1, "The dashboard shows a wrong balance", edited=True))

    assert (await ticket(app, 1)).title == "The dashboard shows a wrong balance"
    assert await count(app.database, tickets) == 1


async def test_a_ticket_changed_after_it_is_stored_keeps_the_change(app: App, clock) -> None:
    async with app.database() as uow:
        new = Ticket(
            number=await uow.tickets.next_number(), product="court", severity=Severity.NORMAL, title="t", body="t",
            reporter_platform="console", reporter_id=1, reporter_name="dave", created_at=clock.now(),
            source_platform="console", source_chat_id=COURT, source_message_id=1,
        )
        await uow.tickets.add(new)
        new.assign("Alice", clock.now())
        assert await uow.tickets.get(new.stored_id) is new  # one object per row within a transaction
        await uow.commit()

    stored = await ticket(app, 1)
    assert stored.id == new.id and stored.assignee == "Alice"


async def test_the_sweep_stores_each_tickets_clocks(app: App, clock) -> None:
    await app.desk.handle_message(message(app, 1, "Court v2 is down: every vote reverts", chat_id=CONSOLE_EMERGENCY))
    await app.desk.handle_message(message(app, 2, REPORT))
    clock.advance(days=1, hours=2)  # Tue 12:00 in Paris: the emergency and the first response are overdue

    assert await app.sweeper.sweep() == 2

    emergency, normal = await ticket(app, 1), await ticket(app, 2)
    assert (emergency.escalation_level, emergency.last_escalation_at) == (1, clock.now())
    assert emergency.next_due_at == clock.now() + timedelta(hours=1)
    assert (normal.escalation_level, normal.first_response_missed_notified) == (1, True)
    assert normal.next_due_at == app.deps.clocks.deadlines(normal).next_due > clock.now()
    assert app.deps.clocks.deadlines(normal).next_kind is EscalationKind.STAGNANT
