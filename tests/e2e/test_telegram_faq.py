"""The FAQ on the reporter's side in a Telegram group, read as chat: a report that names an FAQ topic is
acknowledged with the answer, and the reporter replying that it worked closes the ticket as answered."""

from __future__ import annotations

import pytest

from supportbot.domain import texts
from tests.e2e.inprocess_fixtures import telegram, telegram_bot  # noqa: F401 (pytest fixtures)
from tests.e2e.support_telegram import ALICE, COURT, DAVE, ERIN, TEAM

pytestmark = pytest.mark.e2e

FAQ = """
[faq]
gas = "Raise the gas limit by 20% and retry."

[faq.stake]
title = "Staking errors"
answer = "Unstake first, wait one epoch, then stake again."
keywords = ["stake", "staking", "unstake"]
"""
REPORT = "Staking on the court page fails with 'execution reverted' since I changed wallets. Any idea?"


async def test_a_suggested_faq_answer_that_worked_resolves_the_ticket_as_answered(telegram, telegram_bot):
    bot = await telegram_bot(extra=FAQ)

    topics = await bot.say(COURT, ERIN, "/faq")
    assert bot.answer_to(COURT, topics) == "FAQ topics:\n• gas — Gas\n• stake — Staking errors"

    report = await bot.say(COURT, DAVE, REPORT)
    ack = bot.shows(COURT, "Ticket #1")
    hint = bot.shows(COURT, "💡 This may help")
    assert ack["reply_to"] == report and hint["reply_to"] == report
    assert hint["message_id"] > ack["message_id"]  # the acknowledgement first, then the hint
    assert hint["text"] == texts.FAQ_SUGGESTION.format(title="Staking errors",
                                                       answer="Unstake first, wait one epoch, then stake again.")

    # Someone else's "solved", and the reporter's "not solved yet", leave it open.
    await bot.say(COURT, ERIN, "solved", reply_to=hint["message_id"])
    await bot.say(COURT, DAVE, "not solved yet, still reverts", reply_to=hint["message_id"])
    assert bot.card(COURT, ack["message_id"])["text"].startswith("🔴 Ticket #1 received")

    await bot.say(COURT, DAVE, "that worked, thanks!", reply_to=hint["message_id"])

    card = bot.card(COURT, ack["message_id"])
    assert card["text"].startswith("🟢 Ticket #1 resolved") and "Resolution: answered" in card["text"]
    assert card["buttons"] == []
    bot.shows(COURT, texts.SOLVED_BY_FAQ_REPLY.format(number=1))
    shown = await bot.say(TEAM, ALICE, "/ticket 1")
    assert "Dave · resolve: answered: solved by FAQ stake" in bot.answer_to(TEAM, shown)
