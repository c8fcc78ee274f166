"""The slash commands (ARCHITECTURE §6) as a discord.py command tree, and how an interaction is answered."""

# No `from __future__ import annotations` here: discord.py reads the callbacks' annotations as objects.
import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

import discord
from discord import app_commands
from discord.app_commands import Choice

from supportbot.chat.discord import render
from supportbot.chat.discord.parse import PLATFORM, Location
from supportbot.domain import commands as cmd
from supportbot.domain import texts
from supportbot.domain.command_parser import parse_command
from supportbot.domain.people import Sender
from supportbot.domain.ticket_states import Resolution, Severity, Status
from supportbot.domain.tickets import MAX_TICKET_NUMBER, REOPEN_TO
from supportbot.services.desk import Desk
from supportbot.services.ports import IncomingMessage, Reply

log = logging.getLogger(__name__)

TicketNo = app_commands.Range[int, 1, MAX_TICKET_NUMBER]
ACK_WITHIN = 2.0  # seconds; Discord drops an interaction not answered within 3
# Reads are answered to the caller alone; team actions and FAQ answers are for the channel to see.
READS = frozenset({"ticket", "tickets", "help", "oncall", "stats"})
NOT_HERE = "I only work in the support channels."
FAILED = "Sorry, that did not work. Please try again in a moment."
WHICH_TICKET = "Which ticket? Give its number, or use the command in the ticket's thread."
TICKET_HELP = "Ticket number (inside a ticket's thread, that ticket by default)"

STATUS_CHOICES = [Choice(name=f"{s.marker} {s.label}", value=s.value) for s in Status]
REOPEN_CHOICES = [Choice(name=f"{s.marker} {s.label}", value=s.value) for s in Status if s in REOPEN_TO]
SEVERITY_CHOICES = [Choice(name=texts.severity_words(s), value=s.value) for s in Severity]
RESOLUTION_CHOICES = [Choice(name=texts.resolution_words(r), value=r.value) for r in Resolution]
PERIOD_CHOICES = [Choice(name=p, value=p) for p in cmd.PERIODS]


class Host(Protocol):
    """What the commands need from the adapter."""

    desk: Desk

    def sender(self, user: discord.abc.User) -> Sender: ...
    async def where(self, interaction: discord.Interaction) -> Location | None: ...
    def committed(self) -> None: ...


# --- answering an interaction --------------------------------------------------------


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


def pick(number: int | None, context: int | None, name: str) -> int:
    """The ticket a command is about: the one given, else the thread's ticket."""
    if number is not None:
        return number
    if context is not None:
        return context
    raise cmd.CommandError(WHICH_TICKET, cmd.usage_for(name))


async def run(host: Host, interaction: discord.Interaction, name: str,
              build: Callable[[int | None], cmd.Command], *words: object) -> None:
    """Carry out one slash command: where and who, the thread's ticket, the typed command, the answer."""
    where = await host.where(interaction)
    place = host.desk.place(PLATFORM, where.chat_id) if where else None
    if where is None or (place is None and not where.private and name != "help"):
        await refuse(interaction, NOT_HERE)
        return
    text = " ".join([f"/{name}", *(str(w) for w in words if w is not None)])
    msg = IncomingMessage(PLATFORM, where.chat_id, interaction.id, host.sender(interaction.user), text,
                          interaction.created_at, thread_id=where.thread_id, private=where.private)

    async def work() -> Reply:
        context = await host.desk.ticket_in_context(msg)
        try:
            command = build(context)
        except cmd.CommandError as err:
            return Reply(str(err), ok=False, ephemeral=True)
        try:
            return await host.desk.run(command, msg, place, reply_ticket=context)
        finally:
            host.committed()

    await answer(interaction, work(), private=name in READS)


async def refuse(interaction: discord.Interaction, text: str) -> None:
    """A one-line refusal only the caller sees."""

    async def now() -> Reply:
        return Reply(text, ok=False, ephemeral=True)

    await answer(interaction, now())


def _attach_pr(number: int, url: str) -> cmd.Command:
    """The grammar checks the link, as for a typed /pr."""
    parsed = parse_command(f"/pr {number} {url}")
    assert parsed is not None
    return parsed


# --- the tree -------------------------------------------------------------------------


def build_tree(client: discord.Client, host: Host) -> app_commands.CommandTree:
    """Every §6 command, with choices for fixed words and autocomplete for tickets, people, keys."""
    tree = app_commands.CommandTree(client)
    summary = {spec.name: spec.summary for spec in cmd.COMMANDS}
    directory = host.desk.deps.directory

    def command(name: str):
        return tree.command(name=name, description=summary[name])

    async def open_tickets(interaction: discord.Interaction, current: str) -> list[Choice[int]]:
        found = await host.desk.open_ticket_numbers(host.sender(interaction.user).is_team, current.strip())
        return [Choice(name=render.clip(f"#{n} {title}", render.MAX_CHOICE_NAME), value=n) for n, title in found]

    def names(values: Callable[[], list[str]]):
        async def complete(interaction: discord.Interaction, current: str) -> list[Choice[str]]:
            wanted = current.strip().casefold()
            return [Choice(name=v, value=v) for v in values() if v.casefold().startswith(wanted)][:25]
        return complete

    people = names(lambda: [p.name for p in directory.people])
    products = names(lambda: [p.key for p in directory.products])
    faq_keys = names(lambda: sorted(host.desk.deps.faq))

    @command("report")
    @app_commands.describe(text="What happened, where, on which account and device")
    async def report(interaction: discord.Interaction, text: str) -> None:
        await run(host, interaction, "report", lambda _: cmd.Report(text), text)

    @command("emergency")
    @app_commands.describe(text="What is broken right now")
    async def emergency(interaction: discord.Interaction, text: str) -> None:
        await run(host, interaction, "emergency", lambda _: cmd.DeclareEmergency(text), text)

    @command("ticket")
    @app_commands.describe(ticket="Ticket number (none: your tickets)")
    @app_commands.autocomplete(ticket=open_tickets)
    async def ticket(interaction: discord.Interaction, ticket: TicketNo | None = None) -> None:
        await run(host, interaction, "ticket", lambda c: cmd.ShowTicket(ticket or c), ticket)

    @command("tickets")
    @app_commands.choices(status=STATUS_CHOICES)
    @app_commands.autocomplete(product=products)
    async def tickets(interaction: discord.Interaction, product: str | None = None,
                      status: str | None = None) -> None:
        await run(host, interaction, "tickets", lambda _: cmd.ListTickets(
            product.strip().lower() if product else None, Status(status) if status else None), product, status)

    @command("status")
    @app_commands.describe(ticket=TICKET_HELP, note="Why, for the history")
    @app_commands.choices(status=STATUS_CHOICES)
    @app_commands.autocomplete(ticket=open_tickets)
    async def status(interaction: discord.Interaction, status: str, ticket: TicketNo | None = None,
                     note: str | None = None) -> None:
        await run(host, interaction, "status", lambda c: cmd.SetStatus(
            pick(ticket, c, "status"), Status(status), note or ""), ticket, status, note)

    @command("take")
    @app_commands.describe(ticket=TICKET_HELP)
    @app_commands.autocomplete(ticket=open_tickets)
    async def take(interaction: discord.Interaction, ticket: TicketNo | None = None) -> None:
        await run(host, interaction, "take", lambda c: cmd.Take(pick(ticket, c, "take")), ticket)

    @command("assign")
    @app_commands.describe(person="Team member", ticket=TICKET_HELP)
    @app_commands.autocomplete(person=people, ticket=open_tickets)
    async def assign(interaction: discord.Interaction, person: str, ticket: TicketNo | None = None) -> None:
        await run(host, interaction, "assign", lambda c: cmd.Assign(pick(ticket, c, "assign"), person.strip()),
                  ticket, person)

    @command("pr")
    @app_commands.describe(url="Link to the pull request", ticket=TICKET_HELP)
    @app_commands.autocomplete(ticket=open_tickets)
    async def pr(interaction: discord.Interaction, url: str, ticket: TicketNo | None = None) -> None:
        await run(host, interaction, "pr", lambda c: _attach_pr(pick(ticket, c, "pr"), url.strip()), ticket, url)

    @command("note")
    @app_commands.describe(text="The note (the team only sees it)", ticket=TICKET_HELP)
    @app_commands.autocomplete(ticket=open_tickets)
    async def note(interaction: discord.Interaction, text: str, ticket: TicketNo | None = None) -> None:
        await run(host, interaction, "note", lambda c: cmd.AddNote(pick(ticket, c, "note"), text), ticket, text)

    @command("severity")
    @app_commands.describe(ticket=TICKET_HELP)
    @app_commands.choices(level=SEVERITY_CHOICES)
    @app_commands.autocomplete(ticket=open_tickets)
    async def severity(interaction: discord.Interaction, level: str, ticket: TicketNo | None = None) -> None:
        await run(host, interaction, "severity", lambda c: cmd.SetSeverity(
            pick(ticket, c, "severity"), Severity(level)), ticket, level)

    @command("resolve")
    @app_commands.describe(ticket=TICKET_HELP, note="What was done")
    @app_commands.choices(reason=RESOLUTION_CHOICES)
    @app_commands.autocomplete(ticket=open_tickets)
    async def resolve(interaction: discord.Interaction, ticket: TicketNo | None = None,
                      reason: str | None = None, note: str | None = None) -> None:
        await run(host, interaction, "resolve", lambda c: cmd.Resolve(
            pick(ticket, c, "resolve"), Resolution(reason) if reason else None, note or ""), ticket, reason, note)

    @command("reopen")
    @app_commands.describe(ticket=TICKET_HELP, to="Status it reopens as")
    @app_commands.choices(to=REOPEN_CHOICES)
    async def reopen(interaction: discord.Interaction, ticket: TicketNo | None = None,
                     to: str | None = None) -> None:
        await run(host, interaction, "reopen", lambda c: cmd.Reopen(
            pick(ticket, c, "reopen"), Status(to) if to else Status.RECEIVED), ticket, to)

    @command("oncall")
    async def oncall(interaction: discord.Interaction) -> None:
        await run(host, interaction, "oncall", lambda _: cmd.ShowOnCall())

    @command("handoff")
    @app_commands.describe(person="Who takes the shift over", notes="What they should know")
    @app_commands.autocomplete(person=people)
    async def handoff(interaction: discord.Interaction, person: str, notes: str | None = None) -> None:
        await run(host, interaction, "handoff", lambda _: cmd.Handoff(person.strip(), notes or ""), person, notes)

    @command("keep")
    @app_commands.describe(ticket=TICKET_HELP)
    @app_commands.autocomplete(ticket=open_tickets)
    async def keep(interaction: discord.Interaction, ticket: TicketNo | None = None) -> None:
        await run(host, interaction, "keep", lambda c: cmd.Keep(pick(ticket, c, "keep")), ticket)

    @command("faq")
    @app_commands.describe(key="FAQ entry")
    @app_commands.autocomplete(key=faq_keys)
    async def faq(interaction: discord.Interaction, key: str) -> None:
        await run(host, interaction, "faq", lambda _: cmd.Faq(key.strip().lower()), key)

    @command("stats")
    @app_commands.choices(period=PERIOD_CHOICES)
    @app_commands.autocomplete(product=products)
    async def stats(interaction: discord.Interaction, product: str | None = None,
                    period: str | None = None) -> None:
        await run(host, interaction, "stats", lambda _: cmd.ShowStats(
            product.strip().lower() if product else None, period or cmd.DEFAULT_PERIOD), product, period)

    @command("help")
    async def help_(interaction: discord.Interaction) -> None:
        await run(host, interaction, "help", lambda _: cmd.ShowHelp())

    @tree.error
    async def on_error(interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        log.error("discord: command failed: %s", error, exc_info=error)
        await refuse(interaction, FAILED)

    return tree
