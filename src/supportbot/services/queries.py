"""Read-only answers: a ticket's card and history, ticket lists, help (the FAQ's are in services/faq.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from supportbot.domain import commands as cmd
from supportbot.domain import permissions, texts
from supportbot.domain.people import ChannelKind, Place, Sender
from supportbot.domain.sla import EscalationKind
from supportbot.domain.tickets import NotAllowed, Ticket
from supportbot.services import satisfaction
from supportbot.services.context import Deps
from supportbot.services.ports import Reply, TicketEvent
from supportbot.services.tickets_access import load

LIST_LIMIT = 30
PUBLIC = (ChannelKind.PRODUCT, ChannelKind.EMERGENCY)  # chats anyone can read


def age(since: datetime, now: datetime) -> str:
    """'3d', '5h', '12m' — how long ago."""
    seconds = max(0, int((now - since).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def shared(place: Place | None) -> bool:
    """True for a chat others read (a product, emergency or team chat): no security ticket's words there."""
    return place is not None and place.kind in (ChannelKind.PRODUCT, ChannelKind.EMERGENCY, ChannelKind.TEAM)


async def show_ticket(deps: Deps, number: int | None, sender: Sender, *, place: Place | None = None) -> Reply:
    """The card with deadlines and history; without a number, the caller's own tickets.

    `place` is where the answer is posted (None: a private chat)."""
    now = deps.clock.now()
    async with deps.uow() as uow:
        if number is None:
            mine = await uow.tickets.list(open_only=False, reporter=(sender.platform, sender.user_id), limit=LIST_LIMIT)
            if not mine:
                return Reply(texts.NO_TICKETS_OF_YOURS)
            rows = [texts.list_row(t, age=age(t.created_at, now), shared=shared(place)) for t in mine]
            return Reply(texts.YOUR_TICKETS.format(rows="\n".join(rows)))
        ticket = await load(uow, number, sender, act=False)
        if ticket.security and shared(place):
            raise NotAllowed(texts.SECURITY_TICKET_PRIVATE.format(number=ticket.number))
        history = await uow.events.for_ticket(ticket.stored_id)
        rating = await satisfaction.rating_line(uow, ticket)
    return Reply(render_ticket(deps, ticket, history, rating=rating, place=place), ticket_number=ticket.number)


def report_lines(deps: Deps, ticket: Ticket, place: Place | None) -> list[str]:
    """The reporter's whole text, when the card's title does not say it all already (a long report comes in
    parts, each platform splitting the answer at its own limit). In a public chat, a report made in private
    is not shown: only its length, and where to read it."""
    if " ".join(ticket.body.split()) == ticket.title:
        return []
    size = texts.size_words(ticket.body)
    reported = deps.directory.place(ticket.source_platform, ticket.source_chat_id)
    if place is not None and place.kind in PUBLIC and (reported is None or reported.kind not in PUBLIC):
        return [texts.REPORT_PRIVATE.format(size=size, number=ticket.number)]
    return [texts.REPORT_HEAD.format(size=size), ticket.body]


def render_ticket(deps: Deps, ticket: Ticket, history: Sequence[TicketEvent], *, rating: str | None = None,
                  place: Place | None = None) -> str:
    """Card, clocks, the reporter's rating (`rating`, when given), the report's text and full history of one
    ticket, as shown in `place` (None: a private chat)."""
    fmt = deps.clocks.calendar.format_local
    lines = [deps.notifier.card(ticket), texts.REPORTED_BY.format(
        name=ticket.reporter_name, platform=ticket.source_platform, when=fmt(ticket.created_at))]
    if rating:
        lines.append(rating)
    deadlines = deps.clocks.deadlines(ticket)
    if ticket.first_response_at:
        lines.append(texts.FIRST_RESPONSE_AT.format(when=fmt(ticket.first_response_at)))
    if deadlines.next_kind is EscalationKind.CONFIRMATION_EXPIRED and deadlines.next_escalation_at:
        lines.append(texts.CONFIRM_CLOCK.format(when=fmt(deadlines.next_escalation_at)))
    elif deadlines.next_escalation_at and deadlines.next_kind:
        lines.append(texts.NEXT_ESCALATION_AT.format(
            kind=deadlines.next_kind.value.replace("_", " "), when=fmt(deadlines.next_escalation_at)))
    lines.extend(report_lines(deps, ticket, place))
    lines.append(texts.HISTORY_HEAD)
    lines.extend(texts.history_line(fmt(e.at), e.actor, e.kind, e.detail) for e in history)
    return "\n".join(lines)


async def list_tickets(deps: Deps, command: cmd.ListTickets, sender: Sender, *, place: Place | None = None) -> Reply:
    """Open tickets, oldest first, filtered by product and status; security ones for the security team only."""
    permissions.require_team(sender, "tickets")
    if command.product and deps.directory.product(command.product) is None:
        raise NotAllowed(texts.NO_PRODUCT.format(
            key=command.product, keys=", ".join(p.key for p in deps.directory.products) or "none"))
    now = deps.clock.now()
    async with deps.uow() as uow:
        found = await uow.tickets.list(
            open_only=True, product=command.product,
            status=command.status.value if command.status else None, limit=LIST_LIMIT + 1,
        )
    visible = [t for t in found if permissions.can_see(sender, t)]
    rows = [texts.list_row(t, age=age(t.created_at, now), shared=shared(place)) for t in visible[:LIST_LIMIT]]
    if len(visible) > LIST_LIMIT:
        rows.append(texts.LIST_TRUNCATED)
    where = "".join(f" {w}" for w in (command.product, command.status.label if command.status else None) if w)
    return Reply(texts.ticket_list(rows, f" for{where}" if where else ""))


def help_text(sender: Sender, place: Place | None) -> str:
    """The commands this caller may use here."""
    audiences = {"anyone"} | ({"team", "oncall"} if sender.is_team else set())
    lines = [texts.HELP_LINE.format(usage=spec.usage, summary=spec.summary)
             for spec in cmd.COMMANDS if spec.audience in audiences]
    head = texts.HELP_TEAM_HEAD if sender.is_team else texts.HELP_ANYONE_HEAD
    intro = "" if sender.is_team else texts.HELP_INTRO
    return intro + head + "\n" + "\n".join(lines)

