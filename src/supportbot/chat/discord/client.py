"""The discord.py client of the adapter: its options, intents, addresses, and events handed to the adapter."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

import discord
import yarl
from discord.gateway import DiscordWebSocket

from supportbot.chat.discord.commands import Host, build_tree
from supportbot.chat.discord.parse import PLATFORM
from supportbot.logs import context as log_context

log = logging.getLogger(__name__)

DEFAULT_API = "https://discord.com/api/v10"
DEFAULT_GATEWAY = "wss://gateway.discord.gg"
# discord.py's default: after the last server arrives, how long it waits for more before on_ready.
GUILD_READY_TIMEOUT = 2.0
RATE_LIMIT_WAIT = 30.0  # longest 429 wait discord.py sleeps through; longer ones go back to the outbox


@dataclass(frozen=True)
class DiscordOptions:
    """The [discord] settings, as plain values."""

    token: str
    api_base_url: str = DEFAULT_API
    gateway_url: str = DEFAULT_GATEWAY
    guilds: tuple[int, ...] = ()
    team_roles: frozenset[int] = frozenset()


def intents() -> discord.Intents:
    """Only what the desk needs: servers, their messages with text (privileged), direct messages.
    Not members or presences: team roles come with each message and interaction."""
    wanted = discord.Intents.none()
    wanted.guilds = wanted.guild_messages = wanted.message_content = wanted.dm_messages = True
    return wanted


def point_at(options: DiscordOptions) -> None:
    """discord.py takes both addresses from class attributes, read when a request or connection starts."""
    discord.http.Route.BASE = options.api_base_url.rstrip("/")
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(options.gateway_url)


class EventHandler(Host, Protocol):
    """What the client hands each gateway event to (the adapter), besides what the slash commands need."""

    async def ready(self) -> None: ...
    async def message(self, message: discord.Message) -> None: ...
    async def edited(self, event: discord.RawMessageUpdateEvent) -> None: ...
    async def pressed(self, interaction: discord.Interaction) -> None: ...


class SupportClient(discord.Client):
    """discord.py's client, handing each event to the adapter."""

    def __init__(self, adapter: EventHandler, *, guild_ready_timeout: float = GUILD_READY_TIMEOUT) -> None:
        # A text bot: the warnings that voice support is missing are noise.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        super().__init__(
            intents=intents(), chunk_guilds_at_startup=False, member_cache_flags=discord.MemberCacheFlags.none(),
            allowed_mentions=discord.AllowedMentions.none(), max_ratelimit_timeout=RATE_LIMIT_WAIT,
            guild_ready_timeout=guild_ready_timeout,
        )
        self.adapter = adapter
        self.tree = build_tree(self, adapter)

    async def on_ready(self) -> None:
        await self.adapter.ready()

    async def on_message(self, message: discord.Message) -> None:
        with about_event(message.channel.id, message.id):
            await self.adapter.message(message)

    async def on_raw_message_edit(self, event: discord.RawMessageUpdateEvent) -> None:
        with about_event(event.channel_id, event.message_id):
            await self.adapter.edited(event)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        if interaction.type is discord.InteractionType.component:
            with about_event(interaction.channel_id, interaction.id):
                await self.adapter.pressed(interaction)


@contextmanager
def about_event(channel_id: int | None, event_id: int) -> Iterator[None]:
    """The log lines of one gateway event name it (its id), its channel and, once the desk knows it, its
    ticket; the last one says how long it took."""
    with log_context.about(platform=PLATFORM, chat=channel_id, update=event_id):
        yield
        log.debug("discord: event done")


def gateway_ended(task: asyncio.Task) -> None:
    """Say so when the gateway gives up for good (discord.py reconnects by itself otherwise)."""
    if not task.cancelled() and task.exception() is not None:
        err = task.exception()
        hint = (" Enable the Message Content Intent for the bot in the Developer Portal."
                if isinstance(err, discord.PrivilegedIntentsRequired) else "")
        log.error("discord: gateway connection ended: %s%s", err, hint)
