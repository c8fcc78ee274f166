"""Buttons a ticket's reporter may press (the team may too): the answers to "does the fix work?" and "How did
we do?". Card buttons are the team's (desk.BUTTON_COMMANDS); an action listed here is pressed by the reporter
of that ticket, or by a team member who may act on it, and anyone else is refused."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import partial

from supportbot.domain import permissions, texts
from supportbot.domain.people import Sender
from supportbot.domain.tickets import NotAllowed, Ticket
from supportbot.services import confirmation, faq, satisfaction
from supportbot.services.context import Deps
from supportbot.services.ports import ButtonPress, Reply, UnitOfWork

# Changes the ticket in the caller's transaction; returns what the presser is told.
Answer = Callable[[Deps, UnitOfWork, Ticket, Sender, datetime], Awaitable[str]]

REPORTER_ACTIONS: dict[str, Answer] = {
    "confirm_fixed": confirmation.confirm_fixed,
    "still_broken": confirmation.still_broken,
    "faq_solved": faq.solved_by_button,
    **{f"rate_{score}": partial(satisfaction.rate, score=score) for score in range(1, 6)},
}


def handles(action: str) -> bool:
    """True for an action a ticket's reporter may press."""
    return action in REPORTER_ACTIONS


async def press(deps: Deps, pressed: ButtonPress) -> Reply:
    """Answer a reporter's button in one transaction; a stranger's press is refused and changes nothing."""
    answer = REPORTER_ACTIONS[pressed.action]
    now = deps.clock.now()
    async with deps.uow() as uow:
        ticket = await uow.tickets.by_number(pressed.ticket_number)
        if ticket is None:
            raise NotAllowed(texts.BUTTON_INVALID)
        if not (permissions.is_reporter(pressed.sender, ticket) or permissions.can_act(pressed.sender, ticket)):
            raise NotAllowed(texts.NOT_YOUR_TICKET.format(number=ticket.number))
        text = await answer(deps, uow, ticket, pressed.sender, now)
        await uow.commit()
    return Reply(text, ephemeral=True, ticket_number=ticket.number)
