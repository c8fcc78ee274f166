"""The Telegram adapter: updates in (long polling or webhook), the desk's answers out. No ticket rule lives here."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import (
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    Update,
)
from telegram.error import InvalidToken, TelegramError
from telegram.request import HTTPXRequest

from supportbot.chat.retrying import SHORT, RetryPolicy, every
from supportbot.chat.telegram import render as tr
from supportbot.chat.telegram import updates as tu
from supportbot.chat.telegram.delivery import TelegramPlatform
from supportbot.chat.telegram.limits import FloodLimiter
from supportbot.chat.telegram.polling import Poller, RawUpdatesBot, payload_of, update_id_of
from supportbot.chat.telegram.webhook import WebhookMount, WebhookServer
from supportbot.domain.commands import COMMANDS
from supportbot.domain.people import Directory
from supportbot.services import dead_letters
from supportbot.services.desk import Desk
from supportbot.services.ports import DeadLetter
from supportbot.services.send_budget import SendBudget
from supportbot.services.telemetry import Telemetry

log = logging.getLogger(__name__)

START_RETRY_MAX = 30.0
SEND_TIMEOUT = 10.0
BUTTON_INVALID = "That button is no longer valid."
BUTTON_FAILED = "Something went wrong; please try again."
TOKEN_REJECTED = "Telegram rejected the bot token (401)"
REPLAY_EVERY = dead_letters.REPLAY_EVERY


class TokenRejected(Exception):
    """The Bot API does not accept the configured token."""


@dataclass(frozen=True)
class TelegramOptions:
    """The [telegram] settings, as plain values."""

    token: str
    api_base_url: str = "https://api.telegram.org/bot"
    mode: str = "polling"  # polling | webhook
    poll_timeout: int = 30
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    webhook_secret: str | None = None


def make_bot(options: TelegramOptions) -> RawUpdatesBot:
    """A Bot on the configured API server; the library itself never retries a call."""
    base = options.api_base_url.rstrip("/")
    file_base = base[: -len("/bot")] + "/file/bot" if base.endswith("/bot") else base
    return RawUpdatesBot(
        options.token, base_url=base, base_file_url=file_base,
        request=HTTPXRequest(connection_pool_size=32, read_timeout=SEND_TIMEOUT, write_timeout=SEND_TIMEOUT),
        # The long poll has its own connection so a waiting getUpdates never holds up a send.
        get_updates_request=HTTPXRequest(connection_pool_size=1, read_timeout=SEND_TIMEOUT),
    )


def command_menus(directory: Directory) -> list[tuple[BotCommandScope, list[BotCommand]]]:
    """The / menu per scope: reporters' commands everywhere, the team's in the team and security chats."""
    anyone = [BotCommand(c.name, c.summary) for c in COMMANDS if c.audience == "anyone"]
    team = [BotCommand(c.name, c.summary) for c in COMMANDS]
    menus: list[tuple[BotCommandScope, list[BotCommand]]] = [
        (BotCommandScopeDefault(), anyone), (BotCommandScopeAllPrivateChats(), anyone)]
    for chats in (directory.team_chats, directory.security_chats):
        if tu.PLATFORM in chats:
            menus.append((BotCommandScopeChat(chats[tu.PLATFORM]), team))
    return menus


class TelegramAdapter:
    """Reads updates, calls the desk, answers commands and button presses; the outbox sends the rest."""

    def __init__(self, desk: Desk, options: TelegramOptions, *, limiter: FloodLimiter | SendBudget | None = None,
                 retry: RetryPolicy = SHORT, replay_every: float = REPLAY_EVERY,
                 telemetry: Telemetry | None = None, webhook_mount: WebhookMount | None = None) -> None:
        self.desk = desk
        self.options = options
        self.bot = make_bot(options)
        self.telemetry = telemetry or Telemetry()
        self.webhook_mount = webhook_mount  # the web server's route, when it listens on the webhook's address
        self.platform = TelegramPlatform(self.bot, limiter, people=desk.directory, telemetry=self.telemetry)
        self.username: str | None = None
        # Called after each update is handled, so the outbox can send what it caused right away.
        self.on_commit: Callable[[], None] = lambda: None
        self.retry = retry
        self.replay_every = replay_every
        self._ignored_chats: set[int] = set()
        self._receiver: Poller | WebhookServer | None = None
        self._replays: asyncio.Task | None = None

    @property
    def directory(self) -> Directory:
        return self.desk.directory

    async def start(self) -> None:
        """Connect (waiting for Telegram if it is unreachable), publish the command menus, start receiving."""
        await self._connect()
        await self._publish_commands()
        if self.options.mode == "webhook":
            self._receiver = WebhookServer(
                self.bot, self.handle, self.park, url=self.options.webhook_url or "",
                listen=self.options.webhook_listen, port=self.options.webhook_port,
                secret=self.options.webhook_secret, retry=self.retry, mount=self.webhook_mount)
            await self._receiver.start()
        else:
            # getUpdates is refused while a webhook is set; pending updates stay for the poller.
            await self._until_done(lambda: self.bot.delete_webhook(drop_pending_updates=False), "deleteWebhook")
            self._receiver = Poller(self.bot, self.handle, self.park, timeout=self.options.poll_timeout,
                                    retry=self.retry)
            self._receiver.start()
        self._replays = asyncio.create_task(every(self.replay_every, self.replay_requested,
                                                  what="telegram: replaying dead letters"), name="telegram-replays")
        log.info("telegram: @%s receiving updates by %s", self.username, self.options.mode)

    async def stop(self) -> None:
        """Stop receiving (letting the update in hand finish) and close the connections."""
        if self._replays is not None:
            self._replays.cancel()
        if self._receiver is not None:
            await self._receiver.stop()
        await self.bot.shutdown()

    async def _connect(self) -> None:
        await self._until_done(self.bot.initialize, "getMe")
        self.username = self.bot.username

    async def _until_done(self, call: Callable[[], Awaitable[object]], what: str) -> None:
        """A start-up call, repeated while Telegram cannot be reached; a rejected token ends it."""
        wait = 1.0
        while True:
            try:
                await call()
                return
            except InvalidToken:  # its message quotes the token: never log it
                raise TokenRejected(TOKEN_REJECTED) from None
            except TelegramError as err:
                log.warning("telegram: %s failed (%s); retrying in %.0fs", what, err.message, wait)
                await asyncio.sleep(wait)
                wait = min(START_RETRY_MAX, wait * 2)

    async def _publish_commands(self) -> None:
        for scope, commands in command_menus(self.directory):
            try:
                await self.bot.set_my_commands(commands, scope=scope)
            except TelegramError as err:  # the menu is a convenience: the bot works without it
                log.warning("telegram: setMyCommands for %s failed: %s", scope.type, err.message)

    # --- parked updates -------------------------------------------------------------------

    async def park(self, raw: dict, error: BaseException, kind: str) -> None:
        """Store an update that cannot be handled, raw, with its error; raises when the database cannot."""
        await self.desk.park(platform=tu.PLATFORM, kind=kind, ref=str(update_id_of(raw)), payload=payload_of(raw),
                             error=dead_letters.describe(error), chat_id=tu.raw_chat_id(raw))

    async def replay_requested(self) -> int:
        """Handle again the parked updates an operator asked to replay; how many worked."""
        return await self.desk.replay_requested(platform=tu.PLATFORM, rehandle=self._replay)

    async def _replay(self, letter: DeadLetter) -> None:
        # Handled once, without the short retry: a failure parks it again with the new error.
        await self.handle(Update.de_json(json.loads(letter.payload), self.bot))

    # --- updates ---------------------------------------------------------------------

    async def handle(self, update: Update) -> None:
        """Handle one update to the end: the desk's transaction and any direct answer."""
        try:
            with self.telemetry.handling(tu.PLATFORM):
                if update.callback_query is not None:
                    await self._button(update)
                elif update.message is not None or update.edited_message is not None:
                    await self._message(update)
        finally:
            self.on_commit()

    async def _message(self, update: Update) -> None:
        message = update.message or update.edited_message
        assert message is not None, "only updates with a message come here"
        migrated = message.migrate_to_chat_id
        if migrated:
            log.warning("telegram: group %s became supergroup %s; put the new id in the config", message.chat.id,
                        migrated)
        msg = tu.incoming(message, self.directory, edited=update.edited_message is not None)
        if msg is None:
            return
        if not msg.private and self.desk.place(tu.PLATFORM, msg.chat_id) is None:
            if msg.chat_id not in self._ignored_chats:
                self._ignored_chats.add(msg.chat_id)
                log.info("telegram: ignoring chat %s (%s): not in the config", msg.chat_id, message.chat.title)
            return
        reply = await self.desk.handle_message(msg, bot_username=self.username)
        if reply is not None and reply.text and not reply.quiet:
            await self.platform.answer(msg.chat_id, reply.text, ok=reply.ok, reply_to=msg.message_id,
                                       thread_id=msg.thread_id)

    async def _button(self, update: Update) -> None:
        query = update.callback_query
        assert query is not None, "only button presses come here"
        text, ok = BUTTON_FAILED, False
        try:
            press = tu.button_press(update, self.directory)
            if press is None:
                text = BUTTON_INVALID
            else:
                reply = await self.desk.press_button(press)
                text, ok = reply.text, reply.ok
        finally:  # always answered, or the client shows a spinner
            try:
                await query.answer(tr.toast(text, ok=ok), show_alert=not ok)
            except TelegramError as err:
                log.info("telegram: could not answer button press %s: %s", query.id, err.message)
