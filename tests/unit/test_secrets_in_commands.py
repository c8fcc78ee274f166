"""Every message goes through the secret check first, commands included: a secret is never run, stored or echoed."""

from __future__ import annotations

import pytest

from support.desk_world import COURT, DISCLOSURE_URL, EMERGENCY, SECURITY, TEAM, DeskWorld, open_report, sender
from supportbot.domain import commands as cmd
from supportbot.domain import texts
from supportbot.domain.people import ChannelKind, Place
from supportbot.services.outbox import DirectMessage, OutboxKind

KEY = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
SEED = "legal winner thank year wave sausage worth useful legal winner thank yellow"  # BIP-39 test vector


@pytest.fixture
def world(clock) -> DeskWorld:
    return DeskWorld(clock)


def leaks(text: str) -> bool:
    """True when any piece of the key (8 digits) or of the phrase (two words) shows in the text."""
    words = SEED.split()
    return (any(KEY[i:i + 8].lower() in text.lower() for i in range(0, len(KEY) - 8))
            or any(f"{a} {b}" in text for a, b in zip(words, words[1:], strict=False))
            or "sausage" in text)


def stored_text(world: DeskWorld) -> str:
    """Everything stored that a person could later read: history, tickets, queued messages."""
    parts = [f"{e.kind} {e.detail}" for e in world.store.events]
    parts += [f"{t.title} {t.body}" for t in world.store.tickets]
    parts += [f"{r.text} {r.payload}" for r in world.store.outbox]
    return "\n".join(parts)


# --- outside public view: refused, quoting nothing, storing nothing ----------------------------------


@pytest.mark.parametrize("text", [
    f"/take 0x{KEY}",
    f"/take {KEY}",
    f"/assign 1 {KEY}",
    f"/assign 1 0x{KEY}",
    f"/faq {KEY}",
    f"/tickets {KEY}",
    f"/tickets court {KEY}",
    f"/handoff {KEY}",
    f"/handoff Alice {KEY}",
    f"/pr 1 https://x.io/?k={KEY}",
    f"/take {KEY[:32]}\n{KEY[32:]}",
    f"/take {SEED}",
    f"/stats {SEED}",
    f"/nosuchcommand {SEED}",
])
@pytest.mark.parametrize("where", [TEAM, SECURITY])
async def test_a_command_holding_a_secret_in_a_team_chat_is_refused_without_quoting_it(
    world: DeskWorld, text: str, where: int,
) -> None:
    await open_report(world)
    before = world.store.snapshot()

    reply = await world.command("Alice", text, chat_id=where)

    assert not reply.ok and reply.text == texts.SECRET_IN_COMMAND
    assert not leaks(reply.text)
    assert world.store.snapshot() == before


@pytest.mark.parametrize("text", [f"/note 1 restore words: {SEED}", f"/status 1 in_progress the key was {KEY}",
                                  f"/resolve 1 fixed key {KEY[:32]}\n{KEY[32:]}"])
async def test_a_note_holding_a_secret_is_not_stored(world: DeskWorld, text: str) -> None:
    await open_report(world)

    reply = await world.command("Alice", text)

    assert not reply.ok and not leaks(reply.text)
    assert world.history() == ["created"]  # nothing was run
    assert not leaks(stored_text(world))


async def test_a_command_holding_a_secret_in_a_private_chat_is_refused_without_quoting_it(world: DeskWorld) -> None:
    msg = world.message("dave", 555, f"/ticket {KEY}", private=True)

    reply = await world.desk.handle_message(msg)

    assert reply is not None and not reply.ok and reply.text == texts.SECRET_IN_COMMAND
    assert world.store.tickets == [] and world.store.outbox == []


async def test_a_private_message_holding_a_secret_gets_a_warning_that_quotes_nothing(world: DeskWorld) -> None:
    reply = await world.desk.handle_message(world.message("dave", 555, f"my seed is {SEED}", private=True))

    assert reply is not None and reply.text == texts.SECRET_IN_PRIVATE
    assert world.store.outbox == []


async def test_a_report_command_with_a_secret_in_a_private_chat_opens_a_redacted_private_ticket(
    world: DeskWorld,
) -> None:
    msg = world.message("dave", 555, f"/report my wallet was emptied, my seed is {SEED}", private=True)

    reply = await world.desk.handle_message(msg)

    assert reply is not None and reply.ok
    assert world.ticket().security and not leaks(stored_text(world))


async def test_a_slash_command_holding_a_secret_is_refused_before_it_runs(world: DeskWorld) -> None:
    """Discord's slash commands reach the desk already parsed, through Desk.run."""
    await open_report(world)
    before = world.store.snapshot()
    msg = world.message("Alice", TEAM, f"/note 1 {SEED}")

    reply = await world.desk.run(cmd.AddNote(1, SEED), msg, Place(ChannelKind.TEAM))

    assert not reply.ok and reply.text == texts.SECRET_IN_COMMAND
    assert world.store.snapshot() == before


async def test_a_follow_up_holding_a_secret_in_the_security_chat_is_stored_redacted(world: DeskWorld) -> None:
    await world.post("dave", COURT, "I found an exploit that lets anyone drain the staking pool")
    await world.deliver()
    card = next(link.message_id for link in world.store.links if link.role == "card" and link.chat_id == SECURITY)

    await world.post("Sam", SECURITY, f"the attacker's key leaked: {KEY}", reply_to=card)

    assert "team_message" in world.history()  # the reply counts, without its text
    assert not leaks(stored_text(world))


# --- in public view: taken out as for a report ----------------------------------------------------


@pytest.mark.parametrize("who", ["dave", "Alice"])
@pytest.mark.parametrize("where", [COURT, EMERGENCY])
async def test_a_command_holding_a_secret_in_a_public_channel_is_removed_and_goes_to_security(
    world: DeskWorld, who: str, where: int,
) -> None:
    await open_report(world)

    posted = await world.post(who, where, f"/note 1 my seed is {SEED}")

    assert posted.reply is None or not leaks(posted.reply.text)
    assert world.history(1) == ["created"]  # the command did not run
    [delete] = world.queued(OutboxKind.DELETE)
    assert (delete.chat_id, delete.payload.message_id) == (where, posted.message_id)
    [private] = [r for r in world.queued(OutboxKind.MESSAGE) if isinstance(r.payload, DirectMessage)]
    assert private.payload.user_id == sender(who).user_id and DISCLOSURE_URL in private.text
    secret_ticket = world.ticket(2)
    assert secret_ticket.security
    assert not leaks(stored_text(world))


async def test_a_redelivered_command_holding_a_secret_opens_one_security_ticket(world: DeskWorld) -> None:
    msg = world.message("dave", COURT, f"/take {KEY}")

    await world.desk.handle_message(msg)
    await world.desk.handle_message(msg)

    assert [t.security for t in world.store.tickets] == [True]
    assert len(world.queued(OutboxKind.DELETE)) == 1
