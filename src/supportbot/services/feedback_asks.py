"""The questions put to a reporter when the team is done, written by the reactions to a status change:
"does the fix work?" on 🟡, "How did we do?" on 🟢."""

from __future__ import annotations

from supportbot.domain import texts
from supportbot.domain.sla import EscalationKind
from supportbot.domain.tickets import Ticket
from supportbot.services.context import Deps
from supportbot.services.outbox import CardButtons, OutboxItem
from supportbot.services.ports import UnitOfWork


def confirmation_asked(deps: Deps, ticket: Ticket) -> list[OutboxItem]:
    """On 🟡: the reporter is asked in the ticket's conversation whether the fix works, with ✅ and ❌.

    A security ticket's question goes where everything about it goes, the security chats: the reporter
    is reached through the private route only, never in a public chat."""
    due = deps.clocks.deadlines(ticket)
    expires = due.next_escalation_at if due.next_kind is EscalationKind.CONFIRMATION_EXPIRED else None
    when = deps.clocks.calendar.format_local(expires) if expires else texts.CONFIRM_WHEN_UNKNOWN
    template = texts.CONFIRM_ASK_SECURITY if ticket.security else texts.CONFIRM_ASK
    return deps.notifier.to_ticket(ticket, template.format(number=ticket.number, when=when),
                                   buttons=CardButtons(ticket.number, texts.CONFIRM_ACTIONS))


async def rating_asked(deps: Deps, uow: UnitOfWork, ticket: Ticket) -> None:
    """On 🟢: "How did we do?" with 1-5 in the ticket's conversation, unless config or the ticket says not to
    ask (a security ticket, a resolution not asked after) or it is rated already (resolved again after a
    reopen)."""
    if not deps.satisfaction.asks(ticket) or await uow.ratings.of(ticket.stored_id) is not None:
        return
    await uow.outbox.add_many(deps.notifier.to_ticket(
        ticket, texts.RATE_ASK.format(number=ticket.number), buttons=CardButtons(ticket.number, texts.RATE_ACTIONS)))
