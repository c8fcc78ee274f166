"""Outbox rows to Bot API calls, and Telegram's errors to the outbox's three outcomes."""

from __future__ import annotations

import datetime as dtm
import warnings
from types import SimpleNamespace

import httpx
import pytest
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut

from support.fake_uow import FakeStore
from supportbot.chat.outbox_sender import OutboxSender
from supportbot.chat.telegram.delivery import TelegramPlatform, retry_after_seconds
from supportbot.chat.telegram.limits import FloodLimiter
from supportbot.services.outbox import (
    CardButtons,
    DeleteMessage,
    DirectMessage,
    MaybeDelivered,
    MessageLink,
    OutboxItem,
    OutboxKind,
    PermanentFailure,
    PlatformDown,
    RetryLater,
    Throttled,
)

GROUP, USER = -100101, 5001
# Building a RetryAfter reads its own retry_after, which warns unless PTB_TIMEDELTA is set.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


class StubBot:
    """Records calls; each call takes the next scripted outcome (an exception to raise, or None for success)."""

    def __init__(self, *outcomes) -> None:
        self.outcomes = list(outcomes)
        self.calls: list[tuple[str, dict]] = []
        self.next_id = 100

    async def _call(self, method: str, **params):
        self.calls.append((method, params))
        outcome = self.outcomes.pop(0) if self.outcomes else None
        if isinstance(outcome, Exception):
            raise outcome
        self.next_id += 1
        return SimpleNamespace(message_id=self.next_id)

    async def send_message(self, chat_id, text, **params):
        return await self._call("send", chat_id=chat_id, text=text, **params)

    async def edit_message_text(self, text, **params):
        return await self._call("edit", text=text, **params)

    async def delete_message(self, chat_id, message_id):
        return await self._call("delete", chat_id=chat_id, message_id=message_id)


class NoLimits(FloodLimiter):
    def take(self, chat_id: int) -> None:
        pass


def platform(*outcomes, limiter=None) -> tuple[TelegramPlatform, StubBot]:
    bot = StubBot(*outcomes)
    return TelegramPlatform(bot, limiter or NoLimits()), bot


def card(**extra) -> OutboxItem:
    fields = dict(platform="telegram", chat_id=GROUP, kind=OutboxKind.CARD, id=1,
                  text="🔴 Ticket #1 received — Court\nLogin <fails>", reply_to=9, ticket_id=1,
                  payload=CardButtons(1, ("take", "resolved")))
    return OutboxItem(**{**fields, **extra})


async def test_card_is_html_with_buttons_as_a_reply():
    tg, bot = platform()
    delivered = await tg.send(card(thread_id=30))
    method, params = bot.calls[0]
    assert delivered.message_id == 101 and delivered.chat_id == GROUP and delivered.thread_id == 30
    assert params["text"] == "<b>🔴 Ticket #1 received — Court</b>\nLogin &lt;fails&gt;"
    assert params["parse_mode"] == "HTML" and params["message_thread_id"] == 30
    assert params["reply_parameters"].message_id == 9 and params["reply_parameters"].allow_sending_without_reply
    assert [b.callback_data for row in params["reply_markup"].inline_keyboard for b in row] == ["t:1:take", "t:1:resolved"]


async def test_429_becomes_retry_later_and_holds_the_chat():
    limiter = FloodLimiter()
    tg, bot = platform(RetryAfter(dtm.timedelta(seconds=7)), limiter=limiter)
    with pytest.raises(RetryLater) as err:
        await tg.send(card())
    assert err.value.after == 7
    with pytest.raises(Throttled):
        await tg.send(card())
    assert len(bot.calls) == 1


@pytest.mark.parametrize("opt_in", ["", "true"])
def test_retry_after_as_int_or_timedelta(opt_in, monkeypatch):
    monkeypatch.setenv("PTB_TIMEDELTA", opt_in)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        error = RetryAfter(7)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # reading it must not warn either way
        assert retry_after_seconds(error) == 7.0


def timed_out(cause: Exception) -> TimedOut:
    """A TimedOut as python-telegram-bot raises it: from the httpx timeout that ended the call."""
    error = TimedOut()
    error.__cause__ = cause
    return error


UNSENT_TIMEOUTS = [timed_out(httpx.ConnectTimeout("connect")), timed_out(httpx.PoolTimeout("pool")),
                   timed_out(httpx.WriteTimeout("write"))]


@pytest.mark.parametrize("error", [NetworkError("Bad Gateway"), NetworkError("Internal Server Error"),
                                   NetworkError("Service Unavailable"),
                                   NetworkError("httpx.ConnectError: All connection attempts failed"),
                                   *UNSENT_TIMEOUTS])
async def test_5xx_connection_errors_and_timeouts_before_sending_mean_telegram_is_down(error):
    tg, _ = platform(error)
    with pytest.raises(PlatformDown):
        await tg.send(card())


@pytest.mark.parametrize("error", [timed_out(httpx.ReadTimeout("read")), TimedOut()])
async def test_a_send_timing_out_after_it_went_out_may_have_arrived(error):
    tg, bot = platform(error)
    with pytest.raises(MaybeDelivered) as raised:
        await tg.send(card())
    assert "-100101" in str(raised.value)


async def test_an_edit_or_delete_timing_out_is_simply_tried_again():
    # Both are idempotent: doing them twice shows nothing twice.
    tg, _ = platform(timed_out(httpx.ReadTimeout("read")))
    with pytest.raises(PlatformDown):
        await tg.edit(card(kind=OutboxKind.EDIT_CARD), MessageLink("telegram", GROUP, 55, 1, "card"))


async def test_through_the_sender_a_send_accepted_after_the_timeout_shows_once(clock, caplog):
    """Telegram took the message but answered after the bot's timeout: it must not be sent a second time."""

    class AcceptsSlowly(StubBot):
        async def _call(self, method, **params):
            await super()._call(method, **params)  # Telegram keeps it...
            if len(self.calls) == 1:
                raise timed_out(httpx.ReadTimeout("read"))  # ...but the answer comes too late
            return SimpleNamespace(message_id=self.next_id)

    bot = AcceptsSlowly()
    store = FakeStore()
    async with store() as uow:
        await uow.outbox.add(card(id=None, created_at=clock.now()))
        await uow.commit()
    sender = OutboxSender(TelegramPlatform(bot, NoLimits()), uow=store, clock=clock)

    for _ in range(30):
        await sender.flush()
        clock.advance(seconds=1)

    assert len(bot.calls) == 1  # exactly one message in the chat
    [row] = store.outbox
    assert row.status == "sent" and "may not have arrived" in row.last_error
    assert f"row {row.id}" in caplog.text and str(GROUP) in caplog.text


@pytest.mark.parametrize("error", [BadRequest("Bad Request: chat not found"), Forbidden("Forbidden: bot was kicked"),
                                   ChatMigrated(-100999)])
async def test_400_and_403_are_final_with_the_reason(error):
    tg, _ = platform(error)
    with pytest.raises(PermanentFailure) as err:
        await tg.send(card())
    assert str(err.value).startswith("sendMessage to chat -100101: ")


async def test_our_limiter_throttles_before_calling():
    limiter = FloodLimiter()
    limiter.hold(GROUP, 3)
    tg, bot = platform(limiter=limiter)
    with pytest.raises(Throttled):
        await tg.send(card())
    assert bot.calls == []


async def test_edit_not_modified_is_success_and_not_found_is_final():
    link = MessageLink("telegram", GROUP, 55, 1, "card")
    item = card(kind=OutboxKind.EDIT_CARD)
    tg, bot = platform(BadRequest("Message is not modified: specified new message content ..."))
    await tg.edit(item, link)
    assert bot.calls[0][1]["message_id"] == 55 and bot.calls[0][1]["chat_id"] == GROUP
    tg, _ = platform(BadRequest("Message to edit not found"))
    with pytest.raises(PermanentFailure):
        await tg.edit(item, link)


async def test_resolved_card_loses_its_buttons():
    tg, bot = platform()
    await tg.edit(card(payload=CardButtons(1)), MessageLink("telegram", GROUP, 55, 1, "card"))
    assert bot.calls[0][1]["reply_markup"] is None


async def test_delete_refused_is_final_and_already_gone_is_fine():
    item = OutboxItem(platform="telegram", chat_id=GROUP, kind=OutboxKind.DELETE, payload=DeleteMessage(9))
    tg, bot = platform(BadRequest("Message can't be deleted"))
    with pytest.raises(PermanentFailure):
        await tg.delete(item)
    tg, bot = platform(BadRequest("Message to delete not found"))
    await tg.delete(item)
    assert bot.calls == [("delete", {"chat_id": GROUP, "message_id": 9})]


async def test_direct_message_falls_back_to_the_chat_without_quoting():
    item = OutboxItem(platform="telegram", chat_id=GROUP, kind=OutboxKind.MESSAGE, id=3, text="private <advice>",
                      reply_to=9, payload=DirectMessage(USER, "public notice"))
    tg, bot = platform(Forbidden("Forbidden: bot can't initiate conversation with a user"))
    delivered = await tg.send(item)
    (m1, first), (m2, second) = bot.calls
    assert first["chat_id"] == USER and first["text"] == "private &lt;advice&gt;"
    assert second["chat_id"] == GROUP and second["text"] == "public notice" and second["reply_parameters"] is None
    assert delivered.chat_id == GROUP
    tg, bot = platform()
    assert (await tg.send(item)).chat_id == USER and len(bot.calls) == 1


async def test_a_long_message_is_split_and_a_retry_sends_only_the_rest():
    item = OutboxItem(platform="telegram", chat_id=GROUP, kind=OutboxKind.MESSAGE, id=4,
                      text="\n".join(f"line {i:04d} " + "x" * 90 for i in range(120)), reply_to=9)
    tg, bot = platform(None, None, NetworkError("Bad Gateway"))
    with pytest.raises(RetryLater):
        await tg.send(item)
    assert len(bot.calls) == 3
    delivered = await tg.send(item)
    sent = [params for method, params in bot.calls if method == "send"]
    assert len(sent) == 4 and delivered.message_id == 101  # the first part stands for the message
    assert sent[0]["reply_parameters"].message_id == 9 and sent[1]["reply_parameters"] is None
    assert all(len(p["text"]) <= 4096 for p in sent)
    assert sent[2]["text"] == sent[3]["text"]  # the part that failed, sent again; the others once


async def test_answers_wait_out_a_429_and_do_not_resend_after_a_timeout():
    tg, bot = platform(RetryAfter(0), None)
    await tg.answer(GROUP, "done", reply_to=9)
    assert len(bot.calls) == 2 and bot.calls[1][1]["reply_parameters"].message_id == 9
    tg, bot = platform(TimedOut())
    await tg.answer(GROUP, "done")
    assert len(bot.calls) == 1
    tg, bot = platform(BadRequest("chat not found"))
    await tg.answer(GROUP, "refused", ok=False)
    assert bot.calls[0][1]["text"].startswith("⚠️ ")
