"""What follows a ticket change, in one place: the changes a ticket recorded become history and card edits."""

from __future__ import annotations

from supportbot.domain.tickets import FirstResponded, Ticket
from supportbot.services.context import Deps
from supportbot.services.ports import TicketEvent, UnitOfWork


async def react(deps: Deps, uow: UnitOfWork, ticket: Ticket, actor: str, *, card_changed: bool = False) -> None:
    """Write what the ticket's recorded changes call for, in the caller's transaction.

    `card_changed`: the use case changed what the card shows, so its cards are edited in any case."""
    refresh = card_changed
    for change in ticket.collect_changes():
        match change:
            case FirstResponded(at=at, how=how):
                await uow.events.add(TicketEvent(ticket.stored_id, at, actor, "first_response", how))
                refresh = True  # the card stops showing the first-response deadline
    if refresh:
        await deps.notifier.refresh_cards(uow, ticket)
