"""Durable long polling: an update is confirmed to Telegram only once it is handled or parked.

python-telegram-bot's Updater confirms updates as soon as it fetches them, so a crash mid-handling
would lose them. Here the offset moves past an update only once the desk has committed it, or it
was parked (stored raw in the dead letters) after a short retry; after a crash Telegram sends it
again, and the desk's idempotent handling skips what it has. Updates are fetched raw and read one
by one, so one the library cannot read does not lose (or stop) the rest of its batch.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from telegram import Bot, Update
from telegram.error import Conflict, InvalidToken, TelegramError, TimedOut

from supportbot.chat.retrying import SHORT, RetryPolicy, with_retries
from supportbot.chat.telegram.updates import ALLOWED_UPDATES, raw_chat_id
from supportbot.logs import context as log_context
from supportbot.services.dead_letters import describe

log = logging.getLogger(__name__)

BATCH = 100  # the most getUpdates returns
MAX_BACKOFF = 30.0
HOLD_FIRST, HOLD_MAX = 1.0, 60.0  # pauses while an update can be neither handled nor parked

Handler = Callable[[Update], Awaitable[None]]
# Parks a raw update with its error under a kind (update | unparseable); raises when it cannot.
Parker = Callable[[dict, BaseException, str], Awaitable[None]]


class RawUpdatesBot(Bot):
    """A Bot that also hands out getUpdates as Telegram sent it: `Bot.get_updates` reads the whole
    batch at once, and one update it cannot read would lose the others."""

    async def get_raw_updates(self, *, offset: int | None, timeout: int, limit: int,
                              allowed_updates: Sequence[str]) -> list[Any]:
        """getUpdates, unread: a list of JSON values (updates, unless Telegram sends nonsense)."""
        data = {"offset": offset, "timeout": timeout, "limit": limit, "allowed_updates": list(allowed_updates)}
        # As Bot.get_updates does: the long poll may take `timeout` seconds more than any other call.
        read_timeout = (self._request[0].read_timeout or 0) + timeout
        result = await self._post("getUpdates", data, read_timeout=read_timeout)
        return result if isinstance(result, list) else []


def update_id_of(raw: Any) -> int | None:
    """The update's id, or None when Telegram sent something without one."""
    value = raw.get("update_id") if isinstance(raw, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


async def handle_batch(raw_updates: Sequence[Any], bot: Bot, handle: Handler, park: Parker, *,
                       retry: RetryPolicy = SHORT) -> int | None:
    """Handle a batch: chats concurrently, each chat's updates in the order Telegram sent them.

    An update that cannot be read is parked at once; one whose handling keeps failing is parked after
    the short retry, and its chat goes on. Returns the id of the first update that could not even be
    parked (it and the later ones of its chat must come again), or None when the batch is done."""
    by_chat: dict[int, list[Any]] = {}
    for raw in raw_updates:
        by_chat.setdefault(raw_chat_id(raw) or 0, []).append(raw)
    held: list[int] = []

    async def one_chat(chat_updates: list[Any]) -> None:
        for raw in chat_updates:
            if not await handle_or_park(raw, bot, handle, park, retry):
                held.append(update_id_of(raw) or 0)
                return  # the later updates of this chat come again after it, in order

    await asyncio.gather(*(one_chat(u) for u in by_chat.values()))
    return min(held) if held else None


async def handle_or_park(raw: Any, bot: Bot, handle: Handler, park: Parker, retry: RetryPolicy) -> bool:
    """Handle or park one update; False when it could be neither. The lines logged meanwhile name the update,
    its chat and (once the desk knows it) its ticket; the last one says how long it took."""
    with log_context.about(platform="telegram", chat=raw_chat_id(raw), update=update_id_of(raw)):
        done = await _handle_or_park(raw, bot, handle, park, retry)
        log.debug("telegram: update %s", "done" if done else "neither handled nor parked")
        return done


async def _handle_or_park(raw: Any, bot: Bot, handle: Handler, park: Parker, retry: RetryPolicy) -> bool:
    update_id = update_id_of(raw)
    if update_id is None:
        log.warning("telegram: skipped an update without an update_id")
        return True
    try:
        update = Update.de_json(raw, bot)
    except Exception as err:  # not a TelegramError: the library's own reading failed
        log.warning("telegram: update %s cannot be read (%s); skipped", update_id, describe(err))
        return await _park(park, raw, err, "unparseable")
    error = await with_retries(lambda: handle(update), what=f"telegram update {update_id}", policy=retry)
    if error is None:
        return True
    return await _park(park, raw, error, "update")


async def _park(park: Parker, raw: Any, error: BaseException, kind: str) -> bool:
    try:
        await park(raw, error, kind)
        return True
    except Exception as err:
        log.error("telegram: update %s could not be parked (%s); it stays unconfirmed and comes again",
                  update_id_of(raw), describe(err))
        return False


def payload_of(raw: Any) -> str:
    """The update as received, as JSON text (ASCII: lone surrogates and NULs stay escaped)."""
    return json.dumps(raw, ensure_ascii=True)


class Poller:
    """Fetches updates with getUpdates, hands each batch to the adapter, confirms what is done."""

    def __init__(self, bot: RawUpdatesBot, handle: Handler, park: Parker, *, timeout: int,
                 retry: RetryPolicy = SHORT) -> None:
        self.bot = bot
        self.handle = handle
        self.park = park
        self.timeout = timeout
        self.retry = retry
        self.offset: int | None = None  # None: start from whatever Telegram has not had confirmed
        self._hold = 0.0  # the current pause while an update can be neither handled nor parked
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
            except (TimeoutError, asyncio.CancelledError):
                log.warning("stopped while handling updates; Telegram will send them again")
            except Exception:
                log.exception("polling ended with an error")
        if self.offset is not None:
            try:  # confirms everything handled, so a restart does not see it again
                await self.bot.get_raw_updates(offset=self.offset, timeout=0, limit=1, allowed_updates=ALLOWED_UPDATES)
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
            except Exception as err:  # TelegramError, or an answer that is not JSON: never end polling
                failures += 1
                wait = min(MAX_BACKOFF, 0.5 * 2 ** min(failures, 6))
                log.warning("getUpdates failed (%s); retrying in %.1fs",
                            err.message if isinstance(err, TelegramError) else describe(err), wait)
                await self._pause(wait)
                continue
            failures = 0
            if updates:
                await self._handle(updates)

    async def _handle(self, updates: Sequence[Any]) -> None:
        """Handle a batch and move the offset past what is done; pause when an update is held."""
        held = await handle_batch(updates, self.bot, self.handle, self.park, retry=self.retry)
        ids = [i for i in map(update_id_of, updates) if i is not None]
        if held is None:
            if ids:
                self.offset = max(ids) + 1
            self._hold = 0.0
            return
        # Confirm only what comes before the held update; Telegram sends it and the rest again.
        self.offset = held
        self._hold = min(HOLD_MAX, self._hold * 2) if self._hold else HOLD_FIRST
        log.warning("telegram: update %s can be neither handled nor parked (is the database down or read-only?);"
                    " trying again in %.0fs", held, self._hold)
        await self._pause(self._hold)

    async def _pause(self, seconds: float) -> None:
        """Sleep, but wake at once when stopped."""
        try:
            await asyncio.wait_for(self._stopping.wait(), seconds)
        except TimeoutError:
            pass

    async def _get_updates(self) -> Sequence[Any]:
        self._fetch = asyncio.ensure_future(self.bot.get_raw_updates(
            offset=self.offset, timeout=self.timeout, limit=BATCH, allowed_updates=ALLOWED_UPDATES))
        try:
            return await self._fetch
        finally:
            self._fetch = None
