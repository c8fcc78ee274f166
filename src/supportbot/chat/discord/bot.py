"""The Discord adapter: a discord.py client whose events go to the desk; its start, stop and outbox platform."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping

import discord

from supportbot.chat.discord import parse, render
from supportbot.chat.discord.answering import answer, refuse
from supportbot.chat.discord.client import (
    GUILD_READY_TIMEOUT,
    DiscordOptions,
    SupportClient,
    gateway_ended,
    point_at,
)
from supportbot.chat.discord.delivery import DiscordDelivery
from supportbot.chat.discord.parse import PLATFORM, Location
from supportbot.chat.retrying import SHORT, RetryPolicy, every, with_retries
from supportbot.domain import texts
from supportbot.domain.intake import redact
from supportbot.domain.people import Sender
from supportbot.services import dead_letters
from supportbot.services.desk import Desk
from supportbot.services.ports import ButtonPress, DeadLetter, IncomingMessage, Reply
from supportbot.services.telemetry import Telemetry

log = logging.getLogger(__name__)

READY_WITHIN = 60.0  # seconds start() waits for the gateway before going on without it
LOGIN_RETRY_MAX = 60.0
REPLAY_EVERY = dead_letters.REPLAY_EVERY


class DiscordAdapter:
    """Messages, edits, slash commands and card buttons in; the outbox out through `platform`."""

    def __init__(self, desk: Desk, options: DiscordOptions, *, retry: RetryPolicy = SHORT,
                 replay_every: float = REPLAY_EVERY, guild_ready_timeout: float = GUILD_READY_TIMEOUT,
                 telemetry: Telemetry | None = None) -> None:
        self.desk = desk
        self.options = options
        self.retry = retry
        self.replay_every = replay_every
        point_at(options)
        self.client = SupportClient(self, guild_ready_timeout=guild_ready_timeout)
        self.telemetry = telemetry or Telemetry()
        self.platform = DiscordDelivery(self.client, people=desk.directory, telemetry=self.telemetry)
        # Called after each event that may have queued messages, so the outbox sends them at once.
        self.on_commit: Callable[[], None] = lambda: None
        self._ready = asyncio.Event()
        self._synced = False
        self._ignored: set[int] = set()
        self._task: asyncio.Task | None = None
        self._replays: asyncio.Task | None = None

    # --- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        """Log in (waiting for Discord if it is unreachable), connect to the gateway, and wait a while
        until the servers are known and the slash commands registered."""
        await self._login()
        self._task = asyncio.create_task(self.client.connect(reconnect=True), name="discord-gateway")
        self._replays = asyncio.create_task(every(self.replay_every, self.replay_requested,
                                                  what="discord: replaying dead letters"), name="discord-replays")
        self._task.add_done_callback(gateway_ended)
        ready = asyncio.create_task(self._ready.wait())
        done, _ = await asyncio.wait({ready, self._task}, timeout=READY_WITHIN,
                                     return_when=asyncio.FIRST_COMPLETED)
        ready.cancel()
        if self._task in done:
            self._task.result()  # a refused intent, say: the error tells what to change
            raise RuntimeError("the Discord gateway connection ended before it was ready")
        if not done:
            log.warning("discord: not ready after %.0fs; going on, events will follow", READY_WITHIN)

    async def _login(self) -> None:
        wait = 1.0
        while True:
            try:
                await self.client.login(self.options.token)
                return
            except discord.LoginFailure:  # the run ends with one line saying so
                raise
            except (TimeoutError, discord.DiscordServerError, OSError) as err:
                log.warning("discord: cannot reach Discord (%s); retrying in %.0fs", err, wait)
                await asyncio.sleep(wait)
                wait = min(LOGIN_RETRY_MAX, wait * 2)

    async def stop(self) -> None:
        """Close the gateway connection and the HTTP session."""
        if self._replays is not None:
            self._replays.cancel()
        await self.client.close()
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, 10)
            except (TimeoutError, asyncio.CancelledError, discord.DiscordException) as err:
                log.info("discord: gateway task ended with %r", err)

    async def ready(self) -> None:
        """The servers are known: sync the slash commands once, then let start() return."""
        if not self._synced:
            self._synced = True
            await self._sync_commands()
        log.info("discord: ready as %s in %d server(s)", self.client.user, len(self.client.guilds))
        self._ready.set()

    async def _sync_commands(self) -> None:
        guilds = self.options.guilds or tuple(g.id for g in self.client.guilds)
        for guild_id in guilds:
            guild = discord.Object(guild_id)
            self.client.tree.copy_global_to(guild=guild)
            try:
                synced = await self.client.tree.sync(guild=guild)
            except Exception as err:  # the bot still works without them: messages and buttons
                log.error("discord: cannot register slash commands in server %s (%s); invite the bot with "
                          "the applications.commands scope", guild_id, err)
            else:
                log.info("discord: %d slash commands registered in server %s", len(synced), guild_id)

    # --- the Host the slash commands use -----------------------------------------------------

    def sender(self, user: discord.abc.User) -> Sender:
        """The author as the desk sees them: team by config or by a team role."""
        return parse.sender_of(user, self.desk.directory, self.options.team_roles)

    async def where(self, interaction: discord.Interaction) -> Location | None:
        return await parse.location(self.client, interaction.channel, interaction.channel_id)

    def committed(self) -> None:
        self.on_commit()

    # --- events -------------------------------------------------------------------------

    async def message(self, message: discord.Message) -> None:
        """A new message: a report, a follow-up, a typed command, or nothing for the desk."""
        msg = await self._incoming(message, edited=False)
        if msg is None:
            return
        name = self.client.user.name if self.client.user else None
        replies = []

        async def handle() -> None:
            replies.append(await self.desk.handle_message(msg, bot_username=name))

        # The gateway does not send a message twice: try through a short outage, then park it.
        with self.telemetry.handling(PLATFORM):
            error = await with_retries(handle, what=f"discord message {message.id} in {msg.chat_id}",
                                       policy=self.retry)
        self.committed()
        if error is not None:
            await self._park("message", str(msg.message_id), msg.chat_id, parse.message_payload(msg), error)
            return
        reply = replies[-1]
        if reply is not None and reply.text and not reply.quiet:
            await self._reply_to(message, reply)

    async def edited(self, event: discord.RawMessageUpdateEvent) -> None:
        """An edit of a message's text or attachments updates its ticket (embeds unfurling is no edit)."""
        if not event.data.get("edited_timestamp"):
            return
        before, after = event.cached_message, event.message
        if before is not None and (before.content, len(before.attachments)) == (after.content, len(after.attachments)):
            return
        msg = await self._incoming(after, edited=True)
        if msg is None or msg.private:
            return
        with self.telemetry.handling(PLATFORM):
            error = await with_retries(lambda: self.desk.handle_message(msg),
                                       what=f"discord edit of message {after.id}", policy=self.retry)
        self.committed()
        if error is not None:
            # An edit has no id of its own: its time tells two edits of one message apart.
            ref = f"{msg.message_id}@{msg.sent_at.isoformat()}"
            await self._park("edit", ref, msg.chat_id, parse.message_payload(msg), error)

    async def pressed(self, interaction: discord.Interaction) -> None:
        """A card button: its custom id is checked, then the desk decides (the team only)."""
        data: Mapping[str, object] = interaction.data or {}
        parsed = render.parse_custom_id(data.get("custom_id"))
        where = await self.where(interaction)
        if parsed is None or where is None or interaction.message is None:
            await refuse(interaction, render.BUTTON_INVALID)
            return
        number, action = parsed
        press = ButtonPress(PLATFORM, where.chat_id, interaction.message.id, self.sender(interaction.user), number,
                            action, self.desk.now(), event_id=str(interaction.id))

        async def work() -> Reply:
            replies: list[Reply] = []

            async def press_once() -> None:
                replies.append(await self.desk.press_button(press))

            with self.telemetry.handling(PLATFORM):
                error = await with_retries(press_once, what=f"discord interaction {interaction.id}",
                                           policy=self.retry)
            self.committed()
            if error is None:
                return replies[-1]
            await self._park("interaction", str(interaction.id), press.chat_id, parse.press_payload(press), error)
            return Reply(texts.PRESS_PARKED, ok=False, ephemeral=True)

        await answer(interaction, work())  # answered in every case, or the client shows a failure

    # --- parked events ----------------------------------------------------------------------

    async def _park(self, kind: str, ref: str, chat_id: int, payload: str, error: BaseException) -> None:
        """Store an event that cannot be handled with its error, so the next ones go on."""
        async def store() -> None:
            await self.desk.park(platform=PLATFORM, kind=kind, ref=ref, payload=payload,
                                 error=dead_letters.describe(error), chat_id=chat_id)

        failed = await with_retries(store, what=f"parking discord {kind} {ref}", policy=self.retry)
        if failed is not None:
            # Discord never sends the event again: the log is the last place it is kept (secrets redacted).
            log.error("discord: %s %s could be neither handled nor parked (%s); the event: %s", kind, ref,
                      dead_letters.describe(failed), redact(payload))

    async def replay_requested(self) -> int:
        """Handle again the parked events an operator asked to replay; how many worked."""
        return await self.desk.replay_requested(platform=PLATFORM, rehandle=self._replay)

    async def _replay(self, letter: DeadLetter) -> None:
        directory, roles = self.desk.directory, self.options.team_roles
        if letter.kind == "interaction":  # its answer expired long ago: the press itself is what counts
            reply = await self.desk.press_button(parse.press_from_payload(letter.payload, directory, roles))
            log.info("discord: replayed press answered: %s", reply.text)
        else:
            msg: IncomingMessage = parse.message_from_payload(letter.payload, directory, roles)
            await self.desk.handle_message(msg)
        self.committed()

    async def _incoming(self, message: discord.Message, *, edited: bool):
        if not parse.is_talk(message):
            return None
        where = await parse.location(self.client, message.channel)
        if where is None:
            return None
        if not where.private and self.desk.place(PLATFORM, where.chat_id) is None:
            if where.chat_id not in self._ignored:
                self._ignored.add(where.chat_id)
                log.info("discord: channel %s is not in the config; its messages are ignored", where.chat_id)
            return None
        return parse.incoming(message, where, self.sender(message.author), edited=edited)

    async def _reply_to(self, message: discord.Message, reply: Reply) -> None:
        """Answer a typed command where it was typed (a message cannot be ephemeral)."""
        text = reply.text if reply.ok else render.WARNING + reply.text
        try:
            for part in render.chunks(text):
                await message.reply(part, mention_author=False, allowed_mentions=render.allowed_mentions())
        except discord.HTTPException as err:
            log.warning("discord: could not answer message %s: %s", message.id, err)

