"""Sending the outbox to Discord: cards in ticket threads, mentions, direct messages, deletions, errors."""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

import aiohttp
import discord

from supportbot.chat.discord import render
from supportbot.domain.people import Directory
from supportbot.services.outbox import (
    CardButtons,
    DeleteMessage,
    Delivered,
    DirectMessage,
    MessageLink,
    OutboxItem,
    OutboxKind,
    PermanentFailure,
    Photo,
    PlatformDown,
    RetryLater,
)
from supportbot.services.telemetry import Telemetry

log = logging.getLogger(__name__)

PLATFORM = "discord"

CANNOT_DM = 50007  # "Cannot send messages to this user"
THREAD_EXISTS = 160004  # "A thread has already been created for this message"
THREAD_ARCHIVED = 50083  # "Thread is archived": only sending a message wakes a thread
THREAD_ARCHIVE_MINUTES: Final = 10080  # a week: tickets outlive Discord's default of a day
REMEMBERED_THREADS = 5000


def nonce(item: OutboxItem) -> str:
    """The same nonce on every try of an outbox row: Discord then returns the message already made
    instead of posting it twice (discord.py sends it with enforce_nonce)."""
    seed = f"{item.id}:{item.chat_id}:{item.kind.value}:{item.created_at.isoformat()}"
    return hashlib.blake2b(seed.encode(), digest_size=12).hexdigest()


@contextlib.contextmanager
def translated(what: str, telemetry: Telemetry | None = None) -> Iterator[None]:
    """Discord's failures as the outbox sender knows them: try again later, or never; each counted by code."""
    count = telemetry.api_error if telemetry is not None else lambda platform, code: None
    try:
        yield
    except discord.RateLimited as err:  # a wait longer than discord.py is allowed to sleep
        count(PLATFORM, "429")
        raise RetryLater(f"{what}: rate limited for {err.retry_after:.1f}s", after=err.retry_after) from err
    except discord.HTTPException as err:
        count(PLATFORM, str(err.status))
        reason = f"{what}: {err.status} {err.text or ''} (code {err.code})".strip()
        if err.status == 429:  # discord.py's own retries are used up
            raise RetryLater(reason, after=_retry_after(err)) from err
        if err.status >= 500:  # Discord itself is failing: the outbox backs off the whole platform
            raise PlatformDown(reason) from err
        raise PermanentFailure(reason) from err
    except (TimeoutError, aiohttp.ClientError, OSError) as err:
        count(PLATFORM, "timeout" if isinstance(err, TimeoutError) else "network")
        # Sending again is safe even when the request went out: every send carries its row's nonce.
        raise PlatformDown(f"{what}: {type(err).__name__}: {err}") from err


def _retry_after(err: discord.HTTPException) -> float | None:
    headers: Mapping[str, str] = getattr(err.response, "headers", None) or {}
    retry_after = headers.get("Retry-After")
    if retry_after is None:
        return None
    try:
        return float(retry_after)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class Target:
    """Where a message goes: a channel or thread, the thread (if it is one), the message it answers."""

    channel_id: int
    thread_id: int | None = None
    reference: discord.MessageReference | None = None


class DiscordDelivery:
    """The ChatPlatform the outbox sender calls for Discord."""

    name = "discord"
    resends_safely = True  # every send carries its outbox row's nonce: Discord never posts it twice

    def __init__(self, client: discord.Client, *, people: Directory | None = None,
                 telemetry: Telemetry | None = None) -> None:
        self.client = client
        self.telemetry = telemetry  # counts the API's failures by code
        self.people = people  # whose Discord ids (and team role) the mentions name
        # report message id -> the thread opened on it, for notices queued before the thread existed
        self._threads: OrderedDict[int, int] = OrderedDict()

    # --- ChatPlatform ----------------------------------------------------------------

    async def send(self, item: OutboxItem) -> Delivered:
        """Post a message or a card; a card answering a channel message opens the ticket's thread."""
        with translated(f"send to {item.chat_id}", self.telemetry):
            if isinstance(item.payload, DirectMessage):
                return await self._send_direct(item, item.payload)
            if item.kind is OutboxKind.CARD:
                return await self._send_card(item)
            if item.kind is OutboxKind.PHOTO:
                return await self._send_photo(item)
            return await self._send_message(item)

    async def edit(self, item: OutboxItem, card: MessageLink) -> None:
        """Re-render one card in place (embed and buttons)."""
        message = self._messageable(card.thread_id or card.chat_id).get_partial_message(card.message_id)
        with translated(f"edit card {card.message_id}", self.telemetry):
            try:
                await self._unarchiving(message.channel.id, lambda: message.edit(
                    embed=render.card_embed(item.text), view=render.card_view(item.payload),
                    allowed_mentions=render.allowed_mentions()))
            except discord.NotFound:
                log.warning("discord: card %s in %s is gone; not edited", card.message_id, message.channel.id)

    async def delete(self, item: OutboxItem) -> None:
        """Remove a message that exposed a secret; 403 (no Manage Messages) is final, so security is told."""
        if not isinstance(item.payload, DeleteMessage):
            raise PermanentFailure("a delete names no message")
        message_id = item.payload.message_id
        home = self._home_of(message_id)  # a message in a thread is deleted through the thread
        channel_id = home.id if home is not None else item.thread_id or item.chat_id
        message = self._messageable(channel_id).get_partial_message(message_id)
        with translated(f"delete message {message_id}", self.telemetry):
            try:
                await self._unarchiving(message.channel.id, message.delete)
            except discord.NotFound:
                # Already gone (its author deleted it), or never posted: a slash command's text.
                log.info("discord: message %s in %s was already gone", message_id, message.channel.id)

    async def _unarchiving(self, channel_id: int, action: Callable[[], Awaitable[Any]]) -> None:
        """Run the action; in a thread that went quiet (archived), wake the thread and run it again."""
        try:
            await action()
        except discord.HTTPException as err:
            if err.code != THREAD_ARCHIVED:
                raise
            thread = await self._channel(channel_id)
            if not isinstance(thread, discord.Thread):
                raise
            await thread.edit(archived=False)
            await action()

    # --- sending ---------------------------------------------------------------------

    async def _send_card(self, item: OutboxItem) -> Delivered:
        tagged = render.handles(item.mentions, self.people)
        content = render.mention_line(tagged) or None
        options: dict[str, Any] = dict(
            embed=render.card_embed(item.text), view=render.card_view(item.payload),
            allowed_mentions=render.allowed_mentions(tagged), nonce=nonce(item))
        if item.thread_id is None and item.reply_to is not None:
            parent = await self._channel(item.chat_id)
            if isinstance(parent, discord.TextChannel):
                try:
                    return await self._card_in_thread(parent, item, content, options)
                except discord.Forbidden as err:  # no Create Public Threads: the card answers in the channel
                    log.warning("discord: cannot open a thread in %s (%s); the card goes in the channel",
                                parent.id, err.text)
        where = self._target(item)
        card = await self._messageable(where.channel_id).send(
            content, reference=where.reference, **options)  # type: ignore[arg-type]  # None is send()'s default
        return Delivered(card.id, item.chat_id, where.thread_id)

    async def _card_in_thread(self, parent: discord.TextChannel, item: OutboxItem, content: str | None,
                              options: dict[str, Any]) -> Delivered:
        """Open the ticket's thread on the report and post the card inside; the desk finds the ticket by it."""
        assert item.reply_to is not None
        number = item.payload.ticket_number if isinstance(item.payload, CardButtons) else None
        name = render.thread_name(number, render.card_title(item.text))
        thread_id = await self._open_thread(parent, item.reply_to, name)
        if thread_id is None:
            # The report is not a message here (a slash command's, or deleted): the thread hangs from the card.
            card = await parent.send(content, **options)
            try:
                thread_id = await self._open_thread(parent, card.id, name)
            except discord.Forbidden:
                return Delivered(card.id, item.chat_id)
        else:
            card = await self._messageable(thread_id).send(content, **options)
        if thread_id is not None:
            self._remember(item.reply_to, thread_id)
        return Delivered(card.id, item.chat_id, thread_id)

    async def _send_message(self, item: OutboxItem) -> Delivered:
        where = self._target(item)
        tagged = render.handles(item.mentions, self.people)
        options: dict[str, Any] = dict(allowed_mentions=render.allowed_mentions(tagged), nonce=nonce(item))
        view = render.card_view(item.payload)  # a question to a reporter carries their buttons
        if view is not None:
            options["view"] = view
        sent = await self._messageable(where.channel_id).send(
            render.message_content(item.text, tagged),
            reference=where.reference,  # type: ignore[arg-type]  # None is send()'s default; the overloads omit it
            **options)
        return Delivered(sent.id, item.chat_id, where.thread_id)

    async def _send_photo(self, item: OutboxItem) -> Delivered:
        """An image as the message's attachment (multipart: payload_json and files[0]), the text above it."""
        if not isinstance(item.payload, Photo):
            raise PermanentFailure("a photo carries no image")
        where = self._target(item)
        tagged = render.handles(item.mentions, self.people)
        sent = await self._messageable(where.channel_id).send(
            render.message_content(item.text, tagged) or None,
            file=discord.File(io.BytesIO(item.payload.png), filename=item.payload.filename),
            reference=where.reference,  # type: ignore[arg-type]  # None is send()'s default; the overloads omit it
            allowed_mentions=render.allowed_mentions(tagged), nonce=nonce(item))
        return Delivered(sent.id, item.chat_id, where.thread_id)

    async def _send_direct(self, item: OutboxItem, direct: DirectMessage) -> Delivered:
        """A direct message; when the user accepts none (403 50007), the fallback text where they wrote."""
        try:
            channel = await self.client.create_dm(discord.Object(direct.user_id))
            sent = await channel.send(render.message_content(item.text), allowed_mentions=render.allowed_mentions(),
                                      nonce=nonce(item))
            return Delivered(sent.id, channel.id)
        except discord.Forbidden as err:
            if err.code != CANNOT_DM or not direct.fallback_text:
                raise
        log.info("discord: user %s accepts no direct messages; answering in %s", direct.user_id, item.chat_id)
        sent = await self._messageable(item.chat_id).send(
            render.message_content(direct.fallback_text),
            allowed_mentions=render.allowed_mentions(), nonce=nonce(item))
        return Delivered(sent.id, item.chat_id)

    async def _open_thread(self, parent: discord.TextChannel, message_id: int, name: str) -> int | None:
        """The thread on a message of the channel, opened now or before; None when there is no such message."""
        try:
            thread = await parent.get_partial_message(message_id).create_thread(
                name=name, auto_archive_duration=THREAD_ARCHIVE_MINUTES)
        except discord.NotFound:
            return None
        except discord.HTTPException as err:
            if err.code == THREAD_EXISTS:  # an earlier try got this far: a thread's id is its message's id
                return message_id
            raise
        return thread.id

    # --- where things go ---------------------------------------------------------------

    def _target(self, item: OutboxItem) -> Target:
        """The channel or thread to post in, and the message to answer when it is there too."""
        if item.thread_id is not None:
            return Target(item.thread_id, item.thread_id)
        if item.reply_to is None:
            return Target(item.chat_id)
        thread = self._threads.get(item.reply_to) or self._thread_on(item.reply_to)
        if thread is not None:  # the report has the ticket's thread: the conversation is there
            return Target(thread, thread)
        home = self._home_of(item.reply_to)
        channel_id = home.id if home is not None else item.chat_id
        reference = discord.MessageReference(message_id=item.reply_to, channel_id=channel_id,
                                             fail_if_not_exists=False)
        return Target(channel_id, channel_id if isinstance(home, discord.Thread) else None, reference)

    def _thread_on(self, message_id: int) -> int | None:
        """A thread started on this message (it has the message's id), if discord.py knows it."""
        channel = self.client.get_channel(message_id)
        return channel.id if isinstance(channel, discord.Thread) else None

    def _home_of(self, message_id: int) -> discord.abc.MessageableChannel | None:
        """The channel or thread a recently seen message lives in."""
        for message in reversed(self.client.cached_messages):
            if message.id == message_id:
                return message.channel
        return None

    def _remember(self, message_id: int, thread_id: int) -> None:
        self._threads[message_id] = thread_id
        while len(self._threads) > REMEMBERED_THREADS:
            self._threads.popitem(last=False)

    def _messageable(self, channel_id: int) -> discord.PartialMessageable:
        return self.client.get_partial_messageable(channel_id)

    async def _channel(self, channel_id: int) -> discord.abc.GuildChannel | discord.abc.PrivateChannel | discord.Thread:
        return self.client.get_channel(channel_id) or await self.client.fetch_channel(channel_id)
