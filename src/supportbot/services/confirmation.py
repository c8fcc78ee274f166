"""Fix confirmation: a 🟡 ticket's reporter says the fix works (🟢 fixed) or not (back to ⭕️, the team member
who moved it tagged); without an answer the sweep resolves it as fixed, so 🟡 never stalls."""

from __future__ import annotations

from datetime import datetime

from supportbot.domain import texts
from supportbot.domain.people import Sender
from supportbot.domain.sla import EscalationKind, is_due
from supportbot.domain.ticket_states import Resolution, Status
from supportbot.domain.tickets import DeskError, Ticket
from supportbot.services import reactions
from supportbot.services.context import Deps
from supportbot.services.notify import mentions_of
from supportbot.services.outbox import OutboxItem
from supportbot.services.ports import TicketEvent, UnitOfWork


async def confirm_fixed(deps: Deps, uow: UnitOfWork, ticket: Ticket, sender: Sender, now: datetime) -> str:
    """✅ Fixed for me: the ticket is resolved as fixed, by whoever pressed (the reporter, or the team for them)."""
    _require_awaiting(ticket)
    ticket.resolve(Resolution.FIXED, now)
    await uow.events.add(TicketEvent(ticket.stored_id, now, sender.name, "resolve",
                                     texts.CONFIRMED_DETAIL.format(actor=sender.name)))
    if sender.is_team:  # a team action; the reporter's ✅ ends the ticket and waits for no answer
        ticket.record_activity(now, by_team=True, how="resolve")
    await reactions.react(deps, uow, ticket, sender.name)
    return texts.CONFIRMED.format(number=ticket.number, actor=sender.name)


async def still_broken(deps: Deps, uow: UnitOfWork, ticket: Ticket, sender: Sender, now: datetime) -> str:
    """❌ Still broken: back to ⭕️ in progress, and the team member who moved it to 🟡 is tagged."""
    _require_awaiting(ticket)
    moved_by = ticket.fix_provided_by
    ticket.move(Status.IN_PROGRESS, now)
    await uow.events.add(TicketEvent(ticket.stored_id, now, sender.name, "status",
                                     f"{Status.IN_PROGRESS.value}: "
                                     + texts.STILL_BROKEN_DETAIL.format(actor=sender.name)))
    ticket.record_activity(now, by_team=sender.is_team, how="status")  # the reporter's: a wait for the team
    await reactions.react(deps, uow, ticket, sender.name)
    await uow.outbox.add_many(_still_broken_notice(deps, ticket, sender, moved_by))
    return texts.STILL_BROKEN.format(number=ticket.number, actor=sender.name)


async def expire(deps: Deps, uow: UnitOfWork, ticket_id: int, now: datetime) -> bool:
    """The sweep's end of a 🟡 ticket's wait: resolved as fixed with a note in its history, once (a ticket
    someone answered or moved meanwhile is left alone); False when there was nothing to do."""
    ticket = await uow.tickets.get(ticket_id)
    if ticket is None or ticket.status is not Status.FIX_PROVIDED:
        return False
    due = deps.clocks.deadlines(ticket)
    if due.next_kind is not EscalationKind.CONFIRMATION_EXPIRED or not is_due(due, now):
        deps.clocks.recompute(ticket)
        return False
    within = texts.duration_words(deps.clocks.policy.confirm_after)
    ticket.resolve(Resolution.FIXED, now)
    await uow.events.add(TicketEvent(ticket.stored_id, now, texts.BOT_ACTOR, "resolve",
                                     texts.EXPIRED_DETAIL.format(within=within)))
    await uow.outbox.add_many(deps.notifier.to_ticket(
        ticket, texts.EXPIRED.format(number=ticket.number, within=within)))
    await reactions.react(deps, uow, ticket, texts.BOT_ACTOR)
    return True


def _require_awaiting(ticket: Ticket) -> None:
    """Refuse an answer to a question no longer asked (the ticket moved on since)."""
    if ticket.status is not Status.FIX_PROVIDED:
        raise DeskError(texts.CONFIRM_CLOSED.format(number=ticket.number, marker=ticket.status.marker,
                                                    label=texts.status_words(ticket)))


def _still_broken_notice(deps: Deps, ticket: Ticket, sender: Sender, moved_by: str | None) -> list[OutboxItem]:
    """The team hears it, tagging who moved it to 🟡 (else its assignee); a security ticket's team is the
    security chat, where its title may be read."""
    found = (deps.directory.person(name) for name in (moved_by, ticket.assignee) if name)
    person = next((p for p in found if p is not None), None)  # a move by GitHub names no team member
    tags = mentions_of([person]) if person is not None else ()
    text = texts.STILL_BROKEN_NOTICE.format(number=ticket.number, title=ticket.title, actor=sender.name)
    if ticket.security:
        return deps.notifier.to_security(text, ticket=ticket, mentions=tags)
    return deps.notifier.to_team(text, ticket=ticket, mentions=tags)
