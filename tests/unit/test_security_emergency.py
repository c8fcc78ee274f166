"""A security report that cannot wait is an emergency handled privately: the 24/7 clock, the security
team and the on-call engineers tagged, and no word of it in a public chat or the team chat."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from support.desk_world import COURT, DISCLOSURE_URL, EMERGENCY, SECURITY, TEAM, DeskWorld
from supportbot.domain import texts
from supportbot.domain.ticket_states import Severity
from supportbot.services.escalation import Sweeper
from supportbot.services.outbox import OutboxItem, OutboxKind

DRAIN = "Attackers drained funds from the court staking pool, it is happening right now"
EXPLOIT = "I found an exploit that lets anyone drain the staking pool"
SATURDAY_NIGHT = datetime(2026, 12, 12, 2, 0, tzinfo=UTC)  # Sat 03:00 in Paris: the team is off


@pytest.fixture
def world(clock) -> DeskWorld:
    return DeskWorld(clock)


def says_it(item: OutboxItem) -> bool:
    """True when a queued row repeats the report's words."""
    return any(word in f"{item.text} {item.payload}" for word in ("drain", "staking pool", "exploit"))


def tagged(item: OutboxItem) -> set[str]:
    return {m.name for m in item.mentions}


async def test_a_security_report_in_the_emergency_channel_is_a_private_emergency(world: DeskWorld, clock) -> None:
    clock.set(SATURDAY_NIGHT)

    posted = await world.post("erin", EMERGENCY, DRAIN)

    ticket = world.ticket()
    assert ticket.security and ticket.severity is Severity.EMERGENCY
    assert ticket.next_due_at == SATURDAY_NIGHT + timedelta(hours=1)  # 24/7, not Monday morning

    public = world.queued(chat_id=EMERGENCY)
    [delete] = [r for r in public if r.kind is OutboxKind.DELETE]
    assert delete.payload.message_id == posted.message_id
    [answer] = [r for r in public if r.kind is not OutboxKind.DELETE]
    assert answer.text == texts.SECURITY_EMERGENCY_REPLY.format(url=DISCLOSURE_URL)
    assert not any(says_it(r) for r in public)

    [card] = world.queued(OutboxKind.CARD)
    assert card.chat_id == SECURITY and "🚨 emergency" in card.text and "🛡 security" in card.text
    [private] = world.queued(OutboxKind.MESSAGE, chat_id=SECURITY)
    assert "drained funds" in private.text and tagged(private) == {"Sam"}

    [team] = world.queued(chat_id=TEAM)
    assert "#1" in team.text and "Security emergency" in team.text and "details in the security chat" in team.text
    assert "Bob" in team.text and "Sam" in team.text  # who was tagged
    assert tagged(team) == {"Bob"}  # Bob is on call in the week of 7 Dec
    assert not says_it(team)


async def test_emergency_command_with_security_wording_is_a_private_emergency_taken_off_the_channel(
    world: DeskWorld,
) -> None:
    posted = await world.post("dave", COURT, f"/emergency {EXPLOIT}")

    assert posted.reply is not None and posted.reply.ok and "exploit" not in posted.reply.text
    ticket = world.ticket()
    assert ticket.security and ticket.severity is Severity.EMERGENCY
    [delete] = world.queued(OutboxKind.DELETE)
    assert (delete.chat_id, delete.payload.message_id) == (COURT, posted.message_id)
    assert not any(says_it(r) for r in world.queued() if r.chat_id != SECURITY)
    [team] = world.queued(chat_id=TEAM)
    assert tagged(team) == {"Bob"}


async def test_emergency_command_with_security_wording_in_a_private_chat_deletes_nothing(world: DeskWorld) -> None:
    msg = world.message("dave", 555, f"/emergency {EXPLOIT}", private=True)

    await world.desk.handle_message(msg)

    assert world.ticket().severity is Severity.EMERGENCY
    assert world.queued(OutboxKind.DELETE) == []


async def test_a_security_report_in_a_product_channel_stays_normal(world: DeskWorld) -> None:
    await world.post("dave", COURT, EXPLOIT)

    assert world.ticket().severity is Severity.NORMAL
    assert world.queued(chat_id=TEAM) == []


async def test_raising_a_security_ticket_to_emergency_keeps_its_title_out_of_the_team_chat(world: DeskWorld) -> None:
    await world.post("dave", COURT, EXPLOIT)

    reply = await world.command("Sam", "/severity 1 emergency", chat_id=SECURITY)

    assert reply.ok and world.ticket().severity is Severity.EMERGENCY
    [team] = world.queued(chat_id=TEAM)
    assert "Security emergency" in team.text and not says_it(team)
    assert tagged(team) == {"Bob"}
    assert any(says_it(r) and "Sam" in tagged(r) for r in world.queued(OutboxKind.MESSAGE, chat_id=SECURITY))


@pytest.mark.parametrize(("who", "where"), [("Sam", TEAM), ("Sam", COURT), ("dave", COURT), ("Sam", EMERGENCY)])
async def test_a_security_ticket_is_not_shown_in_a_chat_others_read(world: DeskWorld, who: str, where: int) -> None:
    await world.post("dave", COURT, EXPLOIT)

    reply = await world.command(who, "/ticket 1", chat_id=where)

    assert not reply.ok and "\n" not in reply.text
    assert reply.text == texts.SECURITY_TICKET_PRIVATE.format(number=1)


@pytest.mark.parametrize(("who", "where", "private"), [("Sam", SECURITY, False), ("dave", 555, True)])
async def test_a_security_ticket_is_shown_in_private_and_in_the_security_chat(
    world: DeskWorld, who: str, where: int, private: bool,
) -> None:
    await world.post("dave", COURT, EXPLOIT)

    reply = await world.desk.handle_message(world.message(who, where, "/ticket 1", private=private))

    assert reply is not None and reply.ok and "🛡 security" in reply.text and "exploit" in reply.text


async def test_ticket_lists_in_a_shared_chat_leave_out_a_security_tickets_title(world: DeskWorld) -> None:
    await world.post("dave", COURT, EXPLOIT)

    mine = await world.command("dave", "/ticket", chat_id=COURT)
    listed = await world.command("Sam", "/tickets", chat_id=TEAM)
    in_security = await world.command("Sam", "/tickets", chat_id=SECURITY)

    assert "#1" in mine.text and "exploit" not in mine.text
    assert "#1" in listed.text and "exploit" not in listed.text
    assert "exploit" in in_security.text


async def test_an_unanswered_security_emergency_escalates_privately_with_text_and_to_the_team_without(
    world: DeskWorld, clock,
) -> None:
    clock.set(SATURDAY_NIGHT)
    await world.post("erin", EMERGENCY, DRAIN)
    before = len(world.store.outbox)
    clock.advance(hours=1, seconds=5)

    assert await Sweeper(world.deps).sweep() == 1

    fired = world.store.outbox[before:]
    [private] = [r for r in fired if r.chat_id == SECURITY]
    [team] = [r for r in fired if r.chat_id == TEAM]
    assert "no response for 1h" in private.text and says_it(private) and tagged(private) == {"Sam"}
    assert "no response for 1h" in team.text and "details in the security chat" in team.text
    assert not says_it(team)
    assert "Bob" in tagged(team)  # the on-call team
    assert {r.chat_id for r in fired} == {SECURITY, TEAM}


async def test_a_bare_secret_in_the_emergency_channel_is_a_leak_to_clean_up_not_an_emergency(world: DeskWorld) -> None:
    key = "0x" + "ab12" * 16
    posted = await world.post("erin", EMERGENCY, f"is this key ok? {key}")

    ticket = world.ticket()
    assert ticket.security and ticket.severity is Severity.NORMAL
    assert [d.payload.message_id for d in world.queued(OutboxKind.DELETE)] == [posted.message_id]
    assert world.queued(chat_id=TEAM) == []  # nothing for the on-call engineers to do


async def test_a_drained_wallet_with_its_seed_in_the_emergency_channel_is_an_emergency(world: DeskWorld) -> None:
    seed = "legal winner thank year wave sausage worth useful legal winner thank yellow"
    await world.post("erin", EMERGENCY, f"my wallet was drained right now, seed: {seed}")

    assert world.ticket().severity is Severity.EMERGENCY
    [team] = world.queued(chat_id=TEAM)
    assert "sausage" not in team.text and "drained" not in team.text
