"""Telegram updates as the desk reads them: who, where, which thread, what it answers."""

from __future__ import annotations

from telegram import Bot, Update

from supportbot.chat.telegram import updates as tu
from supportbot.domain.people import Directory, Person

ALICE = Person("Alice", telegram_id=1001, telegram_username="alice")
DIRECTORY = Directory(people=(ALICE,))
BOT = Bot("123:abc")
GROUP = {"id": -100101, "type": "supergroup", "title": "Court"}
FORUM = {"id": -100200, "type": "supergroup", "title": "Curate", "is_forum": True}
DAVE = {"id": 5001, "is_bot": False, "first_name": "Dave", "last_name": "Doe", "username": "dave"}
ALICE_USER = {"id": 1001, "is_bot": False, "first_name": "Alice"}


def update(kind: str = "message", **message) -> Update:
    body = {"message_id": 10, "date": 1_790_000_000, "chat": GROUP, "from": DAVE, "text": "it fails"}
    body.update(message)
    return Update.de_json({"update_id": 1, kind: body}, BOT)


def read(upd: Update):
    message = upd.message or upd.edited_message
    return tu.incoming(message, DIRECTORY, edited=upd.edited_message is not None)


def test_a_report_in_a_group():
    msg = read(update())
    assert (msg.platform, msg.chat_id, msg.message_id, msg.text) == ("telegram", -100101, 10, "it fails")
    assert msg.sender.display_name == "Dave Doe" and msg.sender.username == "dave" and not msg.sender.is_team
    assert msg.reply_to is None and msg.thread_id is None and not msg.private and not msg.edited
    assert msg.sent_at.tzinfo is not None


def test_team_members_are_known_by_user_id():
    msg = read(update(**{"from": {**ALICE_USER, "username": "renamed"}}))
    assert msg.sender.is_team and msg.sender.person == ALICE


def test_a_reply_and_an_edit():
    replied = {"message_id": 7, "date": 1_790_000_000, "chat": GROUP, "from": ALICE_USER, "text": "card"}
    assert read(update(reply_to_message=replied)).reply_to == 7
    edited = read(update("edited_message", edit_date=1_790_000_100, text="it fails, edited"))
    assert edited.edited and edited.text == "it fails, edited" and edited.sent_at.timestamp() == 1_790_000_100


def test_photo_caption_counts_as_a_report_with_a_screenshot():
    photo = [{"file_id": "a", "file_unique_id": "b", "width": 90, "height": 60}]
    msg = read(update(text=None, photo=photo, caption="see the screenshot"))
    assert msg.text == "see the screenshot" and msg.has_attachment
    assert read(update(text=None, photo=photo)).text == ""  # a bare screenshot still reaches the desk


def test_forum_topic_is_the_thread_and_its_opening_message_is_not_a_reply():
    opening = {"message_id": 30, "date": 1_790_000_000, "chat": FORUM, "from": DAVE,
               "message_thread_id": 30, "forum_topic_created": {"name": "Login", "icon_color": 1}}
    msg = read(update(chat=FORUM, message_thread_id=30, is_topic_message=True, reply_to_message=opening))
    assert msg.thread_id == 30 and msg.reply_to is None
    card = {"message_id": 32, "date": 1_790_000_000, "chat": FORUM, "from": ALICE_USER, "text": "card",
            "message_thread_id": 30, "is_topic_message": True}
    msg = read(update(chat=FORUM, message_thread_id=30, is_topic_message=True, reply_to_message=card))
    assert msg.thread_id == 30 and msg.reply_to == 32


def test_reply_threads_outside_forums_are_not_topics():
    replied = {"message_id": 7, "date": 1_790_000_000, "chat": GROUP, "from": ALICE_USER, "text": "x"}
    msg = read(update(message_thread_id=7, reply_to_message=replied))
    assert msg.thread_id is None and msg.reply_to == 7


def test_bots_service_messages_and_stickers_are_not_read():
    assert read(update(**{"from": {"id": 6001, "is_bot": True, "first_name": "Other"}})) is None
    assert read(update(text=None, new_chat_members=[DAVE])) is None
    sticker = {"file_id": "s", "file_unique_id": "u", "width": 1, "height": 1, "is_animated": False,
               "is_video": False, "type": "regular"}
    assert read(update(text=None, sticker=sticker)) is None


def test_private_chat():
    msg = read(update(chat={"id": 5001, "type": "private", "first_name": "Dave"}, text="/start"))
    assert msg.private and msg.chat_id == 5001


def test_button_press_is_validated():
    card = {"message_id": 11, "date": 1_790_000_000, "chat": GROUP, "from": ALICE_USER, "text": "card"}

    def press(data):
        upd = Update.de_json({"update_id": 2, "callback_query": {
            "id": "q1", "from": ALICE_USER, "chat_instance": "x", "data": data, "message": card}}, BOT)
        return tu.button_press(upd, DIRECTORY)

    got = press("t:4:fix_provided")
    assert (got.chat_id, got.message_id, got.ticket_number, got.action) == (-100101, 11, 4, "fix_provided")
    assert got.sender.is_team
    assert press("t:4:drop_tables") is None and press("take") is None and press(None) is None


def test_chat_key_orders_by_chat():
    assert tu.chat_key(update()) == -100101
    assert tu.chat_key(Update.de_json({"update_id": 3}, BOT)) == 0


def test_a_button_press_carries_the_callback_query_id_so_a_redelivery_is_recognised():
    card = {"message_id": 11, "date": 1_790_000_000, "chat": GROUP, "from": ALICE_USER, "text": "card"}
    upd = Update.de_json({"update_id": 2, "callback_query": {
        "id": "4410000000000000001", "from": ALICE_USER, "chat_instance": "x", "data": "t:4:take",
        "message": card}}, BOT)
    assert tu.button_press(upd, DIRECTORY).event_id == "4410000000000000001"


def test_text_and_names_that_storage_refuses_are_made_safe():
    msg = read(update(text="stake\x00 fails \ud800 here", **{"from": {**DAVE, "first_name": "Da\x00ve\udc00"}}))
    assert msg.text == "stake fails \ufffd here"
    assert msg.sender.display_name == "Dave\ufffd Doe"
    assert "\x00" not in msg.text and msg.text.encode("utf-8")


def test_ids_outside_the_64_bit_range_are_treated_as_absent():
    replied = {"message_id": 2**64, "date": 1_790_000_000, "chat": GROUP, "from": ALICE_USER, "text": "card"}
    msg = read(update(reply_to_message=replied, message_thread_id=2**64))
    assert msg.reply_to is None and msg.thread_id is None and msg.message_id == 10
    assert read(update(message_id=2**64)) is None  # no storable identity: nothing the desk could keep
    assert read(update(chat={**GROUP, "id": -(2**70)})) is None
    assert read(update(**{"from": {**DAVE, "id": 2**64}})) is None


def test_the_chat_of_a_raw_update_for_ordering_and_parking():
    assert tu.raw_chat_id({"update_id": 1, "message": {"chat": {"id": -100101}}}) == -100101
    assert tu.raw_chat_id({"update_id": 1, "callback_query": {"message": {"chat": {"id": 7}}}}) == 7
    assert tu.raw_chat_id({"update_id": 1, "message": {"chat": {"id": 2**64}}}) is None
    assert tu.raw_chat_id({"update_id": 1, "message": "nonsense"}) is None
    assert tu.raw_chat_id(["not", "an", "update"]) is None
