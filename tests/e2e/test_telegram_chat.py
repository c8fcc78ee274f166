"""supportbot in Telegram groups, read as chat: the bot in this process against the fake Bot API.

Each `await bot.say(...)` returns once the bot has handled the message and its outbox is empty, so what
follows checks what users see, and that nothing else came, without waiting on the wall clock."""

from __future__ import annotations

import logging

import pytest

from supportbot.domain import texts
from supportbot.domain.texts import PRIVATE_HINT
from tests.e2e.inprocess_fixtures import telegram, telegram_bot  # noqa: F401 (pytest fixtures)
from tests.e2e.support_telegram import (
    ALICE,
    BOB,
    COURT,
    DAVE,
    EMERGENCY,
    ERIN,
    FORUM,
    FRANK,
    OTHER_BOT,
    SECURITY,
    SEED_PHRASE,
    STRANGERS,
    TEAM,
)

pytestmark = pytest.mark.e2e
BOT_NAME = "supportbot_test_bot"
REPORT = "Staking on the court page fails with 'execution reverted'. I click Stake, confirm in MetaMask and nothing happens."


async def test_report_acknowledged_then_moved_by_buttons_and_commands(telegram, telegram_bot):
    fake, bot = telegram, await telegram_bot()
    anyone = {"report", "emergency", "ticket", "reopen", "oncall", "faq", "help"}
    assert {c["command"] for c in fake.commands()} == anyone
    assert {c["command"] for c in fake.commands({"type": "all_private_chats"})} == anyone
    for chat_id in (TEAM, SECURITY):
        team_menu = {c["command"] for c in fake.commands({"type": "chat", "chat_id": chat_id})}
        assert {"take", "status", "resolve", "tickets", "handoff", "priority", "product", "backlog"} | anyone <= team_menu

    report = await bot.say(COURT, DAVE, REPORT)
    ack = bot.shows(COURT, "Ticket #1")
    assert ack["reply_to"] == report and ack["text"].startswith("🔴 Ticket #1 received")
    assert ack["parse_mode"] == "HTML" and ack["entities"][0]["type"] == "bold"
    assert [b["callback_data"] for b in ack["buttons"]] == ["t:1:take", "t:1:in_progress", "t:1:fix_provided",
                                                           "t:1:resolved"]
    assert [b["text"] for b in ack["buttons"]] == [texts.BUTTON_LABELS[a] for a in texts.BUTTON_ACTIONS]
    bot.shows(TEAM, "New ticket #1 for Court v2")
    card = ack["message_id"]

    # A reporter's press is refused with a toast and changes nothing.
    await bot.press(COURT, card, DAVE, "t:1:take")
    refusal = fake.callback_answers()[0]
    assert refusal["show_alert"] and texts.NOT_A_TEAM_MEMBER in refusal["text"]
    assert bot.card(COURT, card)["edited_at"] == []

    # A team member's reply to the acknowledgement is the first response.
    await bot.say(COURT, ALICE, "Looking into it, which wallet do you use?", reply_to=card)
    assert "First response due" not in bot.card(COURT, card)["text"]
    shown = await bot.say(TEAM, ALICE, "/ticket 1")
    assert "First response:" in bot.answer_to(TEAM, shown)

    await bot.press(COURT, card, ALICE, "t:1:in_progress")
    assert bot.card(COURT, card)["text"].startswith("⭕️ Ticket #1 in progress")
    assert fake.callback_answers()[-1]["show_alert"] is False

    taken = await bot.say(TEAM, BOB, f"/take@{BOT_NAME} 1")
    assert "taken by Bob" in bot.answer_to(TEAM, taken)
    assert "Assigned to Bob" in bot.card(COURT, card)["text"]
    ignored = await bot.say(TEAM, BOB, "/take@some_other_bot 1")

    moved = await bot.say(TEAM, BOB, "/status 1 fix_provided deployed to staging")
    assert "🟡" in bot.answer_to(TEAM, moved)
    assert bot.card(COURT, card)["text"].startswith("🟡 Ticket #1 fix provided")

    # Replying to the card with a command means that ticket.
    retaken = await bot.say(COURT, ALICE, "/take", reply_to=card)
    assert "taken by Alice" in bot.answer_to(COURT, retaken)
    await bot.press(COURT, card, ALICE, "t:1:resolved")
    final = bot.card(COURT, card)
    assert final["text"].startswith("🟢") and final["buttons"] == [] and "Assigned to Alice" in final["text"]
    markers = [text.split()[0] for text in final["history"]]
    assert markers[0] == "🔴" and {"⭕️", "🟡", "🟢"} <= set(markers)
    others = [m for m in fake.bot_messages(COURT) if m["buttons"] and m["message_id"] != card]
    # One card; the other buttons are the reporter's, under the questions on 🟡 and on 🟢.
    assert [m["buttons"][0]["callback_data"] for m in others] == ["t:1:confirm_fixed", "t:1:rate_1"]
    assert not [m for m in fake.bot_messages(TEAM) if m["reply_to"] == ignored]
    assert len(fake.callback_answers()) == 3  # every press answered


async def test_forum_topic_is_one_ticket(telegram, telegram_bot):
    fake, bot = telegram, await telegram_bot()
    topic = fake.create_topic(FORUM, "Login issue", DAVE)
    first = await bot.say(FORUM, DAVE, "Login on the curate page fails with error 500 after I sign in",
                          thread_id=topic)
    ack = bot.shows(FORUM, "Ticket #1")
    assert ack["thread_id"] == topic and ack["reply_to"] == first
    await bot.say(FORUM, DAVE, "It also fails on my phone, in the Brave wallet browser", thread_id=topic)
    await bot.say(FORUM, ALICE, "Thanks, we can reproduce it", thread_id=topic)
    other = fake.create_topic(FORUM, "Deposit stuck", ERIN)
    await bot.say(FORUM, ERIN, "My deposit on curate has been pending for two hours now", thread_id=other)
    assert bot.shows(FORUM, "Ticket #2")["thread_id"] == other
    shown = await bot.say(TEAM, ALICE, "/ticket 1")
    assert "First response:" in bot.answer_to(TEAM, shown)
    assert [(number, chat) for number, chat, _ in await bot.tickets()] == [(1, FORUM), (2, FORUM)]


async def test_private_chat_start_ticket_list_and_hint(telegram_bot):
    bot = await telegram_bot()
    start = await bot.say(DAVE, DAVE, "/start")
    assert bot.answer_to(DAVE, start) == texts.START_TEXT
    await bot.say(COURT, DAVE, REPORT)
    bot.shows(COURT, "Ticket #1")
    mine = await bot.say(DAVE, DAVE, "/ticket")
    listing = bot.answer_to(DAVE, mine)
    assert listing.startswith("Your tickets:") and "#1" in listing
    hello = await bot.say(DAVE, DAVE, "hello?")
    assert bot.answer_to(DAVE, hello) == PRIVATE_HINT
    refused = await bot.say(DAVE, DAVE, "/take 1")
    assert bot.answer_to(DAVE, refused).startswith("⚠️ Only the support team")


async def test_edits_photos_bots_and_unknown_chats(telegram, telegram_bot, caplog):
    fake, bot = telegram, await telegram_bot()
    caplog.set_level(logging.INFO)
    report = await bot.say(COURT, DAVE, "Withdraw fails on the court page when I click the button twice")
    ack = bot.shows(COURT, "Ticket #1")
    fake.edit_message(COURT, report, DAVE, "Withdrawal of my stake fails on the court page after the update")
    await bot.handled()
    assert "Withdrawal of my stake" in bot.card(COURT, ack["message_id"])["text"]

    shot = await bot.say(COURT, ERIN, photo=True, caption="The staking page shows a blank panel, see screenshot")
    card = bot.shows(COURT, "Ticket #2")
    assert card["reply_to"] == shot and "screenshots" not in card["text"]

    await bot.say(COURT, OTHER_BOT, "Staking fails for everyone on the court page right now")
    await bot.say(STRANGERS, FRANK, "Staking fails for everyone on the court page right now")
    await bot.say(STRANGERS, FRANK, "Still failing on the court page, is anyone there?")
    last = await bot.say(TEAM, ALICE, "/tickets")
    listing = bot.answer_to(TEAM, last)
    assert "#1" in listing and "#2" in listing and "#3" not in listing
    assert [n for n, _, _ in await bot.tickets()] == [1, 2]
    assert bot.texts(STRANGERS) == []
    assert caplog.text.count(f"ignoring chat {STRANGERS}") == 1


async def test_seed_phrase_is_deleted_and_reaches_only_the_security_chat(telegram, telegram_bot):
    fake, no_rights = telegram, -100301
    fake.add_chat(no_rights, title="Court support (bot not admin)", bot_is_admin=False)
    bot = await telegram_bot(more_court_chats=(no_rights,))
    leak = await bot.say(COURT, FRANK, f"My wallet was drained. My seed is {SEED_PHRASE}, please check it")
    assert leak in fake.deleted(COURT)
    bot.shows(COURT, "A message here was removed")  # Frank never opened a private chat with the bot
    bot.shows(SECURITY, "Private security ticket #1")
    bot.shows(SECURITY, "Ticket #1")

    await bot.say(ERIN, ERIN, "/start")
    key = "0x" + "ab12" * 16
    leak2 = await bot.say(EMERGENCY, ERIN, f"is this key ok? {key}")
    assert leak2 in fake.deleted(EMERGENCY)
    bot.shows(ERIN, "has been removed where possible")  # told privately: nothing public
    bot.shows(SECURITY, "Private security ticket #2")
    stuck = await bot.say(no_rights, DAVE, f"restore words: {SEED_PHRASE}")
    warning = bot.shows(SECURITY, "Could not delete message")  # the security team must act
    assert f"message {stuck} in chat {no_rights}" in warning["text"] and "can't be deleted" in warning["text"]
    assert stuck not in fake.deleted(no_rights)

    words = SEED_PHRASE.split()
    for chat_id in (COURT, EMERGENCY, TEAM, SECURITY, ERIN, FRANK, STRANGERS, no_rights):
        for text in bot.texts(chat_id):
            assert " ".join(words[:3]) not in text and key[2:20] not in text, (chat_id, text)
    assert bot.texts(TEAM) == [] and bot.texts(EMERGENCY) == []
    public = fake.bot_messages(COURT)
    assert len(public) == 1 and public[0]["reply_to"] is None
