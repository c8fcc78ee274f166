"""The desk: the one entry point adapters call with messages, commands and button presses."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from supportbot.domain import commands as cmd
from supportbot.domain import texts
from supportbot.domain.command_parser import parse_command
from supportbot.domain.intake import classify
from supportbot.domain.people import ChannelKind, Directory, Place, Sender
from supportbot.domain.secret_detection import SecretScan, find_secrets, scan
from supportbot.domain.ticket_states import Severity, Status
from supportbot.domain.tickets import DeskError, NotAllowed
from supportbot.services import (
    actions,
    dead_letters,
    github_commands,
    intake,
    metrics,
    queries,
    reactions,
    reporter_buttons,
    ticket_limit,
    triage,
    web_access,
)
from supportbot.services import faq as faq_service
from supportbot.services.actions import Origin
from supportbot.services.context import Deps
from supportbot.services.digest import DigestPlan, show_digest
from supportbot.services.github_sync import GithubPlan
from supportbot.services.handling import Recording, message_key, press_key
from supportbot.services.oncall import OnCallCommands
from supportbot.services.ports import ButtonPress, DuplicateMessage, IncomingMessage, Reply, TicketEvent
from supportbot.services.tickets_access import load

log = logging.getLogger(__name__)

BUTTON_COMMANDS: dict[str, Callable[[int], actions.TicketAction]] = {
    "take": lambda n: cmd.Take(n),
    "in_progress": lambda n: cmd.SetStatus(n, Status.IN_PROGRESS, ""),
    "fix_provided": lambda n: cmd.SetStatus(n, Status.FIX_PROVIDED, ""),
    "resolved": lambda n: cmd.Resolve(n, None, ""),
}
TICKET_ACTIONS = (cmd.SetStatus, cmd.Take, cmd.Assign, cmd.AttachPR, cmd.AddNote, cmd.SetSeverity,
                  cmd.Resolve, cmd.Reopen)
# Chats anyone can read: a secret posted there is taken out of view, command or not.
PUBLIC_KINDS = (ChannelKind.PRODUCT, ChannelKind.EMERGENCY)
# Commands whose text is a report: a secret in it is redacted into a private security ticket.
REPORTS = (cmd.Report, cmd.DeclareEmergency)


class Desk:
    """Turns platform events into ticket changes and queued messages; refusals come back as Replies."""

    def __init__(self, deps: Deps, *, oncall: OnCallCommands | None = None, digest: DigestPlan | None = None,
                 github: GithubPlan | None = None) -> None:
        self.deps = deps
        self.oncall = oncall  # None when no rotation is configured
        self.github = github  # None without a [github] section: /pr stores any PR link, /issue is refused
        self.digest = digest or DigestPlan()  # /digest's week starts on the day of the weekly digest's slot

    def place(self, platform: str, chat_id: int) -> Place | None:
        """What a chat is for, or None when it is not configured."""
        return self.deps.directory.place(platform, chat_id)

    async def handle_message(self, msg: IncomingMessage, *, bot_username: str | None = None) -> Reply | None:
        """A chat message: a command gets a Reply; a report or follow-up is stored; chatter is ignored."""
        place = self.place(msg.platform, msg.chat_id)
        if place is None and not msg.private:
            return None
        # The secret check comes first, for commands too: a command may echo or store its words.
        # Looked for once: intake classifies and redacts the text with what is found here.
        scanned = scan(msg.text)
        secret = bool(scanned.secrets)
        if secret and place is not None and place.kind in PUBLIC_KINDS:
            await self._receive(msg, place, scanned)
            return None
        if msg.text.lstrip().startswith("/") and not msg.edited:
            return await self._command(msg, place, bot_username, secret=secret)
        if msg.private:
            return Reply(texts.SECRET_IN_PRIVATE if secret else texts.PRIVATE_HINT)
        assert place is not None
        await self._receive(msg, place, scanned)
        return None

    async def _receive(self, msg: IncomingMessage, place: Place, scanned: SecretScan) -> None:
        try:
            await intake.receive(self.deps, msg, place, scanned=scanned)
        except DuplicateMessage:
            log.info("redelivered message %s:%s:%s ignored", msg.platform, msg.chat_id, msg.message_id)

    async def _command(self, msg: IncomingMessage, place: Place | None, bot_username: str | None, *,
                       secret: bool = False) -> Reply | None:
        """A command, handled once: a redelivery of one already handled changes and answers nothing."""
        recording = Recording(self.deps.uow, message_key(msg), self.deps.clock)
        if await recording.already_handled():
            log.info("redelivered command %s:%s:%s ignored", msg.platform, msg.chat_id, msg.message_id)
            return None
        reply_ticket = await self.ticket_in_context(msg)
        reply: Reply | None
        try:
            command = parse_command(msg.text, bot_username=bot_username, reply_ticket=reply_ticket)
        except cmd.CommandError as err:
            # A usage error may quote the words it stumbled on.
            command, reply = None, Reply(texts.SECRET_IN_COMMAND if secret else str(err), ok=False)
        else:
            reply = None
        if command is not None:
            try:
                reply = await self.run(command, msg, place, reply_ticket=reply_ticket,
                                       deps=replace(self.deps, uow=recording), secret=secret)
            except DuplicateMessage:  # another delivery of it committed first
                return None
        if not await recording.record():
            return None
        return reply

    async def ticket_in_context(self, msg: IncomingMessage) -> int | None:
        """The ticket number a message is about by position: a reply to its messages, or its thread."""
        if msg.reply_to is None and msg.thread_id is None:
            return None
        async with self.deps.uow() as uow:
            ticket = await intake.find_ticket(uow, msg)
            return ticket.number if ticket else None

    async def run(self, command: cmd.Command, msg: IncomingMessage, place: Place | None, *,
                  reply_ticket: int | None = None, deps: Deps | None = None, secret: bool | None = None) -> Reply:
        """Carry out a parsed command; a refusal is a one-line Reply and changes nothing.

        `secret` says whether the message's text holds a secret, when the caller looked already.
        Raises DuplicateMessage when `deps` records the event and another delivery of it was handled."""
        if secret is None:
            secret = bool(find_secrets(msg.text))
        if not isinstance(command, REPORTS) and secret:
            # Not run, so not stored; the refusal quotes nothing of what was sent.
            return Reply(texts.SECRET_IN_COMMAND, ok=False, ephemeral=True)
        try:
            return await self._run(command, msg, place, reply_ticket, deps or self.deps)
        except DeskError as err:
            return Reply(str(err), ok=False, ephemeral=True)

    async def _run(self, command: cmd.Command, msg: IncomingMessage, place: Place | None,
                   reply_ticket: int | None, deps: Deps) -> Reply:
        sender = msg.sender
        match command:
            case cmd.Report(text=text) | cmd.DeclareEmergency(text=text):
                emergency = isinstance(command, cmd.DeclareEmergency)
                return await self.open_from_command(msg, place, text, emergency=emergency, deps=deps)
            case cmd.ShowTicket(number=number):
                return await queries.show_ticket(deps, number, sender, place=place)
            case cmd.ListTickets():
                return await queries.list_tickets(deps, command, sender, place=place)
            case cmd.ShowHelp():
                if msg.private and not sender.is_team and msg.text.lstrip().lower().startswith("/start"):
                    return Reply(texts.START_TEXT)
                return Reply(queries.help_text(sender, place))
            case cmd.Faq(key=str() as key):
                return await self.faq(key, msg, reply_ticket, deps=deps)
            case cmd.Faq(key=None):
                return faq_service.topics(deps, sender)
            case cmd.SetPriority():
                return await triage.set_priority(deps, command, sender)
            case cmd.SetProduct():
                return await triage.set_product(deps, command, sender)
            case cmd.ShowBacklog():
                return await triage.show_backlog(deps, command, sender, place=place)
            case cmd.ShowOnCall() | cmd.Handoff() | cmd.Keep():
                if self.oncall is None:
                    return Reply(texts.NO_ROTATION, ok=False)
                return await self.oncall.run(command, sender, uow=deps.uow)
            case cmd.ShowStats():
                return await metrics.show_stats(deps, command, sender)
            case cmd.ShowDigest():
                return await show_digest(deps, self.digest, command, msg)
            case cmd.SendBoardLink():
                return await web_access.send_board_link(deps, msg)
            case cmd.AttachPR() if self.github is not None:
                return await github_commands.attach_pr(deps, self.github, command, sender,
                                                   Origin(msg.platform, msg.chat_id))
            case cmd.OpenIssue():
                if self.github is None:
                    return Reply(texts.GITHUB_OFF, ok=False)
                return await github_commands.open_issue(deps, self.github, command, sender)
            case _ if isinstance(command, TICKET_ACTIONS):
                return await actions.act(deps, command, sender, Origin(msg.platform, msg.chat_id))
        raise NotAllowed(texts.NOT_AVAILABLE_HERE)

    async def open_from_command(self, msg: IncomingMessage, place: Place | None, text: str, *,
                                emergency: bool, deps: Deps | None = None) -> Reply:
        """/report and /emergency: open a ticket with the command's text (not over the ticket limit)."""
        deps = deps or self.deps
        place = place or Place(ChannelKind.PRIVATE)
        if place.kind in (ChannelKind.TEAM, ChannelKind.SECURITY):
            raise NotAllowed(texts.OPEN_NOT_HERE)
        found = classify(text, has_attachment=msg.has_attachment)
        async with deps.uow() as uow:
            if not found.secrets and (refused := await ticket_limit.refuse_command(deps, uow, msg.sender)):
                await uow.commit()
                return refused
            if found.secrets or found.security:
                ticket = await intake.open_security(deps, uow, replace(msg, text=text), place, found,
                                                    emergency=emergency)
            else:
                severity = Severity.EMERGENCY if emergency or place.kind is ChannelKind.EMERGENCY else Severity.NORMAL
                ticket = await intake.open_ticket(
                    deps, uow, msg, severity=severity, found=found, text=text,
                    product=intake.guess_product(deps, place, text),
                )
            await uow.commit()
        return Reply(texts.TICKET_OPENED.format(number=ticket.number), ticket_number=ticket.number,
                     ephemeral=True, quiet=True)

    async def faq(self, key: str, msg: IncomingMessage, reply_ticket: int | None, *, deps: Deps | None = None) -> Reply:
        """Answer from the FAQ; in a ticket's conversation it is the team's response on that ticket."""
        deps = deps or self.deps
        answer = faq_service.answer(deps, key, msg.sender)
        if reply_ticket is not None:
            now = deps.clock.now()
            async with deps.uow() as uow:
                ticket = await load(uow, reply_ticket, msg.sender)
                ticket.record_activity(now, by_team=True, how="faq")
                await uow.events.add(TicketEvent(ticket.stored_id, now, msg.sender.name, "faq", key))
                await reactions.react(deps, uow, ticket, msg.sender.name)
                await uow.commit()
        return Reply(answer, ticket_number=reply_ticket)

    async def press_button(self, press: ButtonPress) -> Reply:
        """A card button: the same as its command, for the team only; a reporter's button (reporter_buttons),
        for the ticket's reporter and the team."""
        make = BUTTON_COMMANDS.get(press.action)
        if make is None and not reporter_buttons.handles(press.action):
            return Reply(texts.BUTTON_INVALID, ok=False, ephemeral=True)
        if make is not None and not press.sender.is_team:
            return Reply(texts.NOT_A_TEAM_MEMBER, ok=False, ephemeral=True)
        deps = self.deps
        key = press_key(press)
        if key is not None:
            recording = Recording(self.deps.uow, key, self.deps.clock)
            if await recording.already_handled():
                return Reply(texts.BUTTON_ALREADY_HANDLED, ok=False, ephemeral=True)
            deps = replace(self.deps, uow=recording)
        try:
            if make is None:
                return await reporter_buttons.press(deps, press)
            return await actions.act(deps, make(press.ticket_number), press.sender,
                                     Origin(press.platform, press.chat_id))
        except DeskError as err:
            return Reply(str(err), ok=False, ephemeral=True)
        except DuplicateMessage:
            return Reply(texts.BUTTON_ALREADY_HANDLED, ok=False, ephemeral=True)

    async def open_ticket_numbers(self, sender_is_team: bool, prefix: str = "", limit: int = 25) -> list[tuple[int, str]]:
        """Open tickets (number, title) whose number starts with prefix: for autocomplete."""
        if not sender_is_team:
            return []
        async with self.deps.uow() as uow:
            return list(await uow.tickets.open_numbers(prefix.lstrip("#"), limit))

    # --- what adapters and the shell ask of the desk, so none reaches into its collaborators ---

    @property
    def directory(self) -> Directory:
        """The people, products and chats from config."""
        return self.deps.directory

    def now(self) -> datetime:
        """The desk's time, to stamp an incoming event with."""
        return self.deps.clock.now()

    def faq_keys(self) -> list[str]:
        """The FAQ's keys, sorted."""
        return sorted(self.deps.faq)

    async def park(self, *, platform: str, kind: str, ref: str, payload: str, error: str,
                   chat_id: int | None = None) -> int | None:
        """Store an event that could not be handled; its dead letter's id, or None when it was parked before.

        Raises when the database cannot store it: the caller must then keep the event (not confirm it)."""
        return await dead_letters.park(self.deps.uow, self.deps.clock, platform=platform, kind=kind, ref=ref,
                                       payload=payload, error=error, chat_id=chat_id)

    async def replay_requested(self, *, platform: str, rehandle: dead_letters.Rehandle) -> int:
        """Handle again each parked event of `platform` an operator asked to replay; how many worked."""
        return await dead_letters.replay_requested(self.deps.uow, self.deps.clock, platform=platform,
                                                   rehandle=rehandle)

    async def press_on_message(self, *, platform: str, chat_id: int, message_id: int, sender: Sender,
                               action: str) -> Reply | None:
        """A button pressed on a message known only by its id: the answer, or None when no ticket has it."""
        async with self.deps.uow() as uow:
            ticket_id = await uow.messages.ticket_for(platform, chat_id, message_id)
            ticket = await uow.tickets.get(ticket_id) if ticket_id is not None else None
        if ticket is None:
            return None
        return await self.press_button(ButtonPress(platform, chat_id, message_id, sender, ticket.number, action,
                                                   self.now()))

    async def show_ticket(self, number: int, sender: Sender) -> Reply:
        """One ticket's card, deadlines and history as `sender` may see it; TicketNotFound for an unknown number."""
        return await queries.show_ticket(self.deps, number, sender)
