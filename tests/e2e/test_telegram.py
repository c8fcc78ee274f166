"""supportbot in Telegram groups, end to end: `supportbot run` as a process against the fake Bot API."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import pytest

from supportbot.domain import texts
from supportbot.services.desk import PRIVATE_HINT
from tests.e2e.support_telegram import (
    ALICE, BOB, COURT, DAVE, EMERGENCY, ERIN, FORUM, FRANK, OTHER_BOT, SECURITY, SEED_PHRASE, STRANGERS, TEAM,
    BotProcess, acks_for, add_court_groups, config_text, free_port, populate, receiving, request_counts, texts_in, wait_until,
)
from tests.fakes.telegram_api import FakeTelegram

pytestmark = pytest.mark.e2e
BOT_NAME = "supportbot_test_bot"
REPORT = "Staking on the court page fails with 'execution reverted'. I click Stake, confirm in MetaMask and nothing happens."


@pytest.fixture
def fake():
    with FakeTelegram(bot_username=BOT_NAME) as server:
        populate(server)
        yield server


@pytest.fixture
def start_bot(tmp_path, fake):
    """Start `supportbot run` on a config for this fake; every process is stopped (and its log shown) at the end."""
    procs: list[BotProcess] = []

    def start(bot: BotProcess | None = None, **config) -> BotProcess:
        if bot is None:
            path = tmp_path / "config.toml"
            path.write_text(config_text(tmp_path, fake, **config), encoding="utf-8")
            bot = BotProcess(tmp_path, path)
        if bot not in procs:
            procs.append(bot)
        before = request_counts(fake)
        bot.start()
        wait_until(lambda: receiving(fake, before) or not bot.alive(), 30, message="the bot did not come up")
        assert bot.alive(), bot.log()[-4000:]
        return bot

    yield start
    for bot in procs:
        bot.stop()
        print(bot.log()[-6000:])  # shown when the test failed


def card_of(fake: FakeTelegram, chat_id: int, message_id: int) -> dict:
    return next(m for m in fake.bot_messages(chat_id) if m["message_id"] == message_id)


def reply_to_command(fake: FakeTelegram, chat_id: int, command_id: int, timeout: float = 10) -> str:
    """The bot's answer to one command message."""
    found = fake.wait_for(lambda: next((m for m in fake.bot_messages(chat_id) if m["reply_to"] == command_id), None),
                          timeout)
    return found["text"]


# --- the everyday flow -----------------------------------------------------------------------


def test_report_acknowledged_then_moved_by_buttons_and_commands(fake, start_bot):
    start_bot()
    anyone = {"report", "emergency", "ticket", "reopen", "oncall", "help"}
    assert {c["command"] for c in fake.commands()} == anyone
    assert {c["command"] for c in fake.commands({"type": "all_private_chats"})} == anyone
    for chat_id in (TEAM, SECURITY):
        team_menu = {c["command"] for c in fake.commands({"type": "chat", "chat_id": chat_id})}
        assert {"take", "status", "resolve", "tickets", "handoff"} | anyone <= team_menu

    report = fake.post_message(COURT, DAVE, REPORT)
    ack = fake.wait_for_message(COURT, "Ticket #1")
    assert ack["reply_to"] == report and ack["text"].startswith("🔴 Ticket #1 received")
    assert ack["parse_mode"] == "HTML" and ack["entities"][0]["type"] == "bold"
    assert [b["callback_data"] for b in ack["buttons"]] == ["t:1:take", "t:1:in_progress", "t:1:fix_provided",
                                                           "t:1:resolved"]
    assert [b["text"] for b in ack["buttons"]] == [texts.BUTTON_LABELS[a] for a in texts.BUTTON_ACTIONS]
    fake.wait_for_message(TEAM, "New ticket #1 for Court v2")

    # A reporter's press is refused with a toast and changes nothing.
    fake.press_button(COURT, ack["message_id"], DAVE, "t:1:take")
    refusal = fake.wait_for(fake.callback_answers)[0]
    assert refusal["show_alert"] and texts.NOT_A_TEAM_MEMBER in refusal["text"]
    time.sleep(1.5)
    assert card_of(fake, COURT, ack["message_id"])["edited_at"] == []

    # A team member's reply to the acknowledgement is the first response.
    fake.post_message(COURT, ALICE, "Looking into it, which wallet do you use?", reply_to=ack["message_id"])
    fake.wait_for(lambda: "First response due" not in card_of(fake, COURT, ack["message_id"])["text"])
    shown = fake.post_message(TEAM, ALICE, "/ticket 1")
    assert "First response:" in reply_to_command(fake, TEAM, shown)

    fake.press_button(COURT, ack["message_id"], ALICE, "t:1:in_progress")
    fake.wait_for(lambda: card_of(fake, COURT, ack["message_id"])["text"].startswith("⭕️ Ticket #1 in progress"))
    assert fake.callback_answers()[-1]["show_alert"] is False

    taken = fake.post_message(TEAM, BOB, f"/take@{BOT_NAME} 1")
    assert "taken by Bob" in reply_to_command(fake, TEAM, taken)
    fake.wait_for(lambda: "Assigned to Bob" in card_of(fake, COURT, ack["message_id"])["text"])
    ignored = fake.post_message(TEAM, BOB, "/take@some_other_bot 1")

    moved = fake.post_message(TEAM, BOB, "/status 1 fix_provided deployed to staging")
    assert "🟡" in reply_to_command(fake, TEAM, moved)
    fake.wait_for(lambda: card_of(fake, COURT, ack["message_id"])["text"].startswith("🟡 Ticket #1 fix provided"))

    # Replying to the card with a command means that ticket.
    retaken = fake.post_message(COURT, ALICE, "/take", reply_to=ack["message_id"])
    assert "taken by Alice" in reply_to_command(fake, COURT, retaken)
    fake.press_button(COURT, ack["message_id"], ALICE, "t:1:resolved")
    final = fake.wait_for(lambda: (c := card_of(fake, COURT, ack["message_id"]))["text"].startswith("🟢") and c)
    assert final["buttons"] == [] and "Assigned to Alice" in final["text"]
    markers = [text.split()[0] for text in final["history"]]
    assert markers[0] == "🔴" and {"⭕️", "🟡", "🟢"} <= set(markers)
    assert len([m for m in fake.bot_messages(COURT) if m["buttons"] or m["message_id"] == ack["message_id"]]) == 1
    assert not [m for m in fake.bot_messages(TEAM) if m["reply_to"] == ignored]
    assert len(fake.callback_answers()) == 3  # every press answered


def test_forum_topic_is_one_ticket(fake, start_bot):
    bot = start_bot()
    topic = fake.create_topic(FORUM, "Login issue", DAVE)
    first = fake.post_message(FORUM, DAVE, "Login on the curate page fails with error 500 after I sign in", thread_id=topic)
    ack = fake.wait_for_message(FORUM, "Ticket #1")
    assert ack["thread_id"] == topic and ack["reply_to"] == first
    fake.post_message(FORUM, DAVE, "It also fails on my phone, in the Brave wallet browser", thread_id=topic)
    fake.post_message(FORUM, ALICE, "Thanks, we can reproduce it", thread_id=topic)
    other = fake.create_topic(FORUM, "Deposit stuck", ERIN)
    fake.post_message(FORUM, ERIN, "My deposit on curate has been pending for two hours now", thread_id=other)
    second = fake.wait_for_message(FORUM, "Ticket #2")
    assert second["thread_id"] == other
    shown = fake.post_message(TEAM, ALICE, "/ticket 1")
    assert "First response:" in reply_to_command(fake, TEAM, shown)
    assert [(number, chat) for number, chat, _ in bot.tickets()] == [(1, FORUM), (2, FORUM)]


def test_private_chat_start_ticket_list_and_hint(fake, start_bot):
    start_bot()
    start = fake.post_message(DAVE, DAVE, "/start")
    assert reply_to_command(fake, DAVE, start) == texts.START_TEXT
    fake.post_message(COURT, DAVE, REPORT)
    fake.wait_for_message(COURT, "Ticket #1")
    mine = fake.post_message(DAVE, DAVE, "/ticket")
    listing = reply_to_command(fake, DAVE, mine)
    assert listing.startswith("Your tickets:") and "#1" in listing
    hello = fake.post_message(DAVE, DAVE, "hello?")
    assert reply_to_command(fake, DAVE, hello) == PRIVATE_HINT
    refused = fake.post_message(DAVE, DAVE, "/take 1")
    assert reply_to_command(fake, DAVE, refused).startswith("⚠️ Only the support team")


def test_edits_photos_bots_and_unknown_chats(fake, start_bot):
    bot = start_bot()
    report = fake.post_message(COURT, DAVE, "Withdraw fails on the court page when I click the button twice")
    ack = fake.wait_for_message(COURT, "Ticket #1")
    fake.edit_message(COURT, report, DAVE, "Withdrawal of my stake fails on the court page after the update")
    fake.wait_for(lambda: "Withdrawal of my stake" in card_of(fake, COURT, ack["message_id"])["text"])

    shot = fake.post_message(COURT, ERIN, photo=True, caption="The staking page shows a blank panel, see screenshot")
    card = fake.wait_for_message(COURT, "Ticket #2")
    assert card["reply_to"] == shot and "screenshots" not in card["text"]

    fake.post_message(COURT, OTHER_BOT, "Staking fails for everyone on the court page right now")
    fake.post_message(STRANGERS, FRANK, "Staking fails for everyone on the court page right now")
    fake.post_message(STRANGERS, FRANK, "Still failing on the court page, is anyone there?")
    last = fake.post_message(TEAM, ALICE, "/tickets")
    listing = reply_to_command(fake, TEAM, last)
    assert "#1" in listing and "#2" in listing and "#3" not in listing
    assert [n for n, _, _ in bot.tickets()] == [1, 2]
    assert texts_in(fake, STRANGERS) == []
    assert bot.log().count(f"ignoring chat {STRANGERS}") == 1


# --- security ---------------------------------------------------------------------------------


def test_seed_phrase_is_deleted_and_reaches_only_the_security_chat(fake, start_bot):
    no_rights = -100301
    fake.add_chat(no_rights, title="Court support (bot not admin)", bot_is_admin=False)
    start_bot(more_court_chats=(no_rights,))
    leak = fake.post_message(COURT, FRANK, f"My wallet was drained. My seed is {SEED_PHRASE}, please check it")
    fake.wait_for(lambda: leak in fake.deleted(COURT))
    fake.wait_for_message(COURT, "A message here was removed")  # Frank never opened a private chat with the bot
    fake.wait_for_message(SECURITY, "Private security ticket #1")
    fake.wait_for_message(SECURITY, "Ticket #1")

    fake.post_message(ERIN, ERIN, "/start")
    key = "0x" + "ab12" * 16
    leak2 = fake.post_message(EMERGENCY, ERIN, f"is this key ok? {key}")
    fake.wait_for(lambda: leak2 in fake.deleted(EMERGENCY))
    fake.wait_for_message(ERIN, "has been removed where possible")  # told privately: nothing public
    fake.wait_for_message(SECURITY, "Private security ticket #2")
    stuck = fake.post_message(no_rights, DAVE, f"restore words: {SEED_PHRASE}")
    warning = fake.wait_for_message(SECURITY, "Could not delete message")  # the security team must act
    assert f"message {stuck} in chat {no_rights}" in warning["text"] and "can't be deleted" in warning["text"]
    assert stuck not in fake.deleted(no_rights)
    time.sleep(1.5)

    words = SEED_PHRASE.split()
    for chat_id in (COURT, EMERGENCY, TEAM, SECURITY, ERIN, FRANK, STRANGERS, no_rights):
        for text in texts_in(fake, chat_id):
            assert " ".join(words[:3]) not in text and key[2:20] not in text, (chat_id, text)
    assert texts_in(fake, TEAM) == [] and texts_in(fake, EMERGENCY) == []
    public = [m for m in fake.bot_messages(COURT)]
    assert len(public) == 1 and public[0]["reply_to"] is None


# Delivery under pressure (429 storm, flood limits) and emergencies: test_telegram_in_time.py.


# --- durability ---------------------------------------------------------------------------------


def test_sigkill_while_handling_loses_no_update_and_doubles_no_ticket(fake, start_bot, tmp_path):
    groups = add_court_groups(fake, 30)
    # Telegram takes no message before the kill (502), so the count of acknowledgements below is exact.
    fake.fail_next("sendMessage", 502, count=10**6)
    reporters = [DAVE, ERIN, FRANK]
    reports = [(chat, fake.post_message(chat, reporters[i % 3], f"Report {i}: my stake is stuck on the court page"))
               for i in range(4) for chat in groups]  # 120 updates: more than one getUpdates batch
    path = tmp_path / "config.toml"
    path.write_text(config_text(tmp_path, fake, more_court_chats=groups), encoding="utf-8")
    bot = BotProcess(tmp_path, path).start()
    try:
        wait_until(lambda: len(bot.tickets()) >= 5, 30, interval=0.002, message="no ticket stored")
    finally:
        bot.kill()
    stored = {(chat, message) for _, chat, message in bot.tickets()}
    pending = {(u["message"]["chat"]["id"], u["message"]["message_id"]) for u in fake.pending_updates()}
    print(f"killed with {len(stored)} of {len(reports)} tickets stored, {len(pending)} updates unconfirmed")
    assert 0 < len(stored) < len(reports)  # killed in the middle of handling
    assert set(reports) - stored <= pending  # nothing confirmed to Telegram before it was stored

    with fake.lock:
        fake.failures.clear()
    start_bot(bot)
    fake.wait_for(lambda: all(acks_for(fake, chat, r) for chat, r in reports), timeout=120)
    time.sleep(2)
    tickets = bot.tickets()
    assert [n for n, _, _ in tickets] == list(range(1, len(reports) + 1))
    assert sorted((chat, m) for _, chat, m in tickets) == sorted(reports)
    assert [len(acks_for(fake, chat, r)) for chat, r in reports] == [1] * len(reports)
    wait_until(lambda: not fake.pending_updates(), 10, message="updates confirmed after the restart")


# --- webhook mode ---------------------------------------------------------------------------------


def test_webhook_mode_answers_after_commit_and_checks_the_secret(fake, start_bot):
    port = free_port()
    start_bot(telegram_extra=f'mode = "webhook"\nwebhook_url = "https://bot.example.org/tg/hook"\n'
                             f'webhook_listen = "127.0.0.1"\nwebhook_port = {port}\nwebhook_secret = "s3cret-token"')
    with fake.lock:
        assert fake.webhook["url"] == "https://bot.example.org/tg/hook"
    assert fake.count("getUpdates") == 0

    def push(secret: str) -> int:
        with fake.lock:
            update = fake.updates.pop(0)
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/tg/hook", data=json.dumps(update).encode(), method="POST",
            headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret})
        with fake.lock:  # Telegram keeps an update until the webhook answers 200
            fake.updates.insert(0, update)
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                status = answer.status
        except urllib.error.HTTPError as err:
            status = err.code
        if status == 200:
            with fake.lock:
                fake.updates.pop(0)
        return status

    report = fake.post_message(COURT, DAVE, REPORT)
    assert push("wrong") == 403
    assert push("s3cret-token") == 200
    assert acks_for(fake, COURT, report) or fake.wait_for(lambda: acks_for(fake, COURT, report))
    with fake.lock:  # Telegram delivers the same update again
        fake._enqueue("message", fake._record(COURT, report)["msg"])
    assert push("s3cret-token") == 200
    time.sleep(1.5)
    assert len(acks_for(fake, COURT, report)) == 1


def test_a_rejected_token_stops_the_bot_without_logging_it(fake, tmp_path):
    path = tmp_path / "config.toml"
    wrong = "7000000001:AAWrongTokenNeverToBeLogged_000000000"
    path.write_text(config_text(tmp_path, fake).replace(fake.token, wrong), encoding="utf-8")
    bot = BotProcess(tmp_path, path).start()
    wait_until(lambda: not bot.alive(), 30, message="the bot kept running with a rejected token")
    assert bot.proc.returncode != 0
    assert "Telegram rejected the bot token" in bot.log() and wrong not in bot.log()
    assert fake.count("getMe", 401) == 1
