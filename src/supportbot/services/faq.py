"""The FAQ on the reporter's side: its topics for anyone, a matching entry suggested to a new report, and the
ticket resolved as answered when its reporter says the suggestion solved their problem."""

from __future__ import annotations

from datetime import datetime

from supportbot.domain import permissions, texts
from supportbot.domain.faq import FaqEntry, says_solved, suggestion
from supportbot.domain.people import Sender
from supportbot.domain.ticket_states import Resolution, Severity, Status
from supportbot.domain.tickets import NotAllowed, Ticket
from supportbot.services.context import Deps
from supportbot.services.ports import Reply, TicketEvent, UnitOfWork

SUGGESTED = "faq_suggested"  # the history kind of a suggestion; its detail is the entry's key
# A suggestion stands while the team has not moved the ticket to 🟡: "fixed" then means the team's fix.
SOLVABLE = frozenset({Status.RECEIVED, Status.IN_PROGRESS})


def topics(deps: Deps, sender: Sender) -> Reply:
    """/faq alone: every topic's key and title, for anyone."""
    entries = [deps.faq[key] for key in sorted(deps.faq)]
    return Reply(texts.faq_topics(entries, team=sender.is_team))


def answer(deps: Deps, key: str, sender: Sender) -> str:
    """/faq <key>: the entry's answer, for the team; an unknown key is refused with the known ones."""
    if not sender.is_team:
        raise NotAllowed(texts.FAQ_ANSWER_TEAM_ONLY)
    entry = deps.faq.get(key.casefold())
    if entry is None:
        known = ", ".join(sorted(deps.faq)) or texts.NO_FAQ_KEYS
        raise NotAllowed(texts.NO_FAQ_ENTRY.format(key=key, known=known))
    return entry.answer


async def suggest(deps: Deps, uow: UnitOfWork, ticket: Ticket) -> FaqEntry | None:
    """A new normal ticket whose report says an entry's keywords gets that entry in its conversation, right
    after the acknowledgement, with how to mark it solved; the history keeps which entry was suggested."""
    if ticket.security or ticket.severity is Severity.EMERGENCY:
        return None
    entry = suggestion(deps.faq.values(), f"{ticket.title}\n{ticket.body}")
    if entry is None:
        return None
    await uow.events.add(TicketEvent(ticket.stored_id, deps.clock.now(), texts.BOT_ACTOR, SUGGESTED, entry.key))
    await uow.outbox.add_many(deps.notifier.to_ticket(ticket, texts.faq_suggestion(entry)))
    return entry


async def solved_by_reporter(deps: Deps, uow: UnitOfWork, ticket: Ticket, sender: Sender, text: str,
                             now: datetime) -> bool:
    """The reporter says the suggested entry solved it ("solved", "that worked"): the ticket is resolved as
    answered by them, in the caller's transaction (the caller reacts to the change). False, and nothing
    changed, for anyone else, another reply, a ticket without a suggestion or one past ⭕️."""
    if not permissions.is_reporter(sender, ticket) or ticket.status not in SOLVABLE or not says_solved(text):
        return False
    key = next((e.detail for e in reversed(await uow.events.for_ticket(ticket.stored_id)) if e.kind == SUGGESTED),
               None)
    if key is None:
        return False
    ticket.resolve(Resolution.ANSWERED, now)
    detail = f"{Resolution.ANSWERED.value}: {texts.SOLVED_BY_FAQ_DETAIL.format(key=key)}"
    await uow.events.add(TicketEvent(ticket.stored_id, now, sender.name, "resolve", detail))
    await uow.outbox.add_many(deps.notifier.to_ticket(ticket, texts.SOLVED_BY_FAQ_REPLY.format(number=ticket.number)))
    return True
