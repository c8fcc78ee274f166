"""A very long report: the ticket keeps every character; cards and notices show a short part that fits each
platform; /ticket shows the whole text, in parts."""

from __future__ import annotations

import pytest

from support.desk_world import COURT, SECURITY, TEAM, DeskWorld
from supportbot.chat.discord import render as discord_render
from supportbot.chat.telegram import render as telegram_render
from supportbot.domain import texts
from supportbot.domain.intake import TITLE_LIMIT
from supportbot.services.outbox import OutboxKind

LINE = "Staking on the court page fails with execution reverted when I click Stake in MetaMask on Chrome.\n"
LONG = (LINE * 210)[:20_000] + "THE END"  # 20,007 characters, the last ones only at the very end


@pytest.fixture
def world(clock) -> DeskWorld:
    return DeskWorld(clock)


def telegram_parts(text: str) -> list[str]:
    return [telegram_render.visible(part) for part in telegram_render.split(telegram_render.message_pieces(text))]


async def test_a_20k_report_keeps_its_text_and_its_card_and_notices_fit_every_platform(world: DeskWorld) -> None:
    await world.post("dave", COURT, LONG)

    ticket = world.ticket(1)
    assert ticket.body == LONG and len(ticket.title) <= TITLE_LIMIT
    shown = [r.text for r in world.store.outbox if r.kind in (OutboxKind.CARD, OutboxKind.MESSAGE)]
    assert shown and all(len(text) <= discord_render.MAX_CONTENT for text in shown)
    assert all(telegram_render.utf16_len(text) <= telegram_render.MAX_MESSAGE_LENGTH for text in shown)


async def test_ticket_shows_the_whole_report_in_parts_within_each_platforms_limit(world: DeskWorld) -> None:
    await world.post("dave", COURT, LONG)

    reply = await world.command("dave", "/ticket 1", COURT)

    assert texts.REPORT_HEAD.format(size="20,007") in reply.text and LONG in reply.text
    on_telegram = telegram_parts(reply.text)
    on_discord = discord_render.chunks(reply.text)
    assert len(on_telegram) >= 5 and len(on_discord) >= 10
    assert all(telegram_render.utf16_len(part) <= telegram_render.MAX_MESSAGE_LENGTH for part in on_telegram)
    assert all(len(part) <= discord_render.MAX_CONTENT for part in on_discord)
    assert "THE END" in "".join(on_telegram) and "THE END" in "".join(on_discord)


async def test_a_short_report_is_not_repeated_under_its_card(world: DeskWorld) -> None:
    await world.post("dave", COURT, "On the court page I click Stake and get an error")

    reply = await world.command("Alice", "/ticket 1")

    assert "Report (" not in reply.text


async def test_a_private_report_is_not_shown_in_a_public_channel_but_in_the_team_chat(world: DeskWorld) -> None:
    private = world.message("dave", 4242, f"/report {LONG}", private=True)
    await world.desk.handle_message(private)

    in_public = await world.command("Alice", "/ticket 1", COURT)
    in_team = await world.command("Alice", "/ticket 1", TEAM)

    assert LINE.strip() not in in_public.text  # the card's title is its start only
    assert texts.REPORT_PRIVATE.format(size="20,007", number=1) in in_public.text
    assert LONG in in_team.text


async def test_a_long_security_report_is_quoted_in_part_to_the_security_chat(world: DeskWorld) -> None:
    await world.post("dave", COURT, "I found an exploit that drains the pools. " + LONG)

    [notice] = [r for r in world.queued(chat_id=SECURITY) if r.text.startswith("🛡 Private security ticket")]
    assert len(notice.text) <= discord_render.MAX_CONTENT
    assert notice.text.endswith("characters in all: /ticket 1 shows the rest)")
    assert world.ticket(1).body.endswith("THE END")
