"""Fuzzing Telegram updates, everyday size: python-telegram-bot reads each update as getUpdates hands it
out, the adapter and the desk handle it; nothing crashes or stalls and everything the bot sends is valid
for Telegram. The seed corpus (shapes that once broke the bot) first, then a few generated updates; the
full run, thousands of them, is tests/proof/test_fuzz_platforms.py."""

from __future__ import annotations

from hypothesis import given

from tests.fuzz import corpus, telegram_updates
from tests.fuzz.fixtures import EVERYDAY, telegram_fuzz  # noqa: F401  (a fixture)


@EVERYDAY
@corpus.seeded("body", corpus.TELEGRAM)
@given(body=telegram_updates.update())
async def test_any_telegram_update_is_handled_or_parked_and_the_bot_goes_on(telegram_fuzz, body):
    await telegram_fuzz.feed(body)


