"""Fix confirmation and ratings in a Telegram group, read as chat: the bot in this process against the fake Bot
API on a manual clock. The reporter answers with the buttons under the bot's questions."""

from __future__ import annotations

import pytest

from supportbot.domain import texts
from tests.e2e.inprocess_fixtures import telegram, telegram_bot  # noqa: F401 (pytest fixtures)
from tests.e2e.support_telegram import BOB, COURT, DAVE, ERIN, TEAM

pytestmark = pytest.mark.e2e
REPORT = "Staking on the court page fails with 'execution reverted'. I click Stake, confirm in MetaMask and nothing happens."
QUICK = '[confirmation]\nconfirm_after = "2h"\n'


def data_of(message: dict) -> list[str]:
    return [b["callback_data"] for b in message["buttons"]]


async def test_the_reporter_says_still_broken_then_fixed_then_rates_and_comments(telegram, telegram_bot):
    fake, bot = telegram, await telegram_bot()
    report = await bot.say(COURT, DAVE, REPORT)
    card = bot.shows(COURT, "Ticket #1")["message_id"]

    await bot.say(TEAM, BOB, "/status 1 in_progress pr_review")
    assert bot.card(COURT, card)["text"].startswith("⭕️ Ticket #1 in progress · PR in review")
    await bot.say(TEAM, BOB, "/status 1 fix_provided deployed to production")
    question = bot.shows(COURT, "Does it work for you now?")
    assert question["reply_to"] == report
    assert data_of(question) == ["t:1:confirm_fixed", "t:1:still_broken"]
    assert [b["text"] for b in question["buttons"]] == ["✅ Fixed for me", "❌ Still broken"]

    # Someone else's press: a short refusal only they see, and nothing changes.
    await bot.press(COURT, question["message_id"], ERIN, "t:1:confirm_fixed")
    refusal = fake.callback_answers()[-1]
    assert refusal["show_alert"] and texts.NOT_YOUR_TICKET.format(number=1) in refusal["text"]
    assert bot.card(COURT, card)["text"].startswith("🟡 Ticket #1 fix provided")

    await bot.press(COURT, question["message_id"], DAVE, "t:1:still_broken")
    assert "back in progress" in fake.callback_answers()[-1]["text"]
    assert bot.card(COURT, card)["text"].startswith("⭕️ Ticket #1 in progress")
    notice = bot.shows(TEAM, "says the fix does not work")
    assert notice["text"].endswith("Bob")  # tagged (Bob has no username: a link to his user id)
    assert [e["type"] for e in notice["entities"]] == ["text_link"]

    await bot.say(TEAM, BOB, "/status 1 fix_provided the real fix this time")
    question = bot.shows(COURT, "Does it work for you now?")
    await bot.press(COURT, question["message_id"], DAVE, "t:1:confirm_fixed")
    assert "confirmed the fix" in fake.callback_answers()[-1]["text"]
    final = bot.card(COURT, card)
    assert final["text"].startswith("🟢 Ticket #1 resolved") and "Resolution: fixed" in final["text"]

    ask = bot.shows(COURT, "How did we do?")
    assert data_of(ask) == [f"t:1:rate_{n}" for n in range(1, 6)] and ask["reply_to"] == report
    await bot.press(COURT, ask["message_id"], DAVE, "t:1:rate_2")
    assert fake.callback_answers()[-1]["text"] == texts.RATED.format(number=1, score=2)
    low = bot.shows(TEAM, "was rated 2/5 by Dave")
    assert "@carol" in low["text"]  # the product owner is tagged
    await bot.say(COURT, DAVE, "It took two tries", reply_to=ask["message_id"])
    bot.shows(COURT, texts.COMMENT_THANKS.format(number=1))

    shown = await bot.say(TEAM, BOB, "/ticket 1")
    answer = bot.answer_to(TEAM, shown)
    assert 'Rating: 2/5 — "It took two tries"' in answer
    assert "resolve: fixed: confirmed by Dave" in answer


async def test_without_an_answer_fix_provided_resolves_as_fixed_once(telegram, telegram_bot):
    fake, bot = telegram, await telegram_bot(extra=QUICK)
    await bot.say(COURT, DAVE, REPORT)
    card = bot.shows(COURT, "Ticket #1")["message_id"]
    await bot.say(TEAM, BOB, "/status 1 fix_provided")

    await bot.wait(minutes=119)
    assert bot.card(COURT, card)["text"].startswith("🟡")
    await bot.wait(minutes=2)
    await bot.wait(hours=5)

    assert bot.card(COURT, card)["text"].startswith("🟢 Ticket #1 resolved")
    said = [m["text"] for m in fake.bot_messages(COURT)]
    assert said.count(texts.EXPIRED.format(number=1, within="2 hours")) == 1
    assert sum("How did we do?" in (text or "") for text in said) == 1
