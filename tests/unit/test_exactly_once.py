"""A redelivered event changes nothing: commands and button presses are recorded with their effects."""

from __future__ import annotations

import dataclasses

from support.desk_world import COURT, TEAM, DeskWorld, open_report, sender
from supportbot.domain import texts
from supportbot.services.ports import ButtonPress


async def test_a_redelivered_note_is_stored_once_and_answered_once(clock) -> None:
    world = DeskWorld(clock)
    await open_report(world)
    note = world.message("alice", TEAM, "/note 1 the RPC node was down")
    first = await world.desk.handle_message(note)
    again = await world.desk.handle_message(note)  # Telegram sends the update again after a crash
    assert first is not None and "Note added" in first.text
    assert again is None
    assert world.history().count("note") == 1


async def test_a_redelivered_report_command_opens_one_ticket_and_says_nothing_twice(clock) -> None:
    world = DeskWorld(clock)
    report = world.message("dave", COURT, "/report the court page shows an error when I stake")
    await world.desk.handle_message(report)
    again = await world.desk.handle_message(report)
    assert again is None
    assert len(world.store.tickets) == 1


async def test_a_redelivered_refusal_is_not_repeated(clock) -> None:
    world = DeskWorld(clock)
    take = world.message("dave", COURT, "/take 7")
    first = await world.desk.handle_message(take)
    assert first is not None and not first.ok
    assert await world.desk.handle_message(take) is None


async def test_the_same_command_text_in_a_new_message_runs_again(clock) -> None:
    world = DeskWorld(clock)
    await open_report(world)
    await world.command("alice", "/note 1 first")
    await world.command("alice", "/note 1 first")
    assert world.history().count("note") == 2


async def test_a_redelivered_button_press_moves_the_ticket_once(clock) -> None:
    world = DeskWorld(clock)
    await open_report(world)
    await world.deliver()
    card = world.card_message_id()
    press = ButtonPress("telegram", COURT, card, sender("alice"), 1, "take", clock.now(), event_id="cbq-1")
    first = await world.desk.press_button(press)
    again = await world.desk.press_button(dataclasses.replace(press))
    assert first.ok and "taken by Alice" in first.text
    assert not again.ok and again.text == texts.BUTTON_ALREADY_HANDLED
    assert world.history().count("take") == 1
