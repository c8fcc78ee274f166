"""The slash commands (ARCHITECTURE §6) as a discord.py command tree: each builds the typed command for the desk
(interactions.py carries it out)."""

# No `from __future__ import annotations` here: discord.py reads the callbacks' annotations as objects.
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import Choice

from supportbot.chat.discord import parse, render
from supportbot.chat.discord.answering import FAILED, refuse
from supportbot.chat.discord.interactions import Host, attach_pr, pick, run, typed
from supportbot.domain import commands as cmd
from supportbot.domain import texts
from supportbot.domain.ticket_states import SUB_STATES, Priority, Resolution, Severity, Status
from supportbot.domain.tickets import MAX_TICKET_NUMBER, REOPEN_TO

log = logging.getLogger(__name__)

TicketNo = app_commands.Range[int, 1, MAX_TICKET_NUMBER]
TICKET_HELP = "Ticket number (inside a ticket's thread, that ticket by default)"

STATUS_CHOICES = [Choice(name=f"{s.marker} {s.label}", value=s.value) for s in Status]
REOPEN_CHOICES = [Choice(name=f"{s.marker} {s.label}", value=s.value) for s in Status if s in REOPEN_TO]
SEVERITY_CHOICES = [Choice(name=texts.severity_words(s), value=s.value) for s in Severity]
RESOLUTION_CHOICES = [Choice(name=texts.resolution_words(r), value=r.value) for r in Resolution]
PERIOD_CHOICES = [Choice(name=p, value=p) for p in cmd.PERIODS]
PRIORITY_CHOICES = [Choice(name=p.label, value=p.value) for p in Priority]
SUB_STATE_CHOICES = [Choice(name=words, value=key) for key, words in SUB_STATES.items()]


# --- the tree -------------------------------------------------------------------------


Complete = Callable[[discord.Interaction, str], Coroutine[Any, Any, list[Choice[Any]]]]
SUMMARY = {spec.name: spec.summary for spec in cmd.COMMANDS}


@dataclass(frozen=True)
class _Commands:
    """What each group of commands is added with: the tree, the adapter, the shared autocompleters."""

    tree: app_commands.CommandTree
    host: Host
    open_tickets: Complete
    people: Complete
    products: Complete
    faq_keys: Complete

    def command(self, name: str):
        return self.tree.command(name=name, description=SUMMARY[name])


class SupportTree(app_commands.CommandTree):
    """discord.py's command tree; what people typed into the options is made safe to store before any
    command reads it (NULs removed, lone surrogates replaced), as for messages."""

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        data: dict[str, Any] = dict(interaction.data or {})
        parse.clean_options(data.get("options") or [])  # the option dicts themselves, cleaned in place
        return True


def build_tree(client: discord.Client, host: Host) -> app_commands.CommandTree:
    """Every §6 command, with choices for fixed words and autocomplete for tickets, people, keys."""
    tree = SupportTree(client)

    async def open_tickets(interaction: discord.Interaction, current: str) -> list[Choice[int]]:
        found = await host.desk.open_ticket_numbers(host.sender(interaction.user).is_team, current.strip())
        return [Choice(name=render.clip(f"#{n} {title}", render.MAX_CHOICE_NAME), value=n) for n, title in found]

    at = _Commands(tree, host, open_tickets, people=_names(lambda: [p.name for p in host.desk.directory.people]),
                   products=_names(lambda: [p.key for p in host.desk.directory.products]),
                   faq_keys=_names(host.desk.faq_keys))
    for add in (_add_reports_and_reads, _add_ticket_work, _add_ticket_outcomes, _add_triage, _add_shifts_and_answers):
        add(at)

    @tree.error
    async def on_error(interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        log.error("discord: command failed: %s", error, exc_info=error)
        await refuse(interaction, FAILED)

    return tree


def _names(values: Callable[[], list[str]]) -> Complete:
    """An autocompleter offering the values that start with what was typed."""
    async def complete(interaction: discord.Interaction, current: str) -> list[Choice[str]]:
        wanted = current.strip().casefold()
        return [Choice(name=v, value=v) for v in values() if v.casefold().startswith(wanted)][:25]
    return complete


def _add_reports_and_reads(at: _Commands) -> None:
    """/report, /emergency, /ticket, /tickets."""

    @at.command("report")
    @app_commands.describe(text="What happened, where, on which account and device")
    async def report(interaction: discord.Interaction, text: str) -> None:
        await run(at.host, interaction, "report", lambda _: cmd.Report(text), text)

    @at.command("emergency")
    @app_commands.describe(text="What is broken right now")
    async def emergency(interaction: discord.Interaction, text: str) -> None:
        await run(at.host, interaction, "emergency", lambda _: cmd.DeclareEmergency(text), text)

    @at.command("ticket")
    @app_commands.describe(ticket="Ticket number (none: your tickets)")
    @app_commands.autocomplete(ticket=at.open_tickets)
    async def ticket(interaction: discord.Interaction, ticket: TicketNo | None = None) -> None:
        await run(at.host, interaction, "ticket", lambda c: cmd.ShowTicket(ticket or c), ticket)

    @at.command("tickets")
    @app_commands.choices(status=STATUS_CHOICES)
    @app_commands.autocomplete(product=at.products)
    async def tickets(interaction: discord.Interaction, product: str | None = None,
                      status: str | None = None) -> None:
        await run(at.host, interaction, "tickets", lambda _: cmd.ListTickets(
            product.strip().lower() if product else None, Status(status) if status else None), product, status)


def _add_ticket_work(at: _Commands) -> None:
    """/status, /take, /assign, /pr, /note."""

    @at.command("status")
    @app_commands.describe(ticket=TICKET_HELP, note="Why, for the history",
                           sub_state="What it waits on (in progress only)")
    @app_commands.choices(status=STATUS_CHOICES, sub_state=SUB_STATE_CHOICES)
    @app_commands.autocomplete(ticket=at.open_tickets)
    async def status(interaction: discord.Interaction, status: str, ticket: TicketNo | None = None,
                     note: str | None = None, sub_state: str | None = None) -> None:
        def build(context: int | None) -> cmd.Command:
            if sub_state and Status(status) is not Status.IN_PROGRESS:
                raise cmd.CommandError(texts.SUB_STATE_IN_PROGRESS_ONLY, cmd.usage_for("status"))
            return cmd.SetStatus(pick(ticket, context, "status"), Status(status), note or "", sub_state or None)

        await run(at.host, interaction, "status", build, ticket, status, sub_state, note)

    @at.command("take")
    @app_commands.describe(ticket=TICKET_HELP)
    @app_commands.autocomplete(ticket=at.open_tickets)
    async def take(interaction: discord.Interaction, ticket: TicketNo | None = None) -> None:
        await run(at.host, interaction, "take", lambda c: cmd.Take(pick(ticket, c, "take")), ticket)

    @at.command("assign")
    @app_commands.describe(person="Team member", ticket=TICKET_HELP)
    @app_commands.autocomplete(person=at.people, ticket=at.open_tickets)
    async def assign(interaction: discord.Interaction, person: str, ticket: TicketNo | None = None) -> None:
        await run(at.host, interaction, "assign", lambda c: cmd.Assign(pick(ticket, c, "assign"), person.strip()),
                  ticket, person)

    @at.command("pr")
    @app_commands.describe(url="Link to the pull request", ticket=TICKET_HELP)
    @app_commands.autocomplete(ticket=at.open_tickets)
    async def pr(interaction: discord.Interaction, url: str, ticket: TicketNo | None = None) -> None:
        await run(at.host, interaction, "pr", lambda c: attach_pr(pick(ticket, c, "pr"), url.strip()), ticket, url)

    @at.command("issue")
    @app_commands.describe(repo="GitHub repository (org/repo) when the product has several", ticket=TICKET_HELP)
    @app_commands.autocomplete(ticket=at.open_tickets)
    async def issue(interaction: discord.Interaction, ticket: TicketNo | None = None, repo: str | None = None) -> None:
        await run(at.host, interaction, "issue",
                  lambda c: typed(f"/issue {pick(ticket, c, 'issue')} {(repo or '').strip()}"), ticket, repo)

    @at.command("note")
    @app_commands.describe(text="The note (the team only sees it)", ticket=TICKET_HELP)
    @app_commands.autocomplete(ticket=at.open_tickets)
    async def note(interaction: discord.Interaction, text: str, ticket: TicketNo | None = None) -> None:
        await run(at.host, interaction, "note", lambda c: cmd.AddNote(pick(ticket, c, "note"), text), ticket, text)


def _add_ticket_outcomes(at: _Commands) -> None:
    """/severity, /resolve, /reopen."""

    @at.command("severity")
    @app_commands.describe(ticket=TICKET_HELP)
    @app_commands.choices(level=SEVERITY_CHOICES)
    @app_commands.autocomplete(ticket=at.open_tickets)
    async def severity(interaction: discord.Interaction, level: str, ticket: TicketNo | None = None) -> None:
        await run(at.host, interaction, "severity", lambda c: cmd.SetSeverity(
            pick(ticket, c, "severity"), Severity(level)), ticket, level)

    @at.command("resolve")
    @app_commands.describe(ticket=TICKET_HELP, note="What was done")
    @app_commands.choices(reason=RESOLUTION_CHOICES)
    @app_commands.autocomplete(ticket=at.open_tickets)
    async def resolve(interaction: discord.Interaction, ticket: TicketNo | None = None,
                      reason: str | None = None, note: str | None = None) -> None:
        await run(at.host, interaction, "resolve", lambda c: cmd.Resolve(
            pick(ticket, c, "resolve"), Resolution(reason) if reason else None, note or ""), ticket, reason, note)

    @at.command("reopen")
    @app_commands.describe(ticket=TICKET_HELP, to="Status it reopens as")
    @app_commands.choices(to=REOPEN_CHOICES)
    async def reopen(interaction: discord.Interaction, ticket: TicketNo | None = None,
                     to: str | None = None) -> None:
        await run(at.host, interaction, "reopen", lambda c: cmd.Reopen(
            pick(ticket, c, "reopen"), Status(to) if to else Status.RECEIVED), ticket, to)


def _add_triage(at: _Commands) -> None:
    """/priority, /product, /backlog."""

    @at.command("priority")
    @app_commands.describe(ticket=TICKET_HELP)
    @app_commands.choices(priority=PRIORITY_CHOICES)
    @app_commands.autocomplete(ticket=at.open_tickets)
    async def priority(interaction: discord.Interaction, priority: str, ticket: TicketNo | None = None) -> None:
        await run(at.host, interaction, "priority", lambda c: cmd.SetPriority(
            pick(ticket, c, "priority"), Priority(priority)), ticket, priority)

    @at.command("product")
    @app_commands.describe(product="Product key", ticket=TICKET_HELP)
    @app_commands.autocomplete(product=at.products, ticket=at.open_tickets)
    async def product(interaction: discord.Interaction, product: str, ticket: TicketNo | None = None) -> None:
        await run(at.host, interaction, "product", lambda c: cmd.SetProduct(
            pick(ticket, c, "product"), product.strip().lower()), ticket, product)

    @at.command("backlog")
    @app_commands.describe(product="Product key (all products when left out)")
    @app_commands.autocomplete(product=at.products)
    async def backlog(interaction: discord.Interaction, product: str | None = None) -> None:
        await run(at.host, interaction, "backlog", lambda _: cmd.ShowBacklog(
            product.strip().lower() if product else None), product)


def _add_shifts_and_answers(at: _Commands) -> None:
    """/oncall, /handoff, /keep, /faq, /stats, /digest, /dashboard, /help."""

    @at.command("oncall")
    async def oncall(interaction: discord.Interaction) -> None:
        await run(at.host, interaction, "oncall", lambda _: cmd.ShowOnCall())

    @at.command("handoff")
    @app_commands.describe(person="Who takes the shift over", notes="What they should know")
    @app_commands.autocomplete(person=at.people)
    async def handoff(interaction: discord.Interaction, person: str, notes: str | None = None) -> None:
        await run(at.host, interaction, "handoff", lambda _: cmd.Handoff(person.strip(), notes or ""), person, notes)

    @at.command("keep")
    @app_commands.describe(ticket=TICKET_HELP)
    @app_commands.autocomplete(ticket=at.open_tickets)
    async def keep(interaction: discord.Interaction, ticket: TicketNo | None = None) -> None:
        await run(at.host, interaction, "keep", lambda c: cmd.Keep(pick(ticket, c, "keep")), ticket)

    @at.command("faq")
    @app_commands.describe(key="FAQ entry (none: the list of topics)")
    @app_commands.autocomplete(key=at.faq_keys)
    async def faq(interaction: discord.Interaction, key: str | None = None) -> None:
        await run(at.host, interaction, "faq", lambda _: cmd.Faq(key.strip().lower() if key else None), key)

    @at.command("stats")
    @app_commands.choices(period=PERIOD_CHOICES)
    @app_commands.autocomplete(product=at.products)
    async def stats(interaction: discord.Interaction, product: str | None = None,
                    period: str | None = None) -> None:
        await run(at.host, interaction, "stats", lambda _: cmd.ShowStats(
            product.strip().lower() if product else None, period or cmd.DEFAULT_PERIOD), product, period)

    # Answered in the channel, not to the caller alone: the chart follows there as an attachment.
    @at.command("digest")
    @app_commands.describe(product="Product key (all products when left out)")
    @app_commands.autocomplete(product=at.products)
    async def digest(interaction: discord.Interaction, product: str | None = None) -> None:
        await run(at.host, interaction, "digest", lambda _: cmd.ShowDigest(
            product.strip().lower() if product else None), product)

    @at.command("dashboard")
    async def dashboard(interaction: discord.Interaction) -> None:
        await run(at.host, interaction, "dashboard", lambda _: cmd.SendBoardLink())

    @at.command("help")
    async def help_(interaction: discord.Interaction) -> None:
        await run(at.host, interaction, "help", lambda _: cmd.ShowHelp())
