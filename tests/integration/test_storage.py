"""The desk on the real database (SQLite, and PostgreSQL when configured): idempotent intake,
gapless numbers under concurrency, and one transaction per event."""

from __future__ import annotations

import asyncio
import itertools

import pytest
import sqlalchemy as sa

from support.databases import migrated  # noqa: F401  (fixture)
from support.fake_chat import FakeChat
from supportbot.bootstrap import App, build_app
from supportbot.bootstrap_rules import CONSOLE_PRODUCT_BASE, CONSOLE_TEAM
from supportbot.chat.outbox_sender import OutboxSender
from supportbot.config import load_settings
from supportbot.db.engine import Database
from supportbot.db.outbox_store import SqlOutbox
from supportbot.db.tables import outbox, platform_messages, ticket_events, tickets
from supportbot.domain.people import Sender
from supportbot.services.ports import IncomingMessage

COURT = CONSOLE_PRODUCT_BASE  # the first product of the embedded defaults: court
REPORT = "On the court page I click Stake and get an error"
DAVE = Sender("console", 4242, "dave")


@pytest.fixture
def app(clock, migrated: Database) -> App:
    return build_app(load_settings(None, env={}), {"console"}, clock=clock, database=migrated)


def report(app: App, message_id: int, text: str = REPORT, who: Sender = DAVE) -> IncomingMessage:
    return IncomingMessage("console", COURT, message_id, who, text, app.deps.clock.now())


async def numbers(app: App) -> list[int]:
    async with app.database() as uow:
        return sorted(t.number for t in await uow.tickets.list(open_only=False, limit=1000))


async def count_rows(database: Database, table: sa.Table) -> int:
    async with database.engine.connect() as conn:
        return (await conn.execute(sa.select(sa.func.count()).select_from(table))).scalar_one()


async def test_a_message_delivered_twice_makes_one_ticket(app: App) -> None:
    msg = report(app, 1)

    await app.desk.handle_message(msg)
    await app.desk.handle_message(msg)

    assert await numbers(app) == [1]
    assert await count_rows(app.database, platform_messages) == 1


async def test_a_message_delivered_twice_at_once_makes_one_ticket(app: App) -> None:
    msg = report(app, 1)

    replies = await asyncio.gather(*(app.desk.handle_message(msg) for _ in range(5)))

    assert replies == [None] * 5  # a redelivery is quietly ignored, never an error
    assert await numbers(app) == [1]
    await app.desk.handle_message(report(app, 2, "The dashboard shows a wrong balance when I open it"))
    assert await numbers(app) == [1, 2]  # the losers used up no number


async def test_fifty_reports_at_once_get_numbers_1_to_50(app: App) -> None:
    reporters = [Sender("console", 5000 + i, f"user{i}") for i in range(50)]

    await asyncio.gather(*(
        app.desk.handle_message(report(app, 100 + i, f"{REPORT} (attempt {i})", who))
        for i, who in enumerate(reporters)
    ))

    assert await numbers(app) == list(range(1, 51))


async def test_a_failure_while_queueing_messages_leaves_nothing_behind(app: App, monkeypatch) -> None:
    async def broken_add(self, items) -> None:
        raise RuntimeError("the outbox could not be written")

    msg = report(app, 1)
    with monkeypatch.context() as patch:
        patch.setattr(SqlOutbox, "add_many", broken_add)
        with pytest.raises(RuntimeError, match="outbox could not be written"):
            await app.desk.handle_message(msg)

    for table in (tickets, ticket_events, platform_messages, outbox):
        assert await count_rows(app.database, table) == 0, table.name

    await app.desk.handle_message(msg)  # the same message, delivered again once storage works

    assert await numbers(app) == [1]  # and it takes the number the failed try did not keep
    assert await count_rows(app.database, outbox) >= 2  # its card and the team notice


async def test_a_reply_to_the_delivered_card_is_a_follow_up(app: App, clock) -> None:
    ids = itertools.count(1000)
    await app.desk.handle_message(report(app, next(ids)))
    chat = FakeChat("console", ids=ids)
    await OutboxSender(chat, uow=app.database, clock=clock).flush()
    [card] = [item for item in chat.sent if item.kind.value == "card"]
    card_id = next(item.platform_message_id for item in await _rows(app) if item.id == card.id)
    clock.advance(minutes=30)

    await app.desk.handle_message(IncomingMessage(
        "console", COURT, next(ids), Sender("console", 1, "Alice", person=app.deps.directory.person("Alice")),
        "We are on it", clock.now(), reply_to=card_id))

    async with app.database() as uow:
        ticket = await uow.tickets.by_number(1)
    assert await numbers(app) == [1]
    assert ticket.interactions == 2
    assert ticket.first_response_at == clock.now()


async def _rows(app: App):
    async with app.database.engine.connect() as conn:
        return (await conn.execute(sa.select(outbox))).all()


async def test_times_come_back_as_the_same_instants_shown_in_local_time(app: App, clock) -> None:
    await app.desk.handle_message(report(app, 1))

    async with app.database() as uow:
        ticket = await uow.tickets.by_number(1)
    shown = await app.desk.handle_message(IncomingMessage(
        "console", CONSOLE_TEAM, 2, Sender("console", 1, "Alice", person=app.deps.directory.person("Alice")),
        "/ticket 1", clock.now()))

    assert ticket.created_at == clock.now() and ticket.created_at.utcoffset() is not None
    assert "Reported by dave on console, Mon 7 Dec 10:00 (Europe/Paris)" in shown.text
