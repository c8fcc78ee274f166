"""The desk's commands on in-memory fakes: each one works, and each refusal is one line that changes nothing."""

from __future__ import annotations

import pytest

from support.desk_world import COURT, TEAM, DeskWorld, open_report, sender
from supportbot.domain import texts
from supportbot.domain.ticket_states import Resolution, Severity, Status
from supportbot.services.outbox import OutboxKind


@pytest.fixture
def world(clock) -> DeskWorld:
    return DeskWorld(clock)


# --- commands: each one works -----------------------------------------------------------


async def test_replying_to_the_card_stands_for_the_tickets_number(world: DeskWorld) -> None:
    await open_report(world)
    await world.deliver()

    posted = await world.post("Alice", COURT, "/take", reply_to=world.card_message_id())

    assert posted.reply.ok and posted.reply.text == texts.TAKEN.format(number=1, actor="Alice")
    assert world.ticket().assignee == "Alice"


async def test_report_command_opens_a_ticket(world: DeskWorld) -> None:
    reply = await world.command("dave", "/report the court page shows an error when I stake", chat_id=COURT)

    assert reply.ok and reply.text == texts.TICKET_OPENED.format(number=1) and reply.ticket_number == 1
    assert world.ticket().severity is Severity.NORMAL and world.ticket().product == "court"
    assert world.queued(OutboxKind.CARD)[0].text.startswith("🔴 Ticket #1 received")


async def test_emergency_command_opens_an_emergency_that_tags_on_call_and_owner(world: DeskWorld) -> None:
    reply = await world.command("dave", "/emergency votes cannot be cast on the court page", chat_id=COURT)

    assert reply.ok and reply.ticket_number == 1
    assert world.ticket().severity is Severity.EMERGENCY
    [notice] = world.queued(OutboxKind.MESSAGE, chat_id=TEAM)
    assert notice.text.startswith("🚨 Emergency #1")
    assert [m.name for m in notice.mentions] == ["Bob", "Carol"]  # Bob is on call in the week of 7 Dec


async def test_ticket_shows_the_card_and_history_to_its_reporter(world: DeskWorld) -> None:
    await open_report(world)

    reply = await world.command("dave", "/ticket 1", chat_id=COURT)

    assert reply.ok
    assert reply.text.startswith("🔴 Ticket #1 received")
    assert "Reported by dave" in reply.text and "History:" in reply.text and "created" in reply.text


async def test_ticket_without_a_number_lists_the_callers_own_tickets(world: DeskWorld) -> None:
    await open_report(world)

    mine = await world.command("dave", "/ticket", chat_id=COURT)
    theirs = await world.command("erin", "/ticket", chat_id=COURT)

    assert mine.text.startswith("Your tickets:") and "#1" in mine.text
    assert "You have no tickets" in theirs.text


async def test_ticket_of_someone_else_is_not_shown_to_a_reporter(world: DeskWorld) -> None:
    await open_report(world)

    reply = await world.command("erin", "/ticket 1", chat_id=COURT)

    assert not reply.ok and reply.text == "There is no ticket #1."


async def test_tickets_lists_open_tickets_oldest_first(world: DeskWorld, clock) -> None:
    await open_report(world)
    clock.advance(minutes=3)
    await open_report(world, "The dashboard shows a wrong balance when I open it")

    reply = await world.command("Alice", "/tickets")

    assert reply.ok
    lines = reply.text.splitlines()
    assert lines[0].startswith("Open tickets")
    assert [line.split()[1] for line in lines[1:]] == ["#1", "#2"]


async def test_status_moves_the_ticket_and_tells_its_channel(world: DeskWorld, clock) -> None:
    report_id = await open_report(world)
    clock.advance(minutes=7)

    reply = await world.command("Alice", "/status 1 in_progress checking the contract")

    assert reply.ok and reply.text == "⭕️ Ticket #1 in progress (by Alice)."
    ticket = world.ticket()
    assert ticket.status is Status.IN_PROGRESS
    assert ticket.first_response_at == clock.now()  # a status change is a response
    [told] = world.queued(OutboxKind.MESSAGE, chat_id=COURT)
    assert told.text == reply.text and told.reply_to == report_id


async def test_take_assigns_the_ticket_to_the_caller(world: DeskWorld) -> None:
    await open_report(world)

    reply = await world.command("Alice", "/take 1")

    assert reply.ok and reply.text == texts.TAKEN.format(number=1, actor="Alice")
    assert world.ticket().assignee == "Alice"
    assert "Assigned to Alice" in world.queued(OutboxKind.EDIT_CARD)[-1].text


async def test_assign_gives_the_ticket_to_a_team_member(world: DeskWorld) -> None:
    await open_report(world)

    reply = await world.command("Alice", "/assign 1 @bob")

    assert reply.ok and "assigned to Bob" in reply.text
    assert world.ticket().assignee == "Bob"


async def test_pr_attaches_a_pull_request_once(world: DeskWorld) -> None:
    await open_report(world)
    url = "https://github.com/kleros/kleros-v2/pull/1234"

    first = await world.command("Alice", f"/pr 1 {url}")
    again = await world.command("Alice", f"/pr 1 {url}")

    assert first.ok and url in first.text
    assert "already attached" in again.text
    assert world.ticket().pr_links == [url]


async def test_note_is_internal_and_neither_a_response_nor_activity(world: DeskWorld, clock) -> None:
    await open_report(world)
    await world.deliver()
    clock.advance(hours=2)

    reply = await world.command("Alice", "/note 1 probably the RPC again")

    assert reply.ok and "internal" in reply.text
    ticket = world.ticket()
    assert ticket.first_response_at is None
    assert ticket.last_activity_at == ticket.created_at and ticket.interactions == 1
    assert world.history() == ["created", "note"]
    assert world.queued() == []  # nothing is said anywhere, least of all to the reporter


async def test_severity_raises_a_ticket_to_emergency_and_tags_on_call(world: DeskWorld) -> None:
    await open_report(world)

    reply = await world.command("Alice", "/severity 1 emergency")

    assert reply.ok and "🚨 emergency" in reply.text
    assert world.ticket().severity is Severity.EMERGENCY
    emergency = [m for m in world.queued(OutboxKind.MESSAGE, chat_id=TEAM) if m.text.startswith("🚨")]
    assert [m.name for m in emergency[0].mentions] == ["Bob", "Carol"]


async def test_resolve_records_the_reason_and_when(world: DeskWorld, clock) -> None:
    await open_report(world)
    clock.advance(hours=1)

    reply = await world.command("Alice", "/resolve 1 duplicate same as #0")

    assert reply.ok and reply.text == "🟢 Ticket #1 resolved as duplicate (by Alice)."
    ticket = world.ticket()
    assert (ticket.status, ticket.resolution, ticket.resolved_at) == (
        Status.RESOLVED, Resolution.DUPLICATE, clock.now())
    assert ticket.next_due_at is None  # no clock runs on a resolved ticket


async def test_the_reporter_may_reopen_their_own_resolved_ticket(world: DeskWorld) -> None:
    await open_report(world)
    await world.command("Alice", "/resolve 1")

    reply = await world.command("dave", "/reopen 1", chat_id=COURT)

    assert reply.ok and reply.text.startswith("🔴 Ticket #1 received: reopened by dave")
    ticket = world.ticket()
    assert (ticket.status, ticket.resolution, ticket.resolved_at) == (Status.RECEIVED, None, None)
    assert ticket.next_due_at is not None  # its clocks run again


async def test_the_team_may_reopen_straight_to_in_progress(world: DeskWorld) -> None:
    await open_report(world)
    await world.command("Alice", "/resolve 1")

    reply = await world.command("Bob", "/reopen 1 in_progress")

    assert reply.ok and world.ticket().status is Status.IN_PROGRESS


async def test_help_shows_each_caller_what_they_may_do(world: DeskWorld) -> None:
    reporter = await world.command("dave", "/help", chat_id=COURT)
    team = await world.command("Alice", "/help")

    assert "/report <text>" in reporter.text and "/take" not in reporter.text
    assert "/take <id>" in team.text and "/note <id> <text>" in team.text


# --- commands: each refusal is one line and changes nothing -----------------------------


@pytest.mark.parametrize(
    ("who", "text", "expected"),
    [
        ("dave", "/take 1", "Only the support team can use /take."),
        ("dave", "/status 1 resolved", "Only the support team can use /status."),
        ("dave", "/tickets", "Only the support team can use /tickets."),
        ("erin", "/reopen 2", "There is no ticket #2."),
        ("Alice", "/take 99", "There is no ticket #99."),
        ("Alice", "/ticket 99", "There is no ticket #99."),
        ("Alice", "/status 2 fix_provided", "Ticket #2 is 🟢 resolved; it cannot move to 🟡 fix provided."),
        ("Alice", "/reopen 1", "Ticket #1 is not resolved; there is nothing to reopen."),
        ("Alice", "/assign 1 zed", "I don't know anyone called 'zed'. Team members: Alice, Bob, Carol, Sam."),
        ("Alice", "/tickets nowhere", "There is no product 'nowhere'. Products: court."),
        ("Alice", "/status 1", "Usage: /status <id>"),
        ("Alice", "/take", "Usage: /take <id>"),
        ("Alice", "/pr 1 not-a-link", "Usage: /pr <id> <url>"),
        ("Alice", "/severity 1 urgent", "Usage: /severity <id> <emergency|normal>"),
        ("Alice", "/frobnicate 1", "Unknown command /frobnicate. Usage: /help"),
        ("Alice", "/resolve 1 wontfix", "Start the note with a reason: fixed, answered, duplicate or not_an_issue."),
        ("Alice", "/resolve 1 wontfix", "Usage: /resolve <id> [fixed|answered|duplicate|not_an_issue [note]]"),
    ],
)  # fmt: skip
async def test_a_refused_command_says_why_in_one_line_and_changes_nothing(
    world: DeskWorld, who: str, text: str, expected: str,
) -> None:
    await open_report(world)
    await open_report(world, "The dashboard shows a wrong balance when I open it")
    await world.command("Alice", "/resolve 2")
    before = world.store.snapshot()

    reply = await world.command(who, text, chat_id=COURT if not sender(who).is_team else TEAM)

    assert not reply.ok
    assert expected in reply.text
    assert "\n" not in reply.text
    assert world.store.snapshot() == before


async def test_a_security_ticket_is_changed_by_the_security_team_alone(world: DeskWorld) -> None:
    await world.command("Bob", "/report I found a vulnerability that lets anyone drain the vault", chat_id=COURT)

    reply = await world.command("Bob", "/status 1 in_progress")

    assert not reply.ok and reply.text == texts.TEAM_ONLY_CHANGE.format(team="security", number=1)
    assert world.ticket().security and world.ticket().status is Status.RECEIVED
