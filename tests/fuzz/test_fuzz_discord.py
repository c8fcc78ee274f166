"""Fuzzing Discord gateway events, everyday size: discord.py reads each event from the fake gateway, the
adapter and the desk handle it; nothing crashes or stalls and everything the bot sends is valid for
Discord. The seed corpus first, then a few generated events; the full run is
tests/proof/test_fuzz_platforms.py."""

from __future__ import annotations

from hypothesis import given

from tests.fuzz import corpus, discord_events
from tests.fuzz.fixtures import EVERYDAY, discord_fuzz  # noqa: F401  (a fixture)


@EVERYDAY
@corpus.seeded("event", corpus.DISCORD)
@given(event=discord_events.event())
async def test_any_discord_event_is_handled_or_parked_and_the_bot_goes_on(discord_fuzz, event):
    await discord_fuzz.feed(event)
