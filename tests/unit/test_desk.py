"""The desk on in-memory fakes: reports, follow-ups, buttons and secrets, as users see them (commands: test_desk_commands)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from support.desk_world import (
    COURT,
    DISCLOSURE_URL,
    EMERGENCY,
    REPORT,
    SECURITY,
    TEAM,
    DeskWorld,
    open_report,
    sender,
)
from supportbot.domain import secret_detection, texts
from supportbot.domain.intake import ACCOUNT, DEVICE, SCREENSHOTS, STEPS, WHERE
from supportbot.domain.secret_detection import REDACTED
from supportbot.domain.ticket_states import Resolution, Severity, Status
from supportbot.services.outbox import CardButtons, DirectMessage, OutboxKind

SEED = "legal winner thank year wave sausage worth useful legal winner thank yellow"  # BIP-39 test vector


@pytest.fixture
def world(clock) -> DeskWorld:
    return DeskWorld(clock)


# --- intake ----------------------------------------------------------------------------


async def test_a_report_opens_ticket_1_with_a_card_listing_what_is_missing(world: DeskWorld) -> None:
    report_id = await open_report(world)

    [ticket] = world.store.tickets
    assert (ticket.number, ticket.product, ticket.status, ticket.severity) == (
        1, "court", Status.RECEIVED, Severity.NORMAL)
    [card] = world.queued(OutboxKind.CARD)
    assert card.chat_id == COURT and card.reply_to == report_id
    assert card.text.startswith("🔴 Ticket #1 received")
    assert "Court v2" in card.text
    for wanted in (ACCOUNT, SCREENSHOTS, DEVICE):
        assert wanted in card.text
    for given in (WHERE, STEPS):
        assert given not in card.text
    assert card.payload == CardButtons(1, ("take", "in_progress", "fix_provided", "resolved"))


async def test_a_report_tells_the_team_and_names_the_owner_without_tagging(world: DeskWorld) -> None:
    await open_report(world)

    [notice] = world.queued(OutboxKind.MESSAGE, chat_id=TEAM)
    assert "New ticket #1" in notice.text and "owner: Carol" in notice.text
    assert notice.mentions == ()


@pytest.mark.parametrize("text", ["thanks", "gm", "Thank you so much!", "👍", "ok"])
async def test_chatter_opens_nothing(world: DeskWorld, text: str) -> None:
    posted = await world.post("dave", COURT, text)

    assert posted.reply is None
    assert world.store.tickets == [] and world.store.outbox == []


async def test_a_team_member_talking_in_the_channel_opens_nothing(world: DeskWorld) -> None:
    await world.post("Bob", COURT, "We are deploying a new version of the court page in an hour")

    assert world.store.tickets == []


async def test_redelivering_the_same_message_makes_no_second_ticket(world: DeskWorld) -> None:
    msg = world.message("dave", COURT, REPORT)
    await world.desk.handle_message(msg)
    await world.desk.handle_message(msg)

    assert [t.number for t in world.store.tickets] == [1]
    assert len(world.queued(OutboxKind.CARD)) == 1
    await open_report(world, "The dashboard shows a wrong balance when I open it")
    assert [t.number for t in world.store.tickets] == [1, 2]  # the number was not used up


async def test_the_bots_own_acknowledgement_is_not_a_response(world: DeskWorld, clock) -> None:
    await open_report(world)
    clock.advance(minutes=5)
    delivered = await world.deliver()

    assert {item.chat_id for item in delivered} == {COURT, TEAM}
    ticket = world.ticket()
    assert ticket.first_response_at is None
    assert ticket.interactions == 1 and ticket.last_activity_at == ticket.created_at
    assert world.history() == ["created"]


async def test_the_acknowledgement_goes_out_even_when_the_desk_clock_is_behind_the_host(world: DeskWorld, clock) -> None:
    clock.set(datetime(2020, 3, 2, 9, 0, tzinfo=UTC))  # a replayed or scripted conversation

    await open_report(world)
    delivered = await world.deliver()

    assert [item.text.splitlines()[0] for item in delivered if item.kind is OutboxKind.CARD] == [
        "🔴 Ticket #1 received — Court v2 · 🐛 normal"]


async def test_a_reporters_reply_to_the_card_is_activity_but_not_a_response(world: DeskWorld, clock) -> None:
    await open_report(world)
    await world.deliver()
    clock.advance(minutes=10)

    posted = await world.post("dave", COURT, "my wallet is 0x52908400098527886E0F7030069857D2E4169EE7",
                              reply_to=world.card_message_id())

    assert posted.reply is None
    assert [t.number for t in world.store.tickets] == [1]  # a follow-up, not a new ticket
    ticket = world.ticket()
    assert ticket.interactions == 2
    assert ticket.last_activity_at == clock.now()
    assert ticket.first_response_at is None
    assert ACCOUNT not in ticket.missing  # the checklist follows what the reporter added
    assert world.history() == ["created", "message"]


async def test_a_team_members_reply_to_the_card_is_the_first_response(world: DeskWorld, clock) -> None:
    await open_report(world)
    await world.deliver()
    clock.advance(minutes=20)

    await world.post("Bob", COURT, "Looking into it, which wallet do you use?", reply_to=world.card_message_id())

    ticket = world.ticket()
    assert ticket.first_response_at == clock.now()
    assert ticket.interactions == 2
    assert world.history() == ["created", "reply", "first_response"]  # a reply where the reporter reads it
    [edit] = world.queued(OutboxKind.EDIT_CARD)  # the card drops its "first response due" line
    assert "First response due" not in edit.text


async def test_a_reply_to_the_reporters_own_message_is_a_follow_up_too(world: DeskWorld, clock) -> None:
    report_id = await open_report(world)
    clock.advance(minutes=1)

    await world.post("Alice", COURT, "Thanks, we see it too", reply_to=report_id)

    assert world.ticket().first_response_at == clock.now()


async def test_a_report_and_a_follow_up_are_each_searched_for_secrets_once(world: DeskWorld, clock,
                                                                            monkeypatch) -> None:
    searched: list[str] = []
    search = secret_detection._secret_spans

    def counted(text: str) -> list:
        searched.append(text)
        return search(text)

    monkeypatch.setattr(secret_detection, "_secret_spans", counted)
    report_id = await open_report(world)
    clock.advance(minutes=1)
    await world.post("dave", COURT, "it still fails on my phone", reply_to=report_id)

    assert searched == [REPORT, "it still fails on my phone"]
    assert world.history() == ["created", "message"]


async def test_an_edit_that_adds_a_seed_phrase_is_removed(world: DeskWorld) -> None:
    report_id = await open_report(world)
    await world.deliver()
    edited = replace(world.message("dave", COURT, f"{REPORT}. My seed: {SEED}", message_id=report_id), edited=True)

    await world.desk.handle_message(edited)

    [delete] = world.queued(OutboxKind.DELETE)
    assert delete.payload.message_id == report_id
    assert "sausage" not in world.ticket().body
    assert not any("sausage" in r.text for r in world.queued())


async def test_an_emergency_in_the_emergency_channel_tags_on_call_and_owner(world: DeskWorld) -> None:
    await world.post("erin", EMERGENCY, "Court v2 is down: every vote transaction reverts on mainnet")

    ticket = world.ticket()
    assert ticket.severity is Severity.EMERGENCY and ticket.product == "court"
    [notice] = world.queued(OutboxKind.MESSAGE, chat_id=TEAM)
    assert notice.text.startswith("🚨 Emergency #1 (Court v2)")
    assert {m.name for m in notice.mentions} == {"Bob", "Carol"}
    [in_channel] = world.queued(OutboxKind.MESSAGE, chat_id=EMERGENCY)  # the reporter sees who was called
    assert {m.name for m in in_channel.mentions} == {"Bob", "Carol"}
    [card] = world.queued(OutboxKind.CARD)
    assert card.chat_id == EMERGENCY and "🚨 emergency" in card.text


# --- card buttons -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "check"),
    [
        ("take", lambda t: t.assignee == "Bob"),
        ("in_progress", lambda t: t.status is Status.IN_PROGRESS),
        ("fix_provided", lambda t: t.status is Status.FIX_PROVIDED),
        ("resolved", lambda t: t.status is Status.RESOLVED and t.resolution is Resolution.FIXED),
    ],
)
async def test_a_card_button_moves_the_ticket_for_a_team_member(world: DeskWorld, clock, action, check) -> None:
    await open_report(world)
    await world.deliver()
    clock.advance(minutes=4)

    reply = await world.press("Bob", 1, action)

    assert reply.ok
    ticket = world.ticket()
    assert check(ticket)
    assert ticket.first_response_at == clock.now()
    assert world.queued(OutboxKind.EDIT_CARD)  # every card shows the new state


@pytest.mark.parametrize("action", ["take", "in_progress", "fix_provided", "resolved"])
async def test_a_card_button_refuses_a_reporter(world: DeskWorld, action: str) -> None:
    await open_report(world)
    await world.deliver()
    before = world.store.snapshot()

    reply = await world.press("dave", 1, action)

    assert not reply.ok and reply.text == texts.NOT_A_TEAM_MEMBER
    assert world.store.snapshot() == before


async def test_a_button_on_a_resolved_ticket_explains_instead_of_moving_it(world: DeskWorld) -> None:
    await open_report(world)
    await world.deliver()
    await world.press("Bob", 1, "resolved")
    before = world.store.snapshot()

    reply = await world.press("Bob", 1, "in_progress")

    assert not reply.ok and "cannot move to ⭕️ in progress" in reply.text
    assert world.store.snapshot() == before


# --- security -------------------------------------------------------------------------------


async def test_a_seed_phrase_is_removed_and_goes_to_the_security_team_only(world: DeskWorld) -> None:
    posted = await world.post("dave", COURT, f"my wallet is empty, here is my seed so you can check: {SEED}")

    assert posted.reply is None
    ticket = world.ticket()
    assert ticket.security
    assert REDACTED in ticket.body and "sausage" not in ticket.body

    [delete] = world.queued(OutboxKind.DELETE)
    assert (delete.chat_id, delete.payload.message_id) == (COURT, posted.message_id)
    [private] = [r for r in world.queued(OutboxKind.MESSAGE) if isinstance(r.payload, DirectMessage)]
    assert private.payload.user_id == sender("dave").user_id
    assert DISCLOSURE_URL in private.text
    assert {card.chat_id for card in world.queued(OutboxKind.CARD)} == {SECURITY}
    assert world.queued(chat_id=TEAM) == []  # the wider team does not see it either

    queued_text = [f"{r.text} {r.payload}" for r in world.queued()]
    assert not any("sausage" in text for text in queued_text)  # the secret is repeated nowhere


async def test_a_seed_phrase_reaches_no_one_once_delivered(world: DeskWorld) -> None:
    posted = await world.post("dave", COURT, f"help, seed: {SEED}")

    delivered = await world.deliver()

    assert [d.payload.message_id for d in world.chat.deleted] == [posted.message_id]
    in_channel = [d for d in delivered if d.chat_id == COURT and not isinstance(d.payload, DirectMessage)]
    assert in_channel == []
    assert all("sausage" not in d.text for d in delivered)
    assert any(d.chat_id == SECURITY and "Private security ticket #1" in d.text for d in delivered)


async def test_security_wording_points_to_the_private_route_without_repeating_the_report(world: DeskWorld) -> None:
    text = "I found an exploit that lets anyone drain the staking pool"
    await world.post("dave", COURT, text)

    assert world.ticket().security
    [answer] = world.queued(chat_id=COURT)
    assert answer.text == texts.SECURITY_REPLY.format(url=DISCLOSURE_URL)
    assert "drain" not in answer.text
    assert all(r.chat_id == SECURITY for r in world.queued() if r is not answer)


async def test_a_security_ticket_is_hidden_from_the_rest_of_the_team(world: DeskWorld) -> None:
    await world.post("dave", COURT, "I found an exploit that lets anyone drain the staking pool")

    hidden = await world.command("Bob", "/ticket 1")
    shown = await world.command("Sam", "/ticket 1", chat_id=SECURITY)  # never in the team chat

    assert not hidden.ok and hidden.text == "There is no ticket #1."
    assert shown.ok and "🛡 security" in shown.text
