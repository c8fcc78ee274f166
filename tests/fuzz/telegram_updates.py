"""Telegram updates as the Bot API may send them: messages in groups, forums and private chats, edits,
button presses with any data, service messages (members joining, chat migrations, topics), photos
without text, replies, and the fields Telegram leaves out."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from tests.e2e.support_telegram import (
    ALICE,
    BOB,
    CAROL,
    COURT,
    DAVE,
    EMERGENCY,
    ERIN,
    FORUM,
    FRANK,
    OTHER_BOT,
    SAM,
    SECURITY,
    STRANGERS,
    TEAM,
)
from tests.fuzz import texts

BOT_USERNAME = "supportbot_test_bot"
BOT_ID = 7000000001
GROUP_ANONYMOUS_BOT = 1087968824  # who `from` names when an anonymous admin writes
GROUPS = {COURT: "supergroup", FORUM: "supergroup", EMERGENCY: "supergroup", TEAM: "supergroup",
          SECURITY: "supergroup", STRANGERS: "group"}
PEOPLE = (ALICE, BOB, CAROL, SAM, DAVE, ERIN, FRANK)
START = 1796634000  # 2026-12-07 09:00 UTC, the tests' clock
ACTIONS = ("take", "in_progress", "fix_provided", "resolved", "confirm_fixed", "still_broken", "faq_solved",
           "rate_1", "rate_3", "rate_5", "rate_6", "delete", "")


def user(user_id: int, *, bot: bool = False) -> dict:
    return {"id": user_id, "is_bot": bot, "first_name": f"User {user_id}"}


users = st.one_of(
    st.sampled_from(PEOPLE).map(user),
    st.builds(lambda i, first, last, name, lang: {
        "id": i, "is_bot": False, "first_name": first, **({"last_name": last} if last is not None else {}),
        **({"username": name} if name is not None else {}), **({"language_code": lang} if lang else {})},
        st.integers(1, 2**52), st.text(texts.any_char, max_size=64), st.none() | st.text(texts.any_char, max_size=64),
        st.none() | st.from_regex(r"[A-Za-z][A-Za-z0-9_]{4,31}", fullmatch=True), st.sampled_from(("", "en", "fr"))),
    st.sampled_from((OTHER_BOT, BOT_ID, GROUP_ANONYMOUS_BOT)).map(lambda i: user(i, bot=True)),
)


def chat_of(chat_id: int, user_json: dict) -> dict:
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": user_json.get("first_name", "")}
    chat: dict[str, Any] = {"id": chat_id, "type": GROUPS.get(chat_id, "supergroup"), "title": f"Chat {chat_id}"}
    if chat_id == FORUM:
        chat["is_forum"] = True
    return chat


chat_ids = st.one_of(st.sampled_from(tuple(GROUPS)), st.just(0), st.integers(-(10**13), -1))
message_ids = st.one_of(st.integers(1, 40), st.integers(1, 2**31 - 1))
dates = st.integers(START - 86400 * 400, START + 86400 * 30)
entity_types = st.sampled_from(("bot_command", "mention", "url", "bold", "text_link", "code", "pre", "hashtag",
                                "custom_emoji", "text_mention", "spoiler"))
entities = st.lists(st.builds(lambda kind, offset, length: {"type": kind, "offset": offset, "length": length},
                              entity_types, st.integers(0, 5000), st.integers(1, 5000)), max_size=3)
photo = st.lists(st.builds(lambda w, i: {"file_id": f"AgAC{i}_{w}", "file_unique_id": f"AQAD{i}{w}", "width": w,
                                         "height": w, "file_size": w * 90},
                           st.sampled_from((90, 320, 1280)), st.integers(1, 10**6)), min_size=1, max_size=3)
document = st.just({"file_id": "BQACdoc", "file_unique_id": "AgADdoc", "file_name": "log.txt"})
sticker = st.just({"file_id": "CAACst", "file_unique_id": "AgADst", "type": "regular", "width": 512, "height": 512,
                   "is_animated": False, "is_video": False})


def _replied(chat: dict) -> st.SearchStrategy[dict]:
    """A message being answered: one of ours, a person's, a topic's opening, or one with an odd id."""
    return st.builds(lambda mid, who, body, topic: {
        "message_id": mid, "date": START, "chat": chat, "from": who, **({"text": body} if body else {}),
        **({"forum_topic_created": {"name": "Topic", "icon_color": 7322096}} if topic else {})},
        st.one_of(message_ids, st.just(2**64)), st.sampled_from((user(BOT_ID, bot=True), user(DAVE), user(ALICE))),
        st.none() | st.sampled_from(("Ticket #1 received", "?", texts.REPORT)), st.booleans())


@st.composite
def message(draw: st.DrawFn, *, edited: bool = False) -> dict:
    """One message (or edited message) body."""
    sender = draw(users)
    chat_id = draw(st.one_of(chat_ids, st.just(sender["id"])))  # a private chat's id is its user's
    chat = chat_of(chat_id, sender)
    body: dict[str, Any] = {"message_id": draw(message_ids), "date": draw(dates), "chat": chat}
    if draw(st.integers(0, 9)):  # channels' posts and some service messages have no sender
        body["from"] = sender
    kind = draw(st.sampled_from(("text", "text", "text", "photo", "document", "sticker", "service")))
    if kind == "text":
        body["text"] = draw(texts.text(BOT_USERNAME))
        if draw(st.booleans()):
            body["entities"] = draw(entities)
    elif kind in ("photo", "document"):
        body[kind] = draw(photo if kind == "photo" else document)
        caption = draw(st.none() | texts.text(BOT_USERNAME))
        if caption is not None:
            body["caption"] = caption
    elif kind == "sticker":
        body["sticker"] = draw(sticker)
    else:
        body.update(draw(service(chat_id)))
    body.update(draw(extras(chat, edited=edited)))
    return body


def service(chat_id: int) -> st.SearchStrategy[dict]:
    """A service message: members joining or leaving, a group becoming a supergroup, a topic opened."""
    return st.one_of(
        st.lists(users, min_size=1, max_size=3).map(lambda new: {"new_chat_members": new}),
        users.map(lambda gone: {"left_chat_member": gone}),
        st.integers(-(10**13), -1).map(lambda new_id: {"migrate_to_chat_id": new_id}),
        st.integers(-(10**9), -1).map(lambda old_id: {"migrate_from_chat_id": old_id}),
        st.just({"forum_topic_created": {"name": "New topic", "icon_color": 7322096}}),
        st.just({"group_chat_created": True}),
        st.text(texts.any_char, max_size=40).map(lambda title: {"new_chat_title": title}),
    )


@st.composite
def extras(draw: st.DrawFn, chat: dict, *, edited: bool) -> dict:
    """What may come with a message: a reply, a forum topic, an edit date, a forward, an anonymous sender."""
    more: dict[str, Any] = {}
    if draw(st.booleans()):
        more["reply_to_message"] = draw(_replied(chat))
    if chat.get("is_forum") and draw(st.booleans()):
        more["message_thread_id"] = draw(message_ids)
        more["is_topic_message"] = True
    elif draw(st.integers(0, 7)) == 0:
        more["message_thread_id"] = draw(message_ids)  # a reply chain in a group without topics
    if edited:
        more["edit_date"] = draw(dates)
    if draw(st.integers(0, 7)) == 0:
        more["forward_origin"] = {"type": "hidden_user", "sender_user_name": "Someone", "date": START}
    if draw(st.integers(0, 9)) == 0:
        more["sender_chat"] = {"id": chat["id"], "type": chat["type"], "title": "Anonymous admins"}
    if draw(st.integers(0, 9)) == 0:
        more["via_bot"] = user(OTHER_BOT, bot=True)
    return more


def callback_data() -> st.SearchStrategy[str | None]:
    """What a button press carries back: ours, near-misses, or anything a forged client sends."""
    return st.one_of(
        st.builds(lambda n, a: f"t:{n}:{a}", st.one_of(st.integers(0, 6), st.integers(-3, 10**11)),
                  st.sampled_from(ACTIONS)),
        st.text(texts.any_char, max_size=80),
        st.none(),
        st.sampled_from(("t:1", "t::take", "t:1:take:extra", "t:01:take", "t:١:take", "t:1:TAKE", "t:1:take\n")),
    )


@st.composite
def callback_query(draw: st.DrawFn) -> dict:
    """A press on a button under a message of ours (or one Telegram no longer shows: date 0)."""
    presser = draw(users)
    chat = chat_of(draw(st.one_of(chat_ids, st.just(presser["id"]))), presser)
    query: dict[str, Any] = {"id": str(draw(st.integers(1, 2**63))), "from": presser,
                             "chat_instance": str(draw(st.integers(-(2**62), 2**62)))}
    where = draw(st.sampled_from(("card", "card", "inaccessible", "inline", "none")))
    if where == "card":
        query["message"] = {"message_id": draw(message_ids), "date": draw(dates), "chat": chat,
                            "from": user(BOT_ID, bot=True), "text": "Ticket #1 received"}
    elif where == "inaccessible":
        query["message"] = {"message_id": draw(message_ids), "date": 0, "chat": chat}
    elif where == "inline":
        query["inline_message_id"] = "AgAAAInline"
    data = draw(callback_data())
    if data is not None:
        query["data"] = data
    elif draw(st.booleans()):
        query["game_short_name"] = "game"
    return query


def update() -> st.SearchStrategy[dict]:
    """The body of one update (without update_id): any kind the bot asks for, and some it does not."""
    return st.one_of(
        message().map(lambda m: {"message": m}),
        message(edited=True).map(lambda m: {"edited_message": m}),
        callback_query().map(lambda q: {"callback_query": q}),
        message().map(lambda m: {"channel_post": m}),
        st.just({"my_chat_member": {"chat": {"id": COURT, "type": "supergroup", "title": "Court"},
                                    "from": user(ALICE), "date": START,
                                    "old_chat_member": {"status": "member", "user": user(BOT_ID, bot=True)},
                                    "new_chat_member": {"status": "left", "user": user(BOT_ID, bot=True)}}}),
    )
