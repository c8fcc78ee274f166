"""Durable long polling: an update is confirmed to Telegram only after the desk has committed it.

python-telegram-bot's Updater confirms updates as soon as it fetches them, so a crash mid-handling
would lose them. Here the offset moves past a batch only once every update in it was handled;
after a crash Telegram sends the batch again, and the desk's idempotent intake skips what it has.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable, Sequence

from telegram import Bot, Update
from telegram.error import Conflict, InvalidToken, TelegramError, TimedOut

from supportbot.chat.retrying import FIRST_WAIT, TRIES, with_retries
from supportbot.chat.telegram_updates import ALLOWED_UPDATES, chat_key

log = logging.getLogger(__name__)

BATCH = 100  # the most getUpdates returns
MAX_BACKOFF = 30.0

Handler = Callable[[Update], Awaitable[None]]


async def handle_in_order(updates: Sequence[Update], handle: Handler) -> None:
    """Handle a batch: chats concurrently, each chat's updates in the order Telegram sent them."""
    by_chat: dict[int, list[Update]] = {}
    for update in updates:
        by_chat.setdefault(chat_key(update), []).append(update)

    async def one_chat(chat_updates: list[Update]) -> None:
        for update in chat_updates:
            await handle_with_retries(update, handle)

    await asyncio.gather(*(one_chat(u) for u in by_chat.values()))


async def handle_with_retries(update: Update, handle: Handler, *, tries: int = TRIES,
                              first_wait: float = FIRST_WAIT) -> bool:
    """Handle one update, trying again after an error (the database may be restarting)."""
    return await with_retries(lambda: handle(update), what=f"update {update.update_id}",
                              content=update.to_json, tries=tries, first_wait=first_wait)


class Poller:
    """Fetches updates with getUpdates and hands each batch to the adapter."""

    def __init__(self, bot: Bot, handle: Handler, *, timeout: int) -> None:
        self.bot = bot
        self.handle = handle
        self.timeout = timeout
        self.offset: int | None = None  # None: start from whatever Telegram has not had confirmed
        self._stopping = asyncio.Event()
        self._fetch: asyncio.Future | None = None
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name="telegram-polling")

    async def stop(self, grace: float = 15.0) -> None:
        """Stop fetching, let the batch in hand finish, and confirm it."""
        self._stopping.set()
        if self._fetch is not None:
            self._fetch.cancel()
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, grace)
            except (asyncio.TimeoutError, asyncio.CancelledError):
                log.warning("stopped while handling updates; Telegram will send them again")
            except Exception:
                log.exception("polling ended with an error")
        if self.offset is not None:
            try:  # confirms everything handled, so a restart does not see it again
                await self.bot.get_updates(offset=self.offset, timeout=0, limit=1)
            except TelegramError as err:
                log.info("could not confirm the last updates (%s); they will be skipped as duplicates", err)

    async def run(self) -> None:
        """Fetch, handle, confirm, until stopped."""
        failures = 0
        while not self._stopping.is_set():
            try:
                updates = await self._get_updates()
            except asyncio.CancelledError:
                if self._stopping.is_set():
                    return
                raise
            except InvalidToken:  # revoked while running: loud, and no busy loop
                log.critical("Telegram rejects the bot token; no updates until it is replaced")
                await self._pause(60)
                continue
            except TimedOut:
                continue  # the long poll ended without an answer: ask again
            except Conflict as err:
                failures += 1
                log.warning("another getUpdates or a webhook is active (%s); retrying", err.message)
                await self._pause(min(MAX_BACKOFF, 2.0 * failures))
                continue
            except TelegramError as err:
                failures += 1
                wait = min(MAX_BACKOFF, 0.5 * 2 ** min(failures, 6))
                log.warning("getUpdates failed (%s); retrying in %.1fs", err.message, wait)
                await self._pause(wait)
                continue
            failures = 0
            if updates:
                await handle_in_order(updates, self.handle)
                self.offset = updates[-1].update_id + 1

    async def _pause(self, seconds: float) -> None:
        """Sleep, but wake at once when stopped."""
        try:
            await asyncio.wait_for(self._stopping.wait(), seconds)
        except asyncio.TimeoutError:
            pass

    async def _get_updates(self) -> Sequence[Update]:
        self._fetch = asyncio.ensure_future(self.bot.get_updates(
            offset=self.offset, timeout=self.timeout, limit=BATCH, allowed_updates=list(ALLOWED_UPDATES)))
        try:
            return await self._fetch
        finally:
            self._fetch = None
