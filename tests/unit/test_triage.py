"""Triage on the desk: /priority, /product and /backlog, as the team and reporters see them."""

from __future__ import annotations

from dataclasses import replace

import pytest

from support.desk_world import (
    ALICE,
    BOB,
    CAROL,
    COURT,
    DIRECTORY,
    EMERGENCY,
    PLATFORM,
    SAM,
    SECURITY,
    TEAM,
    DeskWorld,
    open_report,
)
from supportbot.domain import permissions, texts
from supportbot.domain.people import Person, Product, Role, Sender
from supportbot.domain.ticket_states import Priority, Severity, Status
from supportbot.services.notify import Notifier
from supportbot.services.outbox import OutboxKind

DEX = -100102  # the Dex support channel
DANA = Person("Dana", frozenset({Role.OWNER}), telegram_id=1005, telegram_username="dana")
TWO_PRODUCTS = replace(DIRECTORY, people=(*DIRECTORY.people, DANA),
                       products=(*DIRECTORY.products, Product("dex", "Dex", ("Dana",), {PLATFORM: (DEX,)})))


@pytest.fixture
def world(clock) -> DeskWorld:
    world = DeskWorld(clock)
    world.rewire(directory=TWO_PRODUCTS, notifier=Notifier(TWO_PRODUCTS, world.deps.clocks, clock=clock))
    return world


def events(world: DeskWorld, kind: str, number: int = 1) -> list[tuple[str, str]]:
    """(actor, detail) of the ticket's history lines of one kind."""
    ticket_id = world.ticket(number).id
    return [(e.actor, e.detail) for e in world.store.events if e.ticket_id == ticket_id and e.kind == kind]


# --- who may triage --------------------------------------------------------------------------------------


@pytest.mark.parametrize("person, allowed", [(ALICE, True), (BOB, True), (CAROL, True), (SAM, False), (None, False)])
def test_owners_engineers_and_admins_triage_not_security_alone_nor_reporters(person: Person | None,
                                                                              allowed: bool) -> None:
    who = Sender(PLATFORM, 77, "someone", person=person)

    assert permissions.can_triage(who) is allowed


# --- /priority -----------------------------------------------------------------------------------------


async def test_the_owner_sets_a_priority_shown_on_the_card_without_answering_the_reporter(world: DeskWorld) -> None:
    await open_report(world)
    await world.deliver()

    reply = await world.command("Carol", "/priority 1 p1")

    assert reply.ok and reply.text == texts.PRIORITY_SET.format(number=1, priority="P1", actor="Carol")
    assert world.ticket().priority is Priority.P1
    assert events(world, "priority") == [("Carol", "p1")]
    [edit] = world.queued(OutboxKind.EDIT_CARD)
    assert edit.text.splitlines()[0].endswith("· P1")
    # Triage is bookkeeping: the reporter still waits for a first response, and nothing is said in their chat.
    assert world.ticket().first_response_at is None and not world.queued(OutboxKind.MESSAGE, chat_id=COURT)


async def test_a_new_priority_replaces_the_old_and_the_same_one_again_changes_nothing(world: DeskWorld) -> None:
    await open_report(world)
    await world.command("Bob", "/priority 1 p3")
    await world.command("Alice", "/priority 1 p2")
    await world.deliver()
    before = world.store.snapshot()

    reply = await world.command("Alice", "/priority 1 p2")

    assert reply.ok and reply.text == texts.PRIORITY_UNCHANGED.format(number=1, priority="P2")
    assert events(world, "priority") == [("Bob", "p3"), ("Alice", "p3 → p2")]
    assert world.store.snapshot()["tickets"] == before["tickets"] and not world.queued()


@pytest.mark.parametrize("who, refusal", [("Sam", texts.PRIORITY_REFUSED),
                                          ("dave", "Only the support team can use /priority.")])
async def test_security_alone_and_reporters_cannot_set_a_priority(world: DeskWorld, who: str, refusal: str) -> None:
    await open_report(world)

    reply = await world.command(who, "/priority 1 p1", chat_id=COURT)

    assert not reply.ok and reply.text == refusal
    assert world.ticket().priority is None and events(world, "priority") == []


async def test_a_reporters_follow_up_never_changes_the_priority(world: DeskWorld) -> None:
    report = await open_report(world)
    await world.command("Carol", "/priority 1 p4")

    await world.post("dave", COURT, "This is urgent!! p1 please, it blocks all my staking", reply_to=report)
    await world.post("dave", COURT, "/priority 1 p1", reply_to=report)

    assert world.ticket().priority is Priority.P4 and events(world, "priority") == [("Carol", "p4")]
    assert world.history()[-1] == "message"


async def test_lists_and_the_ticket_card_show_the_priority(world: DeskWorld) -> None:
    await open_report(world)
    await world.command("Carol", "/priority 1 p2")

    listed = await world.command("Bob", "/tickets")
    shown = await world.command("Bob", "/ticket 1")

    assert "#1 🐛 P2 [court]" in listed.text
    assert shown.text.splitlines()[0].endswith("🐛 normal · P2")


# --- /backlog ------------------------------------------------------------------------------------------


async def test_the_backlog_lists_open_tickets_by_priority_then_age_untriaged_last(world: DeskWorld, clock) -> None:
    for text, priority in [("one", None), ("two", "p3"), ("three", "p1"), ("four", "p1"), ("five", None),
                           ("six", "p2")]:
        number = (await world.command("dave", f"/report the court page fails: {text}", chat_id=COURT)).ticket_number
        if priority:
            await world.command("Carol", f"/priority {number} {priority}")
        clock.advance(hours=1)
    await world.command("Bob", "/resolve 6")

    reply = await world.command("Bob", "/backlog")

    lines = reply.text.splitlines()
    assert lines[0] == "Backlog (by priority, then oldest first):"
    assert [line.split()[1] for line in lines[1:]] == ["#3", "#4", "#2", "#1", "#5"]
    assert lines[1] == "🔴 #3 P1 🐛 [court] the court page fails: three · 4h"
    assert lines[4] == "🔴 #1 untriaged 🐛 [court] the court page fails: one · 6h"


async def test_the_backlog_of_one_product_and_an_unknown_product(world: DeskWorld) -> None:
    await world.command("dave", "/report the court page fails", chat_id=COURT)
    await world.command("erin", "/report the dex swap fails", chat_id=DEX)

    dex = await world.command("Carol", "/backlog dex")
    unknown = await world.command("Carol", "/backlog nope")

    assert dex.text.splitlines()[1:] == ["🔴 #2 untriaged 🐛 [dex] the dex swap fails · 0s"]
    assert not unknown.ok and unknown.text == texts.NO_PRODUCT.format(key="nope", keys="court, dex")
    assert (await world.command("Carol", "/backlog")).text.count("\n") == 2


SECURITY_OR_TEAM = {"Sam": SECURITY, "Alice": TEAM, "Bob": TEAM, "Carol": TEAM}


async def test_security_tickets_are_in_the_backlog_of_the_security_team_and_admins_only(world: DeskWorld) -> None:
    await world.command("dave", "/report I found a vulnerability that lets anyone drain the vault", chat_id=COURT)
    await world.command("erin", "/report the dex swap fails", chat_id=DEX)

    seen = {who: (await world.command(who, "/backlog", chat_id=SECURITY_OR_TEAM[who])).text
            for who in ("Sam", "Alice", "Bob", "Carol")}

    assert "#1" in seen["Sam"] and "#1" in seen["Alice"]
    assert "#1" not in seen["Bob"] and "#1" not in seen["Carol"] and "#2" in seen["Carol"]
    # In the team chat (others read it), a security ticket shows no title.
    assert "vault" not in seen["Alice"] and texts.SECURITY_LIST_TITLE in seen["Alice"]



async def test_reporters_have_no_backlog(world: DeskWorld) -> None:
    reply = await world.command("dave", "/backlog", chat_id=COURT)

    assert not reply.ok and reply.text == "Only the support team can use /backlog."


# --- /product ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, product", [
    ("everything is down, nothing loads", None),
    ("the Court v2 vote page is down", "court"),
    ("court is down", "court"),
    ("court and dex are both down", None),  # two products named: the on-call engineer decides
    ("the courtyard is flooded", None),
])
async def test_an_emergency_channel_report_gets_a_product_only_when_it_names_one(world: DeskWorld, text: str,
                                                                                  product: str | None) -> None:
    await world.post("dave", EMERGENCY, text)

    assert world.ticket().severity is Severity.EMERGENCY and world.ticket().product == product


async def test_the_on_call_engineer_gives_an_emergency_its_product_and_its_owner_is_tagged(world: DeskWorld) -> None:
    await world.post("dave", EMERGENCY, "nothing loads at all, every page is blank")
    await world.deliver()

    reply = await world.command("Bob", "/product 1 dex")

    assert reply.ok and reply.text == texts.PRODUCT_MOVED.format(number=1, product="Dex", actor="Bob")
    assert world.ticket().product == "dex" and events(world, "product") == [("Bob", "none → dex")]
    [notice] = world.queued(OutboxKind.MESSAGE, chat_id=TEAM)
    assert notice.text.startswith("📦 🚨 Ticket #1 moved from no product to Dex by Bob")
    assert [m.name for m in notice.mentions] == ["Dana"]
    [edit] = world.queued(OutboxKind.EDIT_CARD)
    assert edit.text.splitlines()[0].endswith("— Dex · 🚨 emergency")


async def test_a_normal_ticket_moved_names_the_new_owner_without_a_tag(world: DeskWorld) -> None:
    await open_report(world)
    await world.deliver()

    await world.command("Carol", "/product 1 DEX")

    [notice] = world.queued(OutboxKind.MESSAGE, chat_id=TEAM)
    assert notice.text.startswith("📦 🐛 Ticket #1 moved from Court v2 to Dex by Carol (owner: Dana)")
    assert notice.mentions == ()


async def test_a_product_move_is_refused_for_an_unknown_key_or_a_reporter_and_a_same_move_changes_nothing(
        world: DeskWorld) -> None:
    await open_report(world)
    await world.deliver()

    unknown = await world.command("Bob", "/product 1 nope")
    reporter = await world.command("dave", "/product 1 dex", chat_id=COURT)
    same = await world.command("Bob", "/product 1 court")

    assert not unknown.ok and unknown.text == texts.NO_PRODUCT.format(key="nope", keys="court, dex")
    assert not reporter.ok and reporter.text == "Only the support team can use /product."
    assert same.ok and same.text == texts.PRODUCT_UNCHANGED.format(number=1, product="Court v2")
    assert world.ticket().product == "court" and events(world, "product") == [] and not world.queued()


async def test_a_security_tickets_move_is_told_to_the_security_chat_alone(world: DeskWorld) -> None:
    await world.command("dave", "/report I found a vulnerability that lets anyone drain the vault", chat_id=COURT)
    await world.deliver()

    await world.command("Sam", "/product 1 dex", chat_id=SECURITY)

    assert world.ticket().product == "dex" and not world.queued(OutboxKind.MESSAGE, chat_id=TEAM)
    assert [m.text.startswith("📦") for m in world.queued(OutboxKind.MESSAGE, chat_id=SECURITY)] == [True]


async def test_statuses_still_move_after_triage(world: DeskWorld) -> None:
    await open_report(world)
    await world.command("Carol", "/priority 1 p2")
    await world.command("Bob", "/product 1 dex")

    await world.command("Bob", "/status 1 in_progress")

    ticket = world.ticket()
    assert (ticket.status, ticket.priority, ticket.product) == (Status.IN_PROGRESS, Priority.P2, "dex")
