"""What follows a ticket change, in one place: each change a ticket recorded becomes history lines, fresh
clocks, card edits and messages, written in the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from supportbot.domain import metrics, texts
from supportbot.domain.sla import EscalationKind
from supportbot.domain.ticket_changes import (
    Escalated,
    FirstResponded,
    ProductChanged,
    Responded,
    SeverityChanged,
    StatusChanged,
    TicketChange,
    TicketOpened,
)
from supportbot.domain.ticket_states import Severity, Status
from supportbot.domain.tickets import Ticket
from supportbot.logs import context as log_context
from supportbot.services import announcements, feedback_asks
from supportbot.services.context import Deps
from supportbot.services.outbox import OutboxItem
from supportbot.services.ports import TicketEvent, UnitOfWork


@dataclass
class Effects:
    """What a ticket's changes call for: history lines, messages, and whether its cards show old state."""

    history: list[TicketEvent] = field(default_factory=list)
    messages: list[OutboxItem] = field(default_factory=list)
    cards_stale: bool = False
    rate: list[Ticket] = field(default_factory=list)  # resolved: their reporters may be asked "How did we do?"

    def extend(self, other: Effects) -> None:
        self.history += other.history
        self.messages += other.messages
        self.cards_stale = self.cards_stale or other.cards_stale
        self.rate += [ticket for ticket in other.rate if ticket not in self.rate]


def follow(deps: Deps, ticket: Ticket, actor: str) -> Effects:
    """The effects of every change the ticket recorded since the last call (the ticket forgets them).

    The ticket's deadlines are recomputed first (activity moves them too, recorded change or not), so the
    messages show the clocks as they now stand; the sweep recomputes as it fires, round by round."""
    changes = ticket.collect_changes()
    effects = Effects()
    if not changes or not all(isinstance(change, Escalated) for change in changes):
        deps.clocks.recompute(ticket)
        # Kept once answered, for the metrics' on-time first responses (a raised severity moves it).
        due = deps.clocks.first_response_due(ticket)
        if due is not None and ticket.first_response_due_at != due:
            ticket.first_response_due_at = due
    for change in changes:
        effects.extend(_effects_of(deps, ticket, change, actor))
    return effects


def _effects_of(deps: Deps, ticket: Ticket, change: TicketChange, actor: str) -> Effects:
    match change:
        case TicketOpened(at=at, by=by, exposed=exposed):
            return Effects([TicketEvent(ticket.stored_id, at, by, "created", _created_detail(ticket, exposed))],
                           [*_first_cards(deps, ticket), *announcements.opened(deps, ticket, exposed, at)])
        case FirstResponded(at=at, how=how):
            # The card stops showing the first-response deadline.
            return Effects([TicketEvent(ticket.stored_id, at, actor, "first_response", how)], cards_stale=True)
        case Responded(at=at, since=since):
            _count_response(deps, ticket, since, at)
            return Effects()
        case Escalated(at=at, kind=kind, level=level):
            return Effects([TicketEvent(ticket.stored_id, at, texts.BOT_ACTOR, "escalation", kind)],
                           announcements.escalated(deps, ticket, EscalationKind(kind), level, at))
        case SeverityChanged(at=at, new=Severity.EMERGENCY):
            return Effects(messages=announcements.announce(deps, ticket, at), cards_stale=True)
        case StatusChanged(new=Status.FIX_PROVIDED):
            return Effects(messages=feedback_asks.confirmation_asked(deps, ticket), cards_stale=True)
        case StatusChanged(new=Status.RESOLVED):
            return Effects(cards_stale=True, rate=[ticket])
        case ProductChanged(old=old):
            return Effects(messages=announcements.moved(deps, ticket, old, actor), cards_stale=True)
    return Effects(cards_stale=True)  # status, assignee, PRs, severity, the report's text: all on the card


def _count_response(deps: Deps, ticket: Ticket, since: datetime, at: datetime) -> None:
    """Add a wait the team ended to the ticket's response figures: business time for a normal ticket."""
    wait = at - since if ticket.severity is Severity.EMERGENCY else deps.clocks.calendar.business_between(since, at)
    ticket.responses += 1
    ticket.response_wait_us += metrics.micros(max(wait, timedelta(0)))


async def react(deps: Deps, uow: UnitOfWork, ticket: Ticket, actor: str) -> None:
    """Write what the ticket's recorded changes call for, in the caller's transaction."""
    log_context.note(ticket=ticket.number)  # the update's later log lines name the ticket
    effects = follow(deps, ticket, actor)
    await write(deps, uow, [ticket] if effects.cards_stale else [], effects)


async def write(deps: Deps, uow: UnitOfWork, stale: list[Ticket], effects: Effects) -> None:
    """Store the history lines and messages, then re-render the cards of `stale` tickets; a resolved
    ticket's reporter is then asked for a rating, under the card that now says 🟢."""
    await uow.events.add_many(effects.history)
    await uow.outbox.add_many(effects.messages)
    for ticket in stale:
        await deps.notifier.refresh_cards(uow, ticket)
    for ticket in effects.rate:
        await feedback_asks.rating_asked(deps, uow, ticket)


def _first_cards(deps: Deps, ticket: Ticket) -> list[OutboxItem]:
    """The acknowledgement in the report's chat; a security ticket's cards go to the security chats."""
    if ticket.security:
        return [deps.notifier.card_item(ticket, platform=platform, chat_id=chat_id)
                for platform, chat_id in sorted(deps.directory.security_chats.items())]
    return [deps.notifier.card_item(
        ticket, platform=ticket.source_platform, chat_id=ticket.source_chat_id,
        reply_to=ticket.source_message_id, thread_id=ticket.thread_id,
        back_at=deps.clocks.back_at(ticket, ticket.created_at),
    )]


def _created_detail(ticket: Ticket, exposed: tuple[str, ...]) -> str:
    if not ticket.security:
        return texts.CREATED_DETAIL.format(severity=ticket.severity.value, platform=ticket.source_platform)
    why = texts.SECRETS_REDACTED.format(kinds=", ".join(exposed)) if exposed else texts.SECURITY_WORDING
    return texts.SECURITY_CREATED_DETAIL.format(why=why)
