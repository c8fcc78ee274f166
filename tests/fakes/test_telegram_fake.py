"""The fake Bot API, exercised through the real python-telegram-bot client."""

from __future__ import annotations

import asyncio
import datetime as dtm

import httpx
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
    Update,
)
from telegram.error import BadRequest, Conflict, EndPointNotFound, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from .telegram_api import FakeTelegram, RateLimits

GROUP, FORUM, PRIVATE_USER, ALICE = -100101, -100200, 5005, 1001


@pytest.fixture
def fake():
    with FakeTelegram() as server:
        server.add_user(ALICE, "Alice", "alice")
        server.add_chat(GROUP, title="Court support")
        server.add_chat(FORUM, title="Forum", is_forum=True)
        yield server


@pytest.fixture
async def bot(fake):
    async with Bot(fake.token, base_url=fake.base_url) as tg_bot:
        yield tg_bot


@pytest.fixture(autouse=True)
def _timedelta_retry_after(monkeypatch):
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # RetryAfter.retry_after as timedelta, no deprecation warning


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d.title(), callback_data=d) for d in data]])


async def test_get_me_and_base_url(fake, bot):
    assert fake.base_url.endswith("/bot") and bot.base_url == fake.base_url + fake.token
    me = await bot.get_me()
    assert me.is_bot and me.username == "supportbot_test_bot" and me.id == fake.bot_user["id"]


async def test_wrong_token_and_unknown_method(fake, bot):
    with pytest.raises(InvalidToken):
        async with Bot("123:wrong", base_url=fake.base_url):
            pass
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("noSuchMethod")
    assert fake.count("getMe", 401) == 1 and fake.count("noSuchMethod", 404) == 1


async def test_send_message_parses_as_ptb_message(fake, bot):
    asked = fake.post_message(GROUP, ALICE, "my login fails")
    msg = await bot.send_message(GROUP, "<b>Ticket #1</b> opened &amp; <i>tracked</i>", parse_mode="HTML",
                                 reply_parameters=ReplyParameters(asked), reply_markup=keyboard("take", "resolve"),
                                 disable_notification=True)
    assert isinstance(msg, Message) and msg.message_id == asked + 1
    assert msg.text == "Ticket #1 opened & tracked" and msg.chat.title == "Court support"
    assert msg.from_user.id == fake.bot_user["id"] and msg.reply_to_message.message_id == asked
    assert [(e.type, e.offset, e.length) for e in msg.entities] == [("bold", 0, 9), ("italic", 19, 7)]
    assert msg.reply_markup.inline_keyboard[0][1].callback_data == "resolve"
    [sent] = fake.bot_messages(GROUP)
    assert sent["reply_to"] == asked and sent["disable_notification"] is True and not sent["deleted"]
    assert [b["callback_data"] for b in sent["buttons"]] == ["take", "resolve"]


async def test_text_validation(fake, bot):
    visible = "x" * 4096
    ok = await bot.send_message(GROUP, f"<b>{visible[:100]}</b>{visible[100:]}", parse_mode="HTML")
    assert len(ok.text) == 4096
    code = await bot.send_message(GROUP, '<pre><code class="language-py">x = 1</code></pre> <a href="https://x.org">'
                                         "docs</a> &lt;3 😀<b>b</b>", parse_mode="HTML")
    assert code.text == "x = 1 docs <3 😀b"
    assert [(e.type, e.offset, e.length, e.language or e.url) for e in code.entities] == [
        ("pre", 0, 5, "py"), ("text_link", 6, 4, "https://x.org"), ("bold", 16, 1, None)]  # UTF-16 offsets
    with pytest.raises(BadRequest, match="(?i)message is too long"):
        await bot.send_message(GROUP, f"<b>{visible}</b>&amp;", parse_mode="HTML")
    with pytest.raises(BadRequest, match="(?i)can't parse entities"):
        await bot.send_message(GROUP, "<b>unclosed", parse_mode="HTML")
    with pytest.raises(BadRequest, match="(?i)can't parse entities: Unsupported start tag"):
        await bot.send_message(GROUP, "a <div>b</div>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="(?i)reserved and must be escaped"):
        await bot.send_message(GROUP, "Ticket #1.", parse_mode="MarkdownV2")
    with pytest.raises(BadRequest, match="(?i)chat not found"):
        await bot.send_message(-42, "hello")
    with pytest.raises(BadRequest, match="(?i)message text is empty"):
        await bot.send_message(GROUP, "<b></b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(GROUP, "x", reply_markup=keyboard("d" * 65))
    assert len(fake.bot_messages(GROUP)) == 2


async def test_injected_failures_map_to_ptb_errors(fake, bot):
    fake.fail_next("sendMessage", 429, retry_after=3)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(GROUP, "hi")
    assert caught.value.retry_after == dtm.timedelta(seconds=3)
    fake.fail_next("sendMessage", 403)
    with pytest.raises(Forbidden, match="(?i)blocked by the user"):
        await bot.send_message(GROUP, "hi")
    fake.fail_next("sendMessage", 502, count=2)
    for _ in range(2):
        with pytest.raises(NetworkError, match="(?i)Bad Gateway") as err:
            await bot.send_message(GROUP, "hi")
        assert not isinstance(err.value, BadRequest)
    assert fake.bot_messages() == []
    fake.fail_next("sendMessage", 502, after_effect=True)  # delivered, answer lost
    with pytest.raises(NetworkError):
        await bot.send_message(GROUP, "delivered")
    await bot.send_message(GROUP, "next")
    assert [m["text"] for m in fake.bot_messages()] == ["delivered", "next"]
    assert fake.count("sendMessage", 429) == 1 and fake.count("sendMessage", 502) == 3


async def test_blocked_private_chat_and_kicked_group(fake, bot):
    with pytest.raises(Forbidden, match="(?i)can't initiate conversation"):
        await bot.send_message(ALICE, "hi")
    fake.post_message(ALICE, ALICE, "/start")
    await bot.send_message(ALICE, "hello")
    fake.set_bot_blocked(ALICE)
    with pytest.raises(Forbidden, match="(?i)bot was blocked by the user"):
        await bot.send_message(ALICE, "hi")
    fake.set_bot_blocked(GROUP)
    with pytest.raises(Forbidden, match="(?i)kicked"):
        await bot.send_message(GROUP, "hi")


async def test_updates_confirmed_by_offset_and_redelivered_otherwise(fake, bot):
    first = fake.post_message(GROUP, ALICE, "/report@supportbot_test_bot the app crashes")
    fake.post_message(GROUP, 77, "me too")
    updates = await bot.get_updates(timeout=0)
    assert [u.message.text for u in updates] == ["/report@supportbot_test_bot the app crashes", "me too"]
    assert isinstance(updates[0], Update) and updates[0].message.message_id == first
    assert updates[0].message.entities[0].type == "bot_command" and updates[0].message.entities[0].length == 27
    again = await bot.get_updates(timeout=0)  # not confirmed: the same updates again (a restarted bot sees them)
    assert [u.update_id for u in again] == [u.update_id for u in updates]
    rest = await bot.get_updates(offset=updates[0].update_id + 1, timeout=0)
    assert [u.message.text for u in rest] == ["me too"] and len(fake.pending_updates()) == 1
    assert await bot.get_updates(offset=rest[-1].update_id + 1, timeout=0) == ()
    assert fake.pending_updates() == []


async def test_long_poll_returns_when_an_update_arrives(fake, bot):
    polls = fake.polls_started
    waiting = asyncio.create_task(bot.get_updates(timeout=5))
    await fake.wait_for_async(lambda: fake.polls_started > polls)  # the long poll waits at the fake
    started = asyncio.get_running_loop().time()
    fake.post_message(GROUP, ALICE, "late")
    updates = await waiting
    assert [u.message.text for u in updates] == ["late"]
    assert asyncio.get_running_loop().time() - started < 3
    polls = fake.polls_started
    first = asyncio.create_task(bot.get_updates(offset=updates[-1].update_id + 1, timeout=5))
    await fake.wait_for_async(lambda: fake.polls_started > polls)
    async with Bot(fake.token, base_url=fake.base_url) as second_instance:  # PTB polls over a 1-connection pool
        assert await second_instance.get_updates(offset=updates[-1].update_id + 1, timeout=0) == ()
    with pytest.raises(Conflict, match="(?i)terminated by other getUpdates"):
        await first


async def test_photo_messages_and_user_edits(fake, bot):
    shot = fake.post_message(GROUP, ALICE, photo=True, caption="/report see screenshot")
    fake.edit_message(GROUP, shot, ALICE, "/report see the screenshot")
    new, edited = await bot.get_updates(timeout=0)
    assert new.message.text is None and new.message.caption == "/report see screenshot"
    assert len(new.message.photo) == 3 and new.message.caption_entities[0].type == "bot_command"
    assert edited.edited_message.caption == "/report see the screenshot" and edited.edited_message.edit_date


async def test_allowed_updates_and_webhook(fake, bot):
    fake.post_message(GROUP, ALICE, "text")
    fake.edit_message(GROUP, 1, ALICE, "text, edited")
    updates = await bot.get_updates(timeout=0, allowed_updates=["edited_message"])
    assert [u.edited_message.text for u in updates] == ["text, edited"]
    await bot.set_webhook("https://example.org/hook")
    assert (await bot.get_webhook_info()).url == "https://example.org/hook"
    with pytest.raises(Conflict):
        await bot.get_updates(timeout=0)
    fake.post_message(GROUP, ALICE, "dropped")
    await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates(timeout=0) == () and (await bot.get_webhook_info()).url == ""


async def test_callback_answers_and_edits(fake, bot):
    card = await bot.send_message(GROUP, "Ticket #1", reply_markup=keyboard("take"))
    query_id = fake.press_button(GROUP, card.message_id, ALICE, "take")
    [update] = await bot.get_updates(timeout=0)
    assert update.callback_query.data == "take" and update.callback_query.message.message_id == card.message_id
    assert await update.callback_query.answer("Taken") is True
    assert fake.callback_answers()[0]["callback_query_id"] == query_id and fake.callback_answers()[0]["text"] == "Taken"
    with pytest.raises(BadRequest, match="(?i)query ID is invalid"):
        await bot.answer_callback_query(query_id)
    with pytest.raises(KeyError):
        fake.press_button(GROUP, card.message_id, ALICE, "forged")
    with pytest.raises(BadRequest, match="(?i)message is not modified"):
        await bot.edit_message_text("Ticket #1", GROUP, card.message_id, reply_markup=keyboard("take"))
    edited = await bot.edit_message_text("Ticket #1 — taken", GROUP, card.message_id)
    assert edited.text == "Ticket #1 — taken" and edited.reply_markup is None  # no markup given: keyboard removed
    await bot.edit_message_reply_markup(GROUP, card.message_id, reply_markup=keyboard("resolve"))
    [view] = fake.bot_messages(GROUP)
    assert view["history"] == ["Ticket #1", "Ticket #1 — taken"] and view["buttons"][0]["callback_data"] == "resolve"
    await bot.delete_message(GROUP, card.message_id)
    with pytest.raises(BadRequest, match="(?i)message to edit not found"):
        await bot.edit_message_text("gone", GROUP, card.message_id)


async def test_delete_message_needs_admin_for_others_messages(fake, bot):
    fake.add_chat(-100300, title="Not admin", bot_is_admin=False)
    secret = fake.post_message(-100300, ALICE, "my seed phrase is ...")
    with pytest.raises(BadRequest, match="(?i)message can't be deleted"):
        await bot.delete_message(-100300, secret)
    own = await bot.send_message(-100300, "Please use the private disclosure route")
    assert await bot.delete_message(-100300, own.message_id) is True
    assert fake.deleted(-100300) == [own.message_id]
    exposed = fake.post_message(GROUP, ALICE, "private key: ...")
    assert await bot.delete_message(GROUP, exposed) is True and fake.deleted(GROUP) == [exposed]
    with pytest.raises(BadRequest, match="(?i)message to delete not found"):
        await bot.delete_message(GROUP, exposed)
    member = await bot.get_chat_member(-100300, fake.bot_user["id"])
    assert member.status == "member"
    fake.set_admin(-100300, fake.bot_user["id"])
    assert (await bot.get_chat_member(-100300, fake.bot_user["id"])).can_delete_messages is True
    admins = await bot.get_chat_administrators(GROUP)
    assert [a.user.id for a in admins] == [fake.bot_user["id"]]


async def test_chat_info_topics_and_commands(fake, bot):
    chat = await bot.get_chat(FORUM)
    assert chat.is_forum and chat.title == "Forum"
    thread = fake.create_topic(FORUM, "Login issue", ALICE)
    in_topic = fake.post_message(FORUM, ALICE, "it fails", thread_id=thread)
    updates = await bot.get_updates(timeout=0)
    assert updates[0].message.forum_topic_created.name == "Login issue"
    msg = updates[1].message
    assert msg.message_thread_id == thread and msg.is_topic_message and msg.reply_to_message.message_id == thread
    reply = await bot.send_message(FORUM, "on it", message_thread_id=thread, reply_parameters=ReplyParameters(in_topic))
    assert reply.message_thread_id == thread and reply.reply_to_message.message_id == in_topic
    topic = await bot.create_forum_topic(FORUM, "Ticket 2")
    assert topic.name == "Ticket 2" and topic.message_thread_id > reply.message_id
    with pytest.raises(BadRequest, match="(?i)message thread not found"):
        await bot.send_message(FORUM, "x", message_thread_id=9999)
    with pytest.raises(BadRequest, match="(?i)not a forum"):
        await bot.create_forum_topic(GROUP, "x")
    await bot.set_my_commands([BotCommand("report", "Open a ticket")])
    await bot.set_my_commands([BotCommand("status", "Move a ticket")], scope=BotCommandScopeChat(GROUP))
    assert [c.command for c in await bot.get_my_commands()] == ["report"]
    assert fake.commands({"type": "chat", "chat_id": GROUP}) == [{"command": "status", "description": "Move a ticket"}]
    await bot.delete_my_commands()
    assert fake.commands() == []


async def test_rate_limits(fake, bot):
    fake.set_rate_limits(RateLimits(per_chat_per_second=1, per_chat_burst=3))
    for i in range(3):
        await bot.send_message(GROUP, f"burst {i}")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(GROUP, "one too many")
    assert caught.value.retry_after == dtm.timedelta(seconds=1)
    await bot.send_message(FORUM, "another chat is not limited by this one")
    fake.set_rate_limits(RateLimits(per_chat_per_second=1000, per_chat_burst=1000))
    for i in range(20):
        await bot.send_message(GROUP, f"group {i}")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(GROUP, "21st in a minute")
    assert dtm.timedelta(seconds=55) <= caught.value.retry_after <= dtm.timedelta(seconds=60)
    fake.set_rate_limits(None)
    await bot.send_message(GROUP, "limits off")


async def test_random_429_is_seeded(fake, bot):
    async def outcomes() -> list[bool]:
        result = []
        for i in range(20):
            try:
                await bot.send_message(GROUP, f"m{i}")
                result.append(True)
            except RetryAfter:
                result.append(False)
        return result

    fake.random_429(0.3, seed=7)
    first = await outcomes()
    fake.random_429(0.3, seed=7)
    assert await outcomes() == first and 0 < first.count(False) < 20
    fake.random_429(0)
    assert all(await outcomes())


def test_json_and_form_bodies_and_wait_for(fake):
    url = fake.base_url + fake.token
    as_json = httpx.post(f"{url}/sendMessage", json={"chat_id": GROUP, "text": "json", "reply_markup": {
        "inline_keyboard": [[{"text": "Take", "callback_data": "take"}]]}}).json()
    as_form = httpx.post(f"{url}/sendmessage", data={"chat_id": str(GROUP), "text": "form"}).json()
    assert as_json["ok"] and as_form["ok"] and as_json["result"]["reply_markup"]["inline_keyboard"][0][0]["text"] == "Take"
    as_multipart = httpx.post(f"{url}/sendMessage", data={"chat_id": str(GROUP), "text": "multi"},
                              files={"unused": ("a.txt", b"x")}).json()
    assert as_multipart["result"]["text"] == "multi"
    error = httpx.get(f"{url}/deleteMessage", params={"chat_id": GROUP, "message_id": 99})
    assert error.status_code == 400 and error.json() == {
        "ok": False, "error_code": 400, "description": "Bad Request: message to delete not found"}
    assert fake.wait_for_message(GROUP, "form", timeout=1)["message_id"] == 2
    with pytest.raises(TimeoutError, match="(?i)bot messages"):
        fake.wait_for(lambda f: f.count("sendMessage") > 10, timeout=0.2)


async def test_real_application_polls_and_answers(fake):
    async def report(update, context):
        await update.message.reply_text(f"Ticket opened: {' '.join(context.args)}",
                                        reply_markup=keyboard("take"), do_quote=True)

    async def take(update, context):
        await update.callback_query.answer("Taken")

    app = Application.builder().token(fake.token).base_url(fake.base_url).build()
    app.add_handler(CommandHandler("report", report))
    app.add_handler(CallbackQueryHandler(take))
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=1)
        asked = fake.post_message(GROUP, ALICE, "/report login fails")
        card = await fake.wait_for_async(lambda: next(iter(fake.bot_messages(GROUP)), None), timeout=10)
        assert card["text"] == "Ticket opened: login fails" and card["reply_to"] == asked
        fake.press_button(GROUP, card["message_id"], ALICE, "take")
        await fake.wait_for_async(fake.callback_answers, timeout=10)
        await app.updater.stop()
        await app.stop()
    assert fake.count("deleteWebhook") == 1 and fake.pending_updates() == []
