"""The FAQ on the reporter's side: its topics for anyone, a matching entry suggested to a new report, and the
ticket resolved as answered when its reporter says the suggestion solved their problem."""

from __future__ import annotations

from datetime import datetime

from supportbot.domain import permissions, texts
from supportbot.domain.faq import FaqEntry, says_solved, suggestion
from supportbot.domain.people import Sender
from supportbot.domain.ticket_states import Resolution, Severity, Status
from supportbot.domain.tickets import DeskError, NotAllowed, Ticket
from supportbot.services import reactions
from supportbot.services.context import Deps
from supportbot.services.outbox import CardButtons
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
    after the acknowledgement, with how to mark it solved (a reply, or the reporter's button); the history
    keeps which entry was suggested."""
    if ticket.security or ticket.severity is Severity.EMERGENCY:
        return None
    entry = suggestion(deps.faq.values(), f"{ticket.title}\n{ticket.body}")
    if entry is None:
        return None
    await uow.events.add(TicketEvent(ticket.stored_id, deps.clock.now(), texts.BOT_ACTOR, SUGGESTED, entry.key))
    await uow.outbox.add_many(deps.notifier.to_ticket(
        ticket, texts.faq_suggestion(entry), buttons=CardButtons(ticket.number, (texts.FAQ_SOLVED_ACTION,))))
    return entry


async def solved_by_reporter(deps: Deps, uow: UnitOfWork, ticket: Ticket, sender: Sender, text: str,
                             now: datetime) -> bool:
    """The reporter replies that the suggested entry solved it ("solved", "that worked"): the ticket is resolved
    as answered by them, in the caller's transaction (the caller reacts to the change). False, and nothing
    changed, for anyone else, another reply, a ticket without a suggestion or one past ⭕️."""
    if not permissions.is_reporter(sender, ticket) or ticket.status not in SOLVABLE or not says_solved(text):
        return False
    key = await _suggested(uow, ticket)
    if key is None:
        return False
    await _resolve(deps, uow, ticket, sender, key, now)
    return True


async def solved_by_button(deps: Deps, uow: UnitOfWork, ticket: Ticket, sender: Sender, now: datetime) -> str:
    """"✅ This solved it" under a suggestion: as the reply, for the reporter alone; what the presser is told."""
    if not permissions.is_reporter(sender, ticket):
        raise NotAllowed(texts.FAQ_SOLVED_REPORTER_ONLY.format(number=ticket.number))
    key = await _suggested(uow, ticket)
    if ticket.status not in SOLVABLE or key is None:
        raise DeskError(texts.FAQ_SOLVED_TOO_LATE.format(number=ticket.number, marker=ticket.status.marker,
                                                         label=ticket.status.label))
    await _resolve(deps, uow, ticket, sender, key, now)
    await reactions.react(deps, uow, ticket, sender.name)
    return texts.SOLVED_BY_FAQ_REPLY.format(number=ticket.number)


async def _suggested(uow: UnitOfWork, ticket: Ticket) -> str | None:
    """The key of the entry last suggested to the ticket, if any."""
    return next((e.detail for e in reversed(await uow.events.for_ticket(ticket.stored_id)) if e.kind == SUGGESTED),
                None)


async def _resolve(deps: Deps, uow: UnitOfWork, ticket: Ticket, sender: Sender, key: str, now: datetime) -> None:
    """Resolved as answered by its reporter, "solved by FAQ <key>", and said in its conversation."""
    ticket.resolve(Resolution.ANSWERED, now)
    detail = f"{Resolution.ANSWERED.value}: {texts.SOLVED_BY_FAQ_DETAIL.format(key=key)}"
    await uow.events.add(TicketEvent(ticket.stored_id, now, sender.name, "resolve", detail))
    await uow.outbox.add_many(deps.notifier.to_ticket(ticket, texts.SOLVED_BY_FAQ_REPLY.format(number=ticket.number)))
