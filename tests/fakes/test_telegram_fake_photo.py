"""The fake Bot API's sendPhoto, through the real python-telegram-bot client: a multipart upload answered with
PhotoSizes read from the image, and Telegram's refusals for a missing photo, a non-image and a long caption."""

from __future__ import annotations

import struct
import zlib

import pytest
from telegram import InputFile
from telegram.error import BadRequest

from .test_telegram_fake import GROUP, bot, fake  # noqa: F401 (fixtures)


def tiny_png(width: int, height: int) -> bytes:
    """A PNG header of the given size (the fake reads the size; nothing decodes the pixels)."""
    body = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    ihdr = struct.pack(">I", 13) + b"IHDR" + body + struct.pack(">I", zlib.crc32(b"IHDR" + body))
    return b"\x89PNG\r\n\x1a\n" + ihdr + b"\x00\x00\x00\x00IEND\xaeB`\x82"


async def test_a_photo_upload_is_a_multipart_request_answered_with_its_size(fake, bot):
    message = await bot.send_photo(GROUP, InputFile(tiny_png(800, 450), filename="chart.png"),
                                   caption="<b>Week</b> 49", parse_mode="HTML")

    assert message.caption == "Week 49" and message.caption_entities[0].type == "bold"
    assert (message.photo[-1].width, message.photo[-1].height) == (800, 450)
    [sent] = fake.bot_photos(GROUP)
    assert sent["data"] == tiny_png(800, 450) and sent["filename"] == "chart.png"
    assert fake.bot_messages(GROUP) == []  # a photo is not a text message


async def test_the_fake_refuses_what_telegram_refuses(bot):
    with pytest.raises(BadRequest, match="(?i)image_process_failed"):
        await bot.send_photo(GROUP, InputFile(b"not an image", filename="x.png"))
    with pytest.raises(BadRequest, match="(?i)caption is too long"):
        await bot.send_photo(GROUP, InputFile(tiny_png(10, 10), filename="x.png"), caption="x" * 1025)
    with pytest.raises(BadRequest, match="(?i)wrong file identifier"):
        await bot.send_photo(GROUP, "AgACAgIAAxkBAAIBunknown")
