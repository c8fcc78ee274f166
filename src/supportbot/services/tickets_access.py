"""A ticket by its number, as the sender may see or change it."""

from __future__ import annotations

from supportbot.domain import permissions, texts
from supportbot.domain.people import Sender
from supportbot.domain.tickets import NotAllowed, Ticket, TicketNotFound
from supportbot.logs import context as log_context
from supportbot.services.ports import UnitOfWork


async def load(uow: UnitOfWork, number: int, sender: Sender, *, act: bool = True) -> Ticket:
    """The ticket the sender names; hidden tickets are 'not found', read-only ones 'not allowed'."""
    log_context.note(ticket=number)  # the update's later log lines name the ticket, found or not
    ticket = await uow.tickets.by_number(number)
    if ticket is None or not permissions.can_see(sender, ticket):
        raise TicketNotFound(number)
    if act and not permissions.can_act(sender, ticket):
        raise NotAllowed(texts.TEAM_ONLY_CHANGE.format(
            team="security" if ticket.security else "support", number=number))
    return ticket
