"""Floods and long reports in a Telegram group, read as chat: the bot in this process against the fake Bot API.

A reporter posting seven reports in ten minutes gets five tickets and one answer; once the window has
passed a new report opens a ticket again, and the longest message Telegram carries keeps every character,
which /ticket shows back in parts."""

from __future__ import annotations

import pytest

from supportbot.domain import texts
from tests.e2e.inprocess_fixtures import telegram, telegram_bot  # noqa: F401 (pytest fixtures)
from tests.e2e.support_telegram import COURT, DAVE, TEAM

pytestmark = pytest.mark.e2e
LIMITS = '[limits]\ntickets_per_user = 5\ntickets_per_user_window = "10m"\n'
REFUSAL_START = "You have opened 5 tickets in the last 10 minutes"
LINE = "Staking on the court page fails with execution reverted when I click Stake in MetaMask on Chrome.\n"
LONGEST = (LINE * 42)[:4089] + "THE END"  # 4,096 characters: Telegram refuses longer messages


async def test_seven_reports_in_ten_minutes_make_five_tickets_one_answer_and_the_next_window_is_open(
        telegram, telegram_bot, clock) -> None:
    fake, bot = telegram, await telegram_bot(extra=LIMITS)

    posted = []
    for n in range(7):
        clock.advance(minutes=1)
        posted.append(await bot.say(COURT, DAVE, f"Staking on the court page fails, attempt {n + 1}"))

    assert [number for number, _, _ in await bot.tickets()] == [1, 2, 3, 4, 5]
    refusals = [m for m in fake.bot_messages(COURT) if (m["text"] or "").startswith(REFUSAL_START)]
    assert len(refusals) == 1 and refusals[0]["reply_to"] == posted[5]
    assert "The team sees your earlier tickets" in refusals[0]["text"] and "from Mon 7 Dec 09:11" in refusals[0]["text"]
    assert len([t for t in bot.texts(TEAM) if "New ticket #" in t]) == 5

    clock.advance(minutes=10)  # the first ticket is out of the window
    report = await bot.say(COURT, DAVE, LONGEST)

    ack = bot.shows(COURT, "Ticket #6")
    assert ack["reply_to"] == report and len(ack["text"]) < 1000
    async with bot.app.database() as uow:
        stored = await uow.tickets.by_number(6)
    assert stored is not None and stored.body == LONGEST

    asked = await bot.say(DAVE, DAVE, "/ticket 6")
    parts = [m["text"] for m in fake.bot_messages(DAVE) if m["reply_to"] == asked or m["message_id"] > asked]
    assert len(parts) >= 2 and texts.REPORT_HEAD.format(size="4,096") in parts[0]
    assert LONGEST.replace("\n", "") in "".join(parts).replace("\n", "")
