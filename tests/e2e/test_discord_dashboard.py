"""/dashboard on Discord end to end (discord.py against the fake gateway and REST server, in this process):
the sign-in link goes to the team member as a direct message, the channel only hears that it was sent."""

from __future__ import annotations

import re

import pytest

from supportbot.domain import texts
from tests.e2e.inprocess_fixtures import discord, discord_bot  # noqa: F401 (pytest fixtures)
from tests.e2e.support_discord import ALICE, BOB, COURT, DAVE, RITA, TEAM, text_of

pytestmark = pytest.mark.e2e

LINK = re.compile(r"https?://\S+/login/[A-Za-z0-9_-]{43}")


async def test_the_link_goes_privately_and_reporters_are_refused(discord, discord_bot):
    fake, bot = discord, await discord_bot()
    answer = await bot.slash(TEAM, ALICE, "dashboard")
    assert answer["ephemeral"] and answer["content"] == texts.BOARD_LINK_SENT
    dm = await bot.until(lambda: fake.dm_channels().get(ALICE), "a direct message to Alice")
    assert LINK.search((await bot.posted(dm, "sign-in link"))["content"])

    refused = await bot.slash(COURT, DAVE, "dashboard")
    assert refused["ephemeral"] and "Only the support team can use /dashboard." in refused["content"]
    unlisted = await bot.slash(TEAM, RITA, "dashboard")  # the team role, but no [[people]] entry to sign in as
    assert unlisted["ephemeral"] and texts.BOARD_NOT_LISTED in unlisted["content"]

    fake.block_dms(BOB, at_create=True)  # accepts no direct messages: asked to open one, the link kept back
    await bot.slash(TEAM, BOB, "dashboard")
    await bot.posted(TEAM, "I could not write to you privately")
    assert [m for m in fake.messages() if LINK.search(text_of(m))] == [m for m in fake.messages(dm)
                                                                     if LINK.search(text_of(m))]


async def test_the_database_does_not_keep_a_link_once_it_is_sent(discord, discord_bot):
    fake, bot = discord, await discord_bot()
    await bot.slash(TEAM, ALICE, "dashboard")
    dm = await bot.until(lambda: fake.dm_channels().get(ALICE), "a direct message to Alice")
    assert LINK.search((await bot.posted(dm, "sign-in link"))["content"])

    await bot.pump.idle()  # the send's outcome is recorded
    stored = await bot.query("SELECT status, text FROM outbox WHERE text LIKE '%sign-in%' OR text LIKE '%/login/%'")
    assert stored == [("sent", "(a one-time sign-in link: not kept once sent)")]
