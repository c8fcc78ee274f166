"""How a slash command or button press is answered: with the desk's Reply, within Discord's three seconds."""

import asyncio
import logging
from collections.abc import Awaitable

import discord

from supportbot.chat.discord import render
from supportbot.services.ports import Reply

log = logging.getLogger(__name__)

ACK_WITHIN = 2.0  # seconds; Discord drops an interaction not answered within 3
FAILED = "Sorry, that did not work. Please try again in a moment."


async def answer(interaction: discord.Interaction, work: Awaitable[Reply], *, private: bool = False) -> None:
    """Answer with the desk's Reply: refusals and reads ephemerally, team actions for the channel.

    A desk call slower than Discord's three seconds gets a deferred, private 'thinking' answer first."""
    task = asyncio.ensure_future(work)
    done, _ = await asyncio.wait({task}, timeout=ACK_WITHIN)
    try:
        if not done:
            await interaction.response.defer(thinking=True, ephemeral=True)
        try:
            reply = await task
        except Exception:
            log.exception("discord: interaction %s failed", interaction.id)
            reply = Reply(FAILED, ok=False, ephemeral=True)
        ephemeral = private or reply.ephemeral or not reply.ok
        text = (reply.text or "Done.") if reply.ok else render.WARNING + reply.text
        for part in render.chunks(text):
            if interaction.response.is_done():
                await interaction.followup.send(part, ephemeral=ephemeral,
                                                allowed_mentions=render.allowed_mentions())
            else:
                await interaction.response.send_message(part, ephemeral=ephemeral,
                                                        allowed_mentions=render.allowed_mentions())
    except discord.HTTPException as err:  # the interaction expired, or Discord is down: nothing to answer
        log.warning("discord: could not answer interaction %s: %s", interaction.id, err)


async def refuse(interaction: discord.Interaction, text: str) -> None:
    """A one-line refusal only the caller sees."""

    async def now() -> Reply:
        return Reply(text, ok=False, ephemeral=True)

    await answer(interaction, now())
