"""The team board's use cases: a one-time sign-in link from chat, signing in with it, what the board shows a
team member, and the board's actions carried out by the desk exactly as the same commands typed in chat."""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from supportbot.domain import permissions, texts
from supportbot.domain.people import Person, Sender
from supportbot.domain.ticket_states import Status
from supportbot.domain.tickets import NotAllowed, Ticket
from supportbot.services.context import Deps
from supportbot.services.outbox import DirectMessage
from supportbot.services.ports import IncomingMessage, Reply, TicketEvent
from supportbot.services.web_ports import BoardCard, BoardFilter

log = logging.getLogger(__name__)

LINK_LIFETIME = timedelta(minutes=texts.LINK_MINUTES)
BOARD_DAYS = 7  # the 🟢 column: tickets resolved this many days back
BOARD_LIMIT = 500  # cards per part of the board (open; recently resolved)
WEB = "web"  # the platform the board's actions come from
# The local console is read by whoever runs it alone: the link is its answer there.
LINK_SHOWN_ON = frozenset({"console"})
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,100}")


def token_hash(token: str) -> str:
    """What the database keeps of a sign-in link or a session id: its SHA-256, never the token."""
    return hashlib.sha256(token.encode()).hexdigest()


async def send_board_link(deps: Deps, msg: IncomingMessage) -> Reply:
    """/dashboard: a link that signs the team member in once, within 10 minutes, sent to them privately.

    Told right away in a private chat or the console; elsewhere the link goes as a direct message and the
    chat only hears that it was sent."""
    sender = msg.sender
    permissions.require_team(sender, "dashboard")
    person = deps.directory.person(sender.name)
    if person is None or person != sender.person:  # a Discord team role without a [[people]] entry
        raise NotAllowed(texts.BOARD_NOT_LISTED)
    if not deps.public_url:
        raise NotAllowed(texts.BOARD_OFF)
    token = secrets.token_urlsafe(32)
    link = texts.BOARD_LINK.format(minutes=texts.LINK_MINUTES, link=f"{deps.public_url.rstrip('/')}/login/{token}")
    now = deps.clock.now()
    shown_here = msg.private or msg.platform in LINK_SHOWN_ON
    async with deps.uow() as uow:
        await uow.web.add_login_token(token_hash(token), person.name, now, now + LINK_LIFETIME)
        if not shown_here:
            await uow.outbox.add(deps.notifier.say(
                platform=msg.platform, chat_id=msg.chat_id, thread_id=msg.thread_id, text=link,
                direct=DirectMessage(sender.user_id, texts.BOARD_LINK_NOT_DELIVERED, forget_text=True)))
        await uow.commit()
    log.info("sign-in link made for %s", person.name)
    return Reply(link if shown_here else texts.BOARD_LINK_SENT, ephemeral=True)


async def sign_in(deps: Deps, token: str) -> Person | None:
    """The team member a link was made for, once and within its lifetime; None for any other token."""
    if not _TOKEN.fullmatch(token):
        return None
    async with deps.uow() as uow:
        name = await uow.web.use_login_token(token_hash(token), deps.clock.now())
        await uow.commit()
    person = deps.directory.person(name) if name is not None else None
    if person is not None:
        log.info("%s signed in to the board", person.name)
    return person


def web_sender(person: Person) -> Sender:
    """A team member acting on the board: never anyone's reporter identity on a chat platform."""
    return Sender(WEB, 0, person.name, person=person)


def sees_security(person: Person) -> bool:
    """Security tickets are on the board only for the security team and admins."""
    return permissions.sees_security(web_sender(person))


async def board_cards(deps: Deps, person: Person, wanted: BoardFilter) -> Sequence[BoardCard]:
    """The tickets on the board for this person (security ones never counted for those who may not see them)."""
    async with deps.uow() as uow:
        return await uow.board.cards(replace(wanted, security=sees_security(person)), BOARD_LIMIT)


async def ticket_with_history(deps: Deps, person: Person, number: int) -> tuple[Ticket, Sequence[TicketEvent]] | None:
    """A ticket and every event of it, or None when there is no such ticket or this person may not see it."""
    async with deps.uow() as uow:
        ticket = await uow.tickets.by_number(number)
        if ticket is None or not permissions.can_see(web_sender(person), ticket):
            return None
        return ticket, await uow.events.for_ticket(ticket.stored_id)


def board_message(person: Person, text: str, at: datetime) -> IncomingMessage:
    """A board action as the desk takes a command: from the person, typed nowhere in chat (so the ticket's own
    chat hears of it). `text` is what the form said, which the desk checks for secrets as it would a command."""
    return IncomingMessage(WEB, 0, 0, web_sender(person), text, at, private=True)


@dataclass(frozen=True)
class Countdown:
    """A card's SLA line: what is due and when, and whether a promise is already broken."""

    text: str
    breached: bool


def span(seconds: float) -> str:
    """'2d 3h', '3h 5m', '12m', '<1m': a duration as a card shows it."""
    minutes = int(abs(seconds) // 60)
    days, hours, mins = minutes // 1440, minutes // 60 % 24, minutes % 60
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {mins}m"
    return f"{mins}m" if mins else "<1m"


def countdown(card: BoardCard, now: datetime) -> Countdown:
    """How long until the ticket's next deadline (first response, else next escalation); breached once past."""
    if card.resolved_at is not None and card.next_due_at is None:
        return Countdown(texts.RESOLVED_AGO.format(span=span((now - card.resolved_at).total_seconds())), False)
    if card.next_due_at is None:
        return Countdown("", False)
    what = texts.NEXT_ESCALATION if card.answered else texts.FIRST_RESPONSE
    if card.answered and card.status == Status.FIX_PROVIDED.value:  # waiting for the reporter, not the team
        what = texts.CLOSES_AS_FIXED
    left = (card.next_due_at - now).total_seconds()
    if left <= 0:
        return Countdown(texts.OVERDUE.format(what=what, span=span(left)), True)
    if card.first_response_missed:
        return Countdown(texts.FIRST_RESPONSE_OWED.format(span=span(left)), True)
    return Countdown(texts.DUE_IN.format(what=what, span=span(left)), False)
