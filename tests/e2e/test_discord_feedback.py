"""Fix confirmation and ratings on Discord, end to end in this process: the questions come in the ticket's
thread with the reporter's buttons; presses are answered privately; the clock is the test's."""

from __future__ import annotations

import pytest

from supportbot.domain import texts
from tests.e2e.inprocess_fixtures import discord, discord_bot  # noqa: F401 (pytest fixtures)
from tests.e2e.support_discord import BOB, CAROL, COURT, DAVE, ERIN, REPORT, TEAM, buttons_of, text_of

pytestmark = pytest.mark.e2e
QUICK = '[confirmation]\nconfirm_after = "2h"\n'


async def test_in_the_thread_the_reporter_confirms_rates_and_comments(discord, discord_bot):
    fake, bot = discord, await discord_bot()
    report = fake.post_message(COURT, DAVE, REPORT)
    thread = (await bot.thread_on(report))["id"]
    await bot.card(thread)

    moved = await bot.slash(thread, BOB, "status", status="in_progress", sub_state="pr_review")
    assert "⭕️ Ticket #1 in progress · PR in review (by Bob)" in moved["content"]
    refused = await bot.slash(thread, BOB, "status", status="received", sub_state="deploying")
    assert refused["ephemeral"] and texts.SUB_STATE_IN_PROGRESS_ONLY in refused["content"]

    await bot.slash(thread, BOB, "status", status="fix_provided")
    question = await bot.posted(thread, "Does it work for you now?")
    assert buttons_of(question) == ["sb:1:confirm_fixed", "sb:1:still_broken"]

    refusal = await bot.press(thread, question["id"], ERIN, "sb:1:confirm_fixed")
    assert refusal["ephemeral"] and texts.NOT_YOUR_TICKET.format(number=1) in refusal["content"]
    broken = await bot.press(thread, question["id"], DAVE, "sb:1:still_broken")
    assert broken["ephemeral"] and "back in progress" in broken["content"]
    notice = await bot.posted(TEAM, "says the fix does not work")
    assert f"<@{BOB}>" in notice["content"]

    await bot.slash(thread, BOB, "status", status="fix_provided")
    questions = [m for m in fake.messages(thread) if "Does it work for you now?" in text_of(m)]
    confirmed = await bot.press(thread, questions[-1]["id"], DAVE, "sb:1:confirm_fixed")
    assert confirmed["ephemeral"] and "confirmed the fix" in confirmed["content"]

    ask = await bot.posted(thread, "How did we do?")
    assert buttons_of(ask) == [f"sb:1:rate_{n}" for n in range(1, 6)]
    rated = await bot.press(thread, ask["id"], DAVE, "sb:1:rate_1")
    assert rated["ephemeral"] and rated["content"] == texts.RATED.format(number=1, score=1)
    low = await bot.posted(TEAM, "was rated 1/5 by dave")
    assert f"<@{CAROL}>" in low["content"]

    comment = fake.post_message(thread, DAVE, "Nobody answered for two days")
    await bot.handled(comment)
    await bot.posted(thread, texts.COMMENT_THANKS.format(number=1))
    assert await bot.query("SELECT score, comment FROM ratings") == [(1, "Nobody answered for two days")]


async def test_the_sweep_resolves_an_unanswered_fix_on_the_manual_clock(discord, discord_bot):
    fake, bot = discord, await discord_bot(extra=QUICK)
    report = fake.post_message(COURT, DAVE, REPORT)
    thread = (await bot.thread_on(report))["id"]
    await bot.card(thread)
    await bot.slash(thread, BOB, "status", status="fix_provided")

    await bot.wait(hours=2, seconds=1)
    await bot.wait(hours=3)

    await bot.posted(thread, texts.EXPIRED.format(number=1, within="2 hours"))
    assert await bot.query("SELECT status, resolution FROM tickets") == [("resolved", "fixed")]
    expired = [m for m in fake.messages(thread) if texts.EXPIRED.format(number=1, within="2 hours") in text_of(m)]
    assert len(expired) == 1
