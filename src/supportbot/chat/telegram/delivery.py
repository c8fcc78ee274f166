"""Telegram as a ChatPlatform: outbox rows to Bot API calls, Telegram's errors to the outbox's three outcomes."""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any

import httpx
from telegram import Bot, InputFile, LinkPreviewOptions, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.warnings import PTBDeprecationWarning

from supportbot.chat.telegram import render as tr
from supportbot.chat.telegram.limits import FloodLimiter, LocalBudget
from supportbot.domain.people import Directory
from supportbot.services.outbox import (
    DeleteMessage,
    Delivered,
    DirectMessage,
    MaybeDelivered,
    MessageLink,
    OutboxItem,
    OutboxKind,
    PermanentFailure,
    Photo,
    PlatformDown,
    RetryLater,
)
from supportbot.services.send_budget import SendBudget
from supportbot.services.telemetry import Telemetry

log = logging.getLogger(__name__)

PLATFORM = "telegram"
MAX_CAPTION_LENGTH = 1024  # a photo's caption, counted like a message's text
# Calls that post something new: Telegram cannot tell a repeated one from another, so one that timed out
# after it went out is not repeated.
POSTS = frozenset({"sendMessage", "sendPhoto"})
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
REPLY_MAX_WAIT = 5.0  # a command's answer waits this long at most for a free slot, then goes anyway
REPLY_TRIES = 3
NOT_MODIFIED = "message is not modified"
ALREADY_DELETED = "message to delete not found"
# Timeouts that end a call before its request was fully written: Telegram cannot have acted on it.
UNSENT = (httpx.ConnectTimeout, httpx.PoolTimeout, httpx.WriteTimeout)


def retry_after_seconds(err: RetryAfter) -> float:
    """RetryAfter.retry_after in seconds: an int or a timedelta, depending on PTB_TIMEDELTA."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = err.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramPlatform:
    """Sends, edits and deletes through the Bot API within a budget of sends (our own flood limiter, or the
    one every replica shares through the database).

    No call is retried here: the outbox retries, and only when Telegram did not take the message
    (429, 5xx, network); a 400 or 403 is final; a send that timed out after it went out is not resent."""

    name = PLATFORM
    resends_safely = False  # the Bot API cannot tell a repeated sendMessage from a new one

    def __init__(self, bot: Bot, limiter: FloodLimiter | SendBudget | None = None, *,
                 people: Directory | None = None, telemetry: Telemetry | None = None) -> None:
        self.bot = bot
        self.telemetry = telemetry or Telemetry()  # counts the Bot API's refusals and failures by code
        self.people = people  # whose Telegram handles the mentions name
        limiter = limiter or FloodLimiter()
        self.limiter: SendBudget = LocalBudget(limiter) if isinstance(limiter, FloodLimiter) else limiter
        # Parts of a long message already delivered, by outbox row: a retry sends only the rest.
        self._delivered_parts: dict[tuple[int, int], list[int]] = {}

    # --- ChatPlatform ---------------------------------------------------------------

    async def send(self, item: OutboxItem) -> Delivered:
        """Send a card or a message; a message meant for a user privately falls back to its chat."""
        direct = item.payload
        if item.kind is OutboxKind.MESSAGE and isinstance(direct, DirectMessage):
            try:
                return await self._send(item, direct.user_id, tr.message_pieces(item.text), reply_to=None,
                                        thread_id=None)
            except PermanentFailure as err:  # never started the bot, or blocked it
                log.info("could not write to user %s privately (%s); saying it in chat %s", direct.user_id, err,
                         item.chat_id)
            return await self._send(item, item.chat_id, tr.message_pieces(direct.fallback_text or item.text),
                                    reply_to=None, thread_id=item.thread_id)
        if item.kind is OutboxKind.PHOTO:
            return await self._send_photo(item)
        if item.kind is OutboxKind.CARD:
            pieces = [tr.truncate(tr.message_pieces(item.text, item.mentions, people=self.people, headline=True))]
            return await self._send(item, item.chat_id, pieces[0], reply_to=item.reply_to, thread_id=item.thread_id,
                                    markup=tr.keyboard(item.payload), whole=True)
        # A question to a reporter carries their buttons (under its last part).
        return await self._send(item, item.chat_id, tr.message_pieces(item.text, item.mentions, people=self.people),
                                reply_to=item.reply_to, thread_id=item.thread_id, markup=tr.keyboard(item.payload))

    async def edit(self, item: OutboxItem, card: MessageLink) -> None:
        """Re-render one card in place; an unchanged card is fine, a vanished one is final."""
        text = tr.render(tr.truncate(tr.message_pieces(item.text, item.mentions, people=self.people, headline=True)))
        await self._call(
            "editMessageText", card.chat_id,
            lambda: self.bot.edit_message_text(
                text, chat_id=card.chat_id, message_id=card.message_id, parse_mode=ParseMode.HTML,
                reply_markup=tr.keyboard(item.payload), link_preview_options=NO_PREVIEW),
            ok_if=NOT_MODIFIED,
        )

    async def delete(self, item: OutboxItem) -> None:
        """Remove a message that exposed a secret; a message already gone counts as removed."""
        if not isinstance(item.payload, DeleteMessage):
            raise PermanentFailure("a delete names no message")
        message_id = item.payload.message_id
        await self._call("deleteMessage", item.chat_id,
                         lambda: self.bot.delete_message(item.chat_id, message_id),
                         ok_if=ALREADY_DELETED, limited=False)

    # --- direct answers to commands ----------------------------------------------------

    async def answer(self, chat_id: int, text: str, *, ok: bool = True, reply_to: int | None = None,
                     thread_id: int | None = None) -> None:
        """Send a command's reply right away (it is not stored, so it does not go through the outbox)."""
        for number, part in enumerate(tr.split(tr.message_pieces(text, warning=not ok))):
            await self._answer_part(chat_id, tr.render(part), reply_to if number == 0 else None, thread_id)

    async def _answer_part(self, chat_id: int, html: str, reply_to: int | None, thread_id: int | None) -> None:
        for _ in range(REPLY_TRIES):
            wait = await self.limiter.reserve(chat_id)
            if wait > 0:  # held longer than REPLY_MAX_WAIT, a reply goes anyway
                await asyncio.sleep(min(wait, REPLY_MAX_WAIT))
            try:
                await self._counted(lambda: self.bot.send_message(
                    chat_id, html, parse_mode=ParseMode.HTML, message_thread_id=thread_id,
                    reply_parameters=_reply(reply_to), link_preview_options=NO_PREVIEW))
                return
            except RetryAfter as err:
                after = retry_after_seconds(err)
                await self.limiter.hold(chat_id, after)
                await asyncio.sleep(min(after, REPLY_MAX_WAIT))
            except TimedOut:  # Telegram may have taken it: sending again could show it twice
                log.warning("reply to chat %s timed out; not sent again", chat_id)
                return
            except (BadRequest, Forbidden, InvalidToken, ChatMigrated) as err:
                log.warning("reply to chat %s refused: %s", chat_id, err.message)
                return
            except TelegramError as err:
                log.warning("reply to chat %s failed (%s); trying again", chat_id, err.message)
                await asyncio.sleep(1)
        log.error("reply to chat %s given up after %s tries", chat_id, REPLY_TRIES)

    # --- the calls ----------------------------------------------------------------------

    async def _send(self, item: OutboxItem, chat_id: int, pieces: Sequence[tr.Piece], *, reply_to: int | None,
                    thread_id: int | None, markup: Any = None, whole: bool = False) -> Delivered:
        """Send pieces as one message or, when too long, several; the first is the one linked to the ticket."""
        parts = [list(pieces)] if whole else tr.split(pieces)
        if not parts or not tr.visible(parts[0]).strip():
            raise PermanentFailure(f"sendMessage to chat {chat_id}: the message has no text")
        key = (item.id or id(item), chat_id)
        done = self._delivered_parts.setdefault(key, [])
        try:
            for number, part in enumerate(parts):
                if number < len(done):
                    continue  # delivered by an earlier try of this row
                last = number == len(parts) - 1

                # Called at once, within this iteration: the defaults only pin the values for the reader.
                def send(part: list[tr.Piece] = part, first: bool = number == 0, last: bool = last) -> Awaitable[Any]:
                    return self.bot.send_message(
                        chat_id, tr.render(part), parse_mode=ParseMode.HTML, message_thread_id=thread_id,
                        reply_parameters=_reply(reply_to if first else None),
                        reply_markup=markup if last else None, link_preview_options=NO_PREVIEW)

                message = await self._call("sendMessage", chat_id, send)
                done.append(message.message_id)
        except (PermanentFailure, MaybeDelivered):  # this row is done with, one way or the other
            del self._delivered_parts[key]
            raise
        del self._delivered_parts[key]
        return Delivered(done[0], chat_id=chat_id, thread_id=thread_id)

    async def _send_photo(self, item: OutboxItem) -> Delivered:
        """An image (sendPhoto, uploaded as multipart) with the row's text as its caption."""
        if not isinstance(item.payload, Photo):
            raise PermanentFailure("a photo carries no image")
        photo = item.payload
        caption = tr.render(tr.truncate(tr.message_pieces(item.text, item.mentions, people=self.people),
                                        MAX_CAPTION_LENGTH))
        message = await self._call("sendPhoto", item.chat_id, lambda: self.bot.send_photo(
            item.chat_id, InputFile(photo.png, filename=photo.filename), caption=caption or None,
            parse_mode=ParseMode.HTML, message_thread_id=item.thread_id, reply_parameters=_reply(item.reply_to)))
        return Delivered(message.message_id, chat_id=item.chat_id, thread_id=item.thread_id)

    async def _call(self, method: str, chat_id: int, call: Callable[[], Awaitable[Any]], *, ok_if: str = "",
                    limited: bool = True) -> Any:
        """One Bot API call, counted by the limiter; its error becomes RetryLater (429), PlatformDown (5xx,
        network, a timeout before sending), MaybeDelivered (a send timing out after it went out) or PermanentFailure."""
        if limited:
            await self.limiter.take(chat_id)  # raises Throttled: the outbox waits without counting a try
        try:
            return await self._counted(call)
        except RetryAfter as err:
            after = retry_after_seconds(err)
            await self.limiter.hold(chat_id, after)
            raise RetryLater(f"{method} to chat {chat_id}: Telegram asks to wait {after:.0f}s", after) from None
        except (BadRequest, Forbidden, InvalidToken, ChatMigrated) as err:
            if ok_if and ok_if in err.message.lower():
                return None
            detail = f" (the group is now {err.new_chat_id}: update the config)" if isinstance(err, ChatMigrated) else ""
            raise PermanentFailure(f"{method} to chat {chat_id}: {err.message}{detail}") from None
        except TimedOut as err:
            if isinstance(err.__cause__, UNSENT) or method not in POSTS:
                # Nothing went out, or doing it twice shows nothing twice (an edit, a delete): try again.
                raise PlatformDown(f"{method} to chat {chat_id}: timed out") from None
            # The request went out and the answer did not come back: Telegram may have taken it, and
            # a post has no idempotency key, so sending again could show it twice.
            raise MaybeDelivered(f"{method} to chat {chat_id}: timed out after the request went out") from None
        except NetworkError as err:  # 5xx, connection errors
            raise PlatformDown(f"{method} to chat {chat_id}: {err.message}") from None
        except TelegramError as err:  # an answer we could not read
            raise PlatformDown(f"{method} to chat {chat_id}: {err.message}") from None


    async def _counted(self, call: Callable[[], Awaitable[Any]]) -> Any:
        try:
            return await call()
        except TelegramError as err:
            self.telemetry.api_error(PLATFORM, error_code(err))
            raise


def error_code(err: TelegramError) -> str:
    """A Bot API failure as /metrics counts it: the HTTP status Telegram answered with, or what went wrong."""
    match err:
        case RetryAfter():
            return "429"
        case InvalidToken():
            return "401"
        case Forbidden():
            return "403"
        case BadRequest() | ChatMigrated():
            return "400"
        case TimedOut():
            return "timeout"
        case NetworkError():
            return "network"  # python-telegram-bot folds 5xx answers and lost connections into this
    return "unreadable"


def _reply(message_id: int | None) -> ReplyParameters | None:
    # Still send when the message replied to is gone (a deleted report must not block its acknowledgement).
    return ReplyParameters(message_id, allow_sending_without_reply=True) if message_id else None
