"""Triage on the real databases: priorities and product moves are stored, and the backlog comes back in one
order on SQLite and PostgreSQL (whose NULLs sort at opposite ends) — p1 first, untriaged last, then oldest.
And a ticket its reporter says the FAQ solved is stored as answered and counted so by the figures."""

from __future__ import annotations

import itertools

import pytest

from support.databases import migrated  # noqa: F401  (fixture)
from supportbot.bootstrap import App, build_app
from supportbot.bootstrap_rules import CONSOLE_PRODUCT_BASE, CONSOLE_TEAM
from supportbot.config import load_settings
from supportbot.config_playbook import FaqEntryConfig
from supportbot.db.engine import Database
from supportbot.domain.people import Sender
from supportbot.domain.ticket_states import Priority, Resolution, Status
from supportbot.services.outbox import MessageLink
from supportbot.services.ports import IncomingMessage, Reply

COURT, CURATE = CONSOLE_PRODUCT_BASE, CONSOLE_PRODUCT_BASE + 1  # the embedded defaults' products
MESSAGE_IDS = itertools.count(1)


@pytest.fixture
def app(clock, migrated: Database) -> App:
    return build_app(load_settings(None, env={}), {"console"}, clock=clock, database=migrated)


async def say(app: App, who: str, chat_id: int, text: str) -> Reply | None:
    person = app.desk.directory.person(who)
    sender = Sender("console", 1 + len(who), who, person=person)
    msg = IncomingMessage("console", chat_id, next(MESSAGE_IDS), sender, text, app.deps.clock.now())
    return await app.desk.handle_message(msg)


async def test_the_backlog_orders_alike_on_both_engines(app: App, clock) -> None:
    plan = [(COURT, "p3"), (CURATE, None), (COURT, "p1"), (COURT, None), (CURATE, "p1"), (COURT, "p4"),
            (CURATE, "p2")]
    for number, (chat, priority) in enumerate(plan, start=1):
        await say(app, "dave", chat, f"/report the page fails, case {number}")
        if priority:
            await say(app, "Carol", CONSOLE_TEAM, f"/priority {number} {priority}")
        clock.advance(minutes=30)
    await say(app, "Bob", CONSOLE_TEAM, "/resolve 7")

    async with app.database() as uow:
        everything = [t.number for t in await uow.tickets.backlog()]
        court = [t.number for t in await uow.tickets.backlog(product="court")]
        first_two = [t.number for t in await uow.tickets.backlog(limit=2)]
        with_untriaged = [t.number for t in await uow.tickets.backlog(limit=5)]

    assert everything == [3, 5, 1, 6, 2, 4]
    assert court == [3, 1, 6, 4]
    assert first_two == [3, 5] and with_untriaged == [3, 5, 1, 6, 2]


async def test_a_priority_and_a_product_move_are_stored_with_their_history(app: App) -> None:
    await say(app, "dave", COURT, "/report the page fails")

    await say(app, "Alice", CONSOLE_TEAM, "/priority 1 p2")
    await say(app, "Alice", CONSOLE_TEAM, "/product 1 curate")

    async with app.database() as uow:
        ticket = await uow.tickets.by_number(1)
        assert ticket is not None
        history = [(e.kind, e.detail) for e in await uow.events.for_ticket(ticket.stored_id)]
    assert (ticket.priority, ticket.product) == (Priority.P2, "curate")
    assert ("priority", "p2") in history and ("product", "court → curate") in history
    backlog = await say(app, "Alice", CONSOLE_TEAM, "/backlog curate")
    assert backlog is not None and "#1 P2 🐛 [curate] the page fails" in backlog.text


async def test_a_report_solved_by_its_faq_suggestion_counts_as_resolved_at_first_response(clock, migrated) -> None:
    gas = FaqEntryConfig(answer="Raise the gas limit by 20% and retry.", keywords=["out of gas"])
    settings = load_settings(None, env={}).model_copy(update={"faq": {"gas": gas}})
    app = build_app(settings, {"console"}, clock=clock, database=migrated)
    start = clock.now()
    await say(app, "dave", COURT, "My vote ran out of gas on the court page")
    async with app.database() as uow:
        ticket = await uow.tickets.by_number(1)
        assert ticket is not None
        hint = [e for e in await uow.events.for_ticket(ticket.stored_id) if e.kind == "faq_suggested"]
    assert [e.detail for e in hint] == ["gas"]
    hint_id = next(MESSAGE_IDS)  # the suggestion as delivered: a bot message linked to the ticket
    async with app.database() as uow:
        await uow.messages.add(MessageLink("console", COURT, hint_id, ticket.stored_id, "notice"))
        await uow.commit()

    reply = IncomingMessage("console", COURT, next(MESSAGE_IDS), Sender("console", 1 + len("dave"), "dave"),
                            "that worked, thanks", clock.now(), reply_to=hint_id)
    await app.desk.handle_message(reply)

    async with app.database() as uow:
        solved = await uow.tickets.by_number(1)
        figures = await uow.tickets.period_figures(start)
    assert solved is not None and (solved.status, solved.resolution) == (Status.RESOLVED, Resolution.ANSWERED)
    assert (figures.resolved, figures.resolved_at_first_response) == (1, 1)
