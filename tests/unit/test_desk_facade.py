"""What adapters and the shell ask of the desk: a press on a message by its id, parked events, a ticket shown
to an operator, and the directory, time and FAQ keys they render with."""

from __future__ import annotations

import pytest

from support.desk_world import COURT, DIRECTORY, PLATFORM, DeskWorld, open_report, sender
from supportbot.domain import texts
from supportbot.domain.people import Person, Role, Sender
from supportbot.domain.tickets import TicketNotFound
from supportbot.services import dead_letters
from supportbot.services.ports import DeadLetter

OPERATOR = Sender("cli", 0, "operator", person=Person("operator", frozenset({Role.ADMIN, Role.SECURITY})))


@pytest.fixture
def world(clock) -> DeskWorld:
    return DeskWorld(clock)


async def delivered_card(world: DeskWorld) -> int:
    """dave reports; the card is posted; its message id."""
    await open_report(world)
    await world.deliver()
    return world.card_message_id(1)


async def click(world: DeskWorld, who: str, message_id: int, action: str = "take"):
    return await world.desk.press_on_message(platform=PLATFORM, chat_id=COURT, message_id=message_id,
                                             sender=sender(who), action=action)


# --- a press on a message known by its id (the console's /click) --------------------------


async def test_a_press_on_a_tickets_card_works_like_its_button(world: DeskWorld) -> None:
    card = await delivered_card(world)

    reply = await click(world, "Alice", card)

    assert reply is not None and reply.ok
    assert reply.text == "✋ Ticket #1 taken by Alice."
    assert world.ticket(1).assignee == "Alice"


async def test_a_press_on_a_message_of_no_ticket_is_none_and_changes_nothing(world: DeskWorld) -> None:
    card = await delivered_card(world)
    before = list(world.store.outbox)

    assert await click(world, "Alice", card + 100) is None

    assert world.ticket(1).assignee is None
    assert world.store.outbox == before


async def test_a_reporter_pressing_a_card_is_refused_as_at_the_button(world: DeskWorld) -> None:
    card = await delivered_card(world)

    reply = await click(world, "dave", card)

    assert reply is not None and not reply.ok
    assert reply.text == texts.NOT_A_TEAM_MEMBER
    assert world.ticket(1).assignee is None


async def test_an_unknown_button_on_a_card_is_refused(world: DeskWorld) -> None:
    card = await delivered_card(world)

    reply = await click(world, "Alice", card, action="explode")

    assert reply is not None and reply.text == texts.BUTTON_INVALID
    assert world.ticket(1).assignee is None


# --- parked events ------------------------------------------------------------------------


async def test_a_parked_event_is_replayed_through_the_desk_once_an_operator_asks(world: DeskWorld) -> None:
    letter_id = await world.desk.park(platform=PLATFORM, kind="update", ref="77", payload='{"update_id": 77}',
                                      error="RuntimeError: desk broke", chat_id=COURT)
    assert letter_id is not None
    assert await world.desk.park(platform=PLATFORM, kind="update", ref="77", payload='{"update_id": 77}',
                                 error="RuntimeError: desk broke") is None  # redelivered: one letter
    handled: list[str] = []

    async def rehandle(letter: DeadLetter) -> None:
        handled.append(letter.ref)

    assert await world.desk.replay_requested(platform=PLATFORM, rehandle=rehandle) == 0  # nobody asked yet
    await dead_letters.request_replay(world.store, letter_id)

    assert await world.desk.replay_requested(platform=PLATFORM, rehandle=rehandle) == 1
    assert handled == ["77"]
    [letter] = await dead_letters.waiting(world.store, everything=True)
    assert (letter.status, letter.created_at) == (dead_letters.REPLAYED, world.clock.now())


# --- reads --------------------------------------------------------------------------------


async def test_an_operator_sees_a_ticket_with_its_history(world: DeskWorld) -> None:
    await open_report(world)

    reply = await world.desk.show_ticket(1, OPERATOR)

    assert reply.text.startswith("🔴 Ticket #1 received — Court v2")
    assert "History:" in reply.text


async def test_showing_an_unknown_ticket_raises_for_the_shell_to_report(world: DeskWorld) -> None:
    with pytest.raises(TicketNotFound):
        await world.desk.show_ticket(99, OPERATOR)


def test_the_desk_gives_adapters_its_directory_time_and_faq_keys(world: DeskWorld) -> None:
    assert world.desk.directory is DIRECTORY
    assert world.desk.now() == world.clock.now()
    assert world.desk.faq_keys() == ["gas"]
