"""A photo row (the digest's chart) on Telegram and the console: how it is sent, and that its failures come
out as a text message's do (rate limits hold the chat, a timeout after sending is not repeated)."""

from __future__ import annotations

import datetime as dtm
import itertools
from pathlib import Path

import httpx
import pytest
from telegram import InputFile
from telegram.error import BadRequest, RetryAfter

from support.fake_chat import FakeChat
from support.fake_uow import FakeStore, queue
from supportbot.chat.console import ConsolePlatform
from supportbot.chat.outbox_sender import SENDER_DIED, OutboxSender
from supportbot.chat.telegram.delivery import MAX_CAPTION_LENGTH, TelegramPlatform
from supportbot.chat.telegram.limits import FloodLimiter
from supportbot.db.outbox_codec import decode_payload, encode_payload
from supportbot.services.digest_chart import DaySeries
from supportbot.services.outbox import (
    Chart,
    MaybeDelivered,
    Mention,
    OutboxItem,
    OutboxKind,
    PermanentFailure,
    Photo,
    PlatformDown,
    RetryLater,
    Throttled,
)
from tests.unit.test_digest_chart import png_header
from tests.unit.test_outbox_crash import HangingChat, kill_mid_send
from tests.unit.test_telegram_delivery import GROUP, NoLimits, StubBot, timed_out

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32  # only its bytes travel here; nothing decodes it
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


class PhotoBot(StubBot):
    async def send_photo(self, chat_id, photo, **params):
        return await self._call("photo", chat_id=chat_id, photo=photo, **params)


def photo_row(**extra) -> OutboxItem:
    fields = dict(platform="telegram", chat_id=GROUP, kind=OutboxKind.PHOTO, id=7, text="📈 Opened & resolved",
                  payload=Photo(PNG, "digest.png"))
    return OutboxItem(**{**fields, **extra})


def telegram(*outcomes, limiter=None) -> tuple[TelegramPlatform, PhotoBot]:
    bot = PhotoBot(*outcomes)
    return TelegramPlatform(bot, limiter or NoLimits()), bot


async def test_telegram_uploads_the_image_with_its_caption_in_html() -> None:
    tg, bot = telegram()

    delivered = await tg.send(photo_row(thread_id=12))

    [(method, params)] = bot.calls
    assert method == "photo" and isinstance(params["photo"], InputFile)
    assert params["photo"].input_file_content == PNG and params["photo"].filename == "digest.png"
    assert params["caption"] == "📈 Opened &amp; resolved" and params["parse_mode"] == "HTML"
    assert params["message_thread_id"] == 12 and delivered.message_id == 101


async def test_a_long_caption_is_cut_to_telegrams_limit() -> None:
    tg, bot = telegram()

    await tg.send(photo_row(text="x" * 3000, mentions=(Mention("Carol"),)))

    assert len(bot.calls[0][1]["caption"]) <= MAX_CAPTION_LENGTH


async def test_a_429_on_a_photo_holds_the_chat_like_a_message() -> None:
    tg, bot = telegram(RetryAfter(dtm.timedelta(seconds=5)), limiter=FloodLimiter())

    with pytest.raises(RetryLater) as err:
        await tg.send(photo_row())
    assert err.value.after == 5
    with pytest.raises(Throttled):
        await tg.send(photo_row())
    assert len(bot.calls) == 1


async def test_a_photo_timing_out_after_the_upload_is_not_sent_again() -> None:
    tg, _ = telegram(timed_out(httpx.ReadTimeout("read")))
    with pytest.raises(MaybeDelivered):
        await tg.send(photo_row())

    tg, _ = telegram(timed_out(httpx.WriteTimeout("write")))  # the upload never finished: safe to retry
    with pytest.raises(PlatformDown):
        await tg.send(photo_row())


async def test_a_refused_image_is_given_up_on() -> None:
    tg, _ = telegram(BadRequest("IMAGE_PROCESS_FAILED"))
    with pytest.raises(PermanentFailure, match="IMAGE_PROCESS_FAILED"):
        await tg.send(photo_row())


async def test_the_console_writes_the_png_and_prints_its_path(tmp_path: Path) -> None:
    lines: list[str] = []
    console = ConsolePlatform(lines.append, {500: "team"}, itertools.count(41), files=tmp_path / "images")

    delivered = await console.send(photo_row(platform="console", chat_id=500))

    path = tmp_path / "images" / "digest-41.png"
    assert delivered.message_id == 41 and path.read_bytes() == PNG
    assert lines == [f"[team] #41 supportbot: 📈 Opened & resolved\n    🖼 image saved: {path.resolve()}"]


def test_a_photo_is_stored_as_base64_and_read_back_whole() -> None:
    stored = encode_payload(Photo(PNG, "digest.png"))

    assert set(stored) == {"photo_png", "filename"} and isinstance(stored["photo_png"], str)
    assert decode_payload(stored) == Photo(PNG, "digest.png")


async def test_a_photo_in_flight_when_the_sender_died_is_not_sent_again_on_telegram(clock) -> None:
    store = FakeStore()
    await queue(store, photo_row(id=None, created_at=clock.now()))
    await kill_mid_send(store, clock, HangingChat())
    clock.advance(minutes=2)  # the dead sender's lease is over

    restarted = FakeChat()
    await OutboxSender(restarted, uow=store, clock=clock).flush()

    assert restarted.sent == []  # the chart shows once, from before the kill
    assert store.outbox[0].status == "sent" and SENDER_DIED in store.outbox[0].last_error


async def test_the_sender_draws_a_chart_row_into_a_png_when_it_sends_it(clock) -> None:
    store = FakeStore()
    series = DaySeries((dtm.date(2026, 11, 30), dtm.date(2026, 12, 1)), (2, 1), (0, 3), (4, 2))
    await queue(store, photo_row(id=None, payload=Chart("Opened and resolved", series, "digest.png"),
                                 created_at=clock.now()))
    chat = FakeChat()

    await OutboxSender(chat, uow=store, clock=clock).flush()

    [sent] = chat.sent
    assert isinstance(sent.payload, Photo) and sent.payload.filename == "digest.png"
    assert png_header(sent.payload.png) == (800, 450)
    assert isinstance(store.outbox[0].payload, Chart) and store.outbox[0].status == "sent"  # stored as figures
