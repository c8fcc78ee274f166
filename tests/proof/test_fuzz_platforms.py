"""Fuzzing at full size: 2,000 generated Telegram updates and 2,000 Discord gateway events per run, new ones
each run (not derandomized; no example database), after the seed corpus of shapes that once broke the bot.

Each platform's examples are split over four tests by kind (each well under three minutes here), every
example checked as in tests/fuzz: the update or event is handled, or parked when it cannot be read; nothing
reaches the event loop or the error log; a report in another chat right after it is acknowledged; every
message the bot sends is valid for the platform (Telegram's HTML, 4,096 characters, 64-byte button data;
Discord's 2,000 characters, embed limits, 100-character custom ids)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz import corpus, discord_events, telegram_updates
from tests.fuzz.fixtures import PROOF, discord_fuzz, telegram_fuzz  # noqa: F401  (fixtures)

pytestmark = pytest.mark.proof


@PROOF
@corpus.seeded("body", corpus.TELEGRAM)
@given(body=telegram_updates.message().map(lambda m: {"message": m}))
async def test_telegram_messages(telegram_fuzz, body):
    await telegram_fuzz.feed(body)


@PROOF
@given(body=telegram_updates.message(edited=True).map(lambda m: {"edited_message": m}))
async def test_telegram_edited_messages(telegram_fuzz, body):
    await telegram_fuzz.feed(body)


@PROOF
@given(body=telegram_updates.callback_query().map(lambda q: {"callback_query": q}))
async def test_telegram_button_presses(telegram_fuzz, body):
    await telegram_fuzz.feed(body)


@PROOF
@given(body=telegram_updates.update())
async def test_telegram_any_update(telegram_fuzz, body):
    await telegram_fuzz.feed(body)


@PROOF
@corpus.seeded("event", corpus.DISCORD)
@given(event=discord_events.post())
async def test_discord_messages(discord_fuzz, event):
    await discord_fuzz.feed(event)


@PROOF
@given(event=discord_events.slash())
async def test_discord_slash_commands(discord_fuzz, event):
    await discord_fuzz.feed(event)


@PROOF
@given(event=st.one_of(discord_events.press(), discord_events.edit(), discord_events.system()))
async def test_discord_presses_edits_and_system_messages(discord_fuzz, event):
    await discord_fuzz.feed(event)


@PROOF
@given(event=discord_events.event())
async def test_discord_any_event(discord_fuzz, event):
    await discord_fuzz.feed(event)
