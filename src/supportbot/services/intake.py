"""From a chat message to a stored ticket: new reports, follow-ups, edits and exposed secrets."""

from __future__ import annotations

import logging
import re

from supportbot.domain import texts
from supportbot.domain.intake import Classification, classify, extract_report, looks_like_security, title_from
from supportbot.domain.people import ChannelKind, Place
from supportbot.domain.secret_detection import SecretScan
from supportbot.domain.ticket_states import Severity
from supportbot.domain.tickets import Ticket
from supportbot.services import faq, reactions, satisfaction, ticket_limit
from supportbot.services.context import Deps
from supportbot.services.outbox import DirectMessage, MessageLink, OutboxItem
from supportbot.services.ports import IncomingMessage, TicketEvent, UnitOfWork

log = logging.getLogger(__name__)


async def find_ticket(uow: UnitOfWork, msg: IncomingMessage) -> Ticket | None:
    """The ticket a message belongs to: by the message it replies to, or by its thread."""
    ticket_id = None
    if msg.reply_to is not None:
        ticket_id = await uow.messages.ticket_for(msg.platform, msg.chat_id, msg.reply_to)
    if ticket_id is None and msg.thread_id is not None:
        ticket_id = await uow.messages.ticket_for_thread(msg.platform, msg.chat_id, msg.thread_id)
    return await uow.tickets.get(ticket_id) if ticket_id is not None else None


def guess_product(deps: Deps, place: Place, text: str) -> str | None:
    """The place's product; elsewhere (the emergency channel, a private /report) the one product the text
    names by key or name as whole words, and None when it names none or several: the on-call engineer
    then sets it with /product, which calls that product's owners in."""
    if place.product:
        return place.product
    words = text.casefold()
    named = {product.key for product in deps.directory.products
             if any(re.search(rf"(?<!\w){re.escape(word.casefold())}(?!\w)", words)
                    for word in (product.key, product.name))}
    return named.pop() if len(named) == 1 else None


async def receive(deps: Deps, msg: IncomingMessage, place: Place, *, scanned: SecretScan | None = None) -> Ticket | None:
    """Handle a non-command message in a configured chat; returns the ticket it touched, if any.

    `scanned` is scan(msg.text) when the caller looked for secrets already."""
    found = classify(msg.text, has_attachment=msg.has_attachment, scanned=scanned)
    async with deps.uow() as uow:
        if msg.edited:
            edited_ticket = await uow.messages.ticket_for(msg.platform, msg.chat_id, msg.message_id)
            if edited_ticket is not None:
                return await _edited(deps, uow, msg, found, edited_ticket)
        # No lookup of the message itself first: a redelivery is caught by the unique link every stored
        # message gets, which raises DuplicateMessage and rolls the whole transaction back.
        ticket = await find_ticket(uow, msg)
        if found.secrets and place.kind in (ChannelKind.PRODUCT, ChannelKind.EMERGENCY):
            return await _commit(uow, await open_security(deps, uow, msg, place, found))
        if ticket is not None:
            return await _commit(uow, await follow_up(deps, uow, msg, ticket, found, place))
        if place.kind not in (ChannelKind.PRODUCT, ChannelKind.EMERGENCY) or msg.edited:
            return None
        if not found.chatter and (back_at := await ticket_limit.free_again_at(deps, uow, msg.sender)):
            await ticket_limit.refuse_message(deps, uow, msg, back_at)
            return await _commit(uow, None)
        if found.security and not msg.sender.is_team:
            return await _commit(uow, await open_security(deps, uow, msg, place, found))
        if msg.sender.is_team or found.chatter:
            return None
        severity = Severity.EMERGENCY if place.kind is ChannelKind.EMERGENCY else Severity.NORMAL
        ticket = await open_ticket(deps, uow, msg, severity=severity, product=guess_product(deps, place, msg.text),
                                   found=found)
        return await _commit(uow, ticket)


async def _commit(uow: UnitOfWork, ticket: Ticket | None) -> Ticket | None:
    await uow.commit()
    return ticket


async def open_ticket(
    deps: Deps, uow: UnitOfWork, msg: IncomingMessage, *, severity: Severity, product: str | None,
    found: Classification, text: str | None = None,
) -> Ticket:
    """Store a new ticket with its report link, history and acknowledgement; raises DuplicateMessage on redelivery."""
    body = msg.text if text is None else text
    ticket = Ticket(
        number=await uow.tickets.next_number(), product=product, severity=severity,
        title=title_from(body), body=body, reporter_platform=msg.platform, reporter_id=msg.sender.user_id,
        reporter_name=msg.sender.name, created_at=deps.clock.now(), source_platform=msg.platform,
        source_chat_id=msg.chat_id, source_message_id=msg.message_id, thread_id=msg.thread_id,
        missing=found.info.missing(), interactions=1,
    ).opened(msg.sender.name)
    deps.clocks.recompute(ticket)
    await uow.tickets.add(ticket)
    await uow.messages.add(MessageLink(msg.platform, msg.chat_id, msg.message_id, ticket.stored_id, "report", msg.thread_id))
    await reactions.react(deps, uow, ticket, msg.sender.name)
    await faq.suggest(deps, uow, ticket)  # after the acknowledgement, in the same conversation
    return ticket


def message_kind(msg: IncomingMessage, place: Place) -> str:
    """The history kind of a message in a ticket's conversation: the reporter's side ("message"), a team
    member's reply where the reporter reads it ("reply": the public tracker shows these), or the team
    talking among itself in a team or security chat ("team_message")."""
    if not msg.sender.is_team:
        return "message"
    return "reply" if place.kind in (ChannelKind.PRODUCT, ChannelKind.EMERGENCY) else "team_message"


async def follow_up(deps: Deps, uow: UnitOfWork, msg: IncomingMessage, ticket: Ticket,
                    found: Classification, place: Place) -> Ticket | None:
    """A message in a ticket's conversation: counts as activity, and a team member's as the response."""
    # A redelivery raises DuplicateMessage: the desk rolls the whole event back and ignores it.
    await uow.messages.add(MessageLink(msg.platform, msg.chat_id, msg.message_id, ticket.stored_id,
                                       "follow_up", msg.thread_id))
    now = deps.clock.now()
    if not msg.sender.is_team and await satisfaction.take_comment(deps, uow, ticket, msg.sender, found.redacted, now):
        return ticket  # the reporter's word on how it went, not a new turn of the conversation
    ticket.record_activity(now, by_team=msg.sender.is_team)
    if not msg.sender.is_team and ticket.missing:
        still = set(extract_report(f"{ticket.body}\n{msg.text}", has_attachment=msg.has_attachment).missing())
        ticket.missing = [item for item in ticket.missing if item in still]
    # In a team or security chat a secret is not taken out of view, but history never keeps it.
    await uow.events.add(TicketEvent(ticket.stored_id, now, msg.sender.name, message_kind(msg, place),
                                     title_from(found.redacted, 120)))
    await faq.solved_by_reporter(deps, uow, ticket, msg.sender, found.redacted, now)
    await reactions.react(deps, uow, ticket, msg.sender.name)
    return ticket


async def _edited(deps: Deps, uow: UnitOfWork, msg: IncomingMessage, found: Classification,
                  ticket_id: int) -> Ticket | None:
    """An edit of a stored message (of the ticket `ticket_id`): the report's text and checklist follow it."""
    ticket = await uow.tickets.get(ticket_id)
    if ticket is None:
        return None
    now = deps.clock.now()
    if found.secrets:
        await uow.outbox.add_many(_protect(deps, msg, ticket))
        await uow.events.add(TicketEvent(ticket.stored_id, now, msg.sender.name, "edited", texts.EDIT_EXPOSED_SECRET))
        await uow.commit()
        return ticket
    if ticket.source_message_id == msg.message_id and ticket.source_chat_id == msg.chat_id:
        ticket.edit_report(msg.text, title_from(msg.text), found.info.missing() if ticket.missing else [], now)
        await reactions.react(deps, uow, ticket, msg.sender.name)
    await uow.events.add(TicketEvent(ticket.stored_id, now, msg.sender.name, "edited", title_from(msg.text, 120)))
    await uow.commit()
    return ticket


async def open_security(
    deps: Deps, uow: UnitOfWork, msg: IncomingMessage, place: Place, found: Classification, *,
    emergency: bool = False,
) -> Ticket:
    """Take a security report out of public view: remove exposed secrets, point to the private route, tell security.

    Declared with /emergency, or worded as a security report in the emergency channel, it is an
    emergency: the 24/7 clock, and the on-call engineers are tagged too, in the team chat, without
    the report's words. A bare exposed secret there is a leak to clean up, not an attack to stop."""
    body = found.redacted  # of msg.text
    reported = place.kind is ChannelKind.EMERGENCY and looks_like_security(body)
    severity = Severity.EMERGENCY if emergency or reported else Severity.NORMAL
    ticket = Ticket(
        number=await uow.tickets.next_number(), product=place.product, severity=severity,
        title=title_from(body), body=body, reporter_platform=msg.platform, reporter_id=msg.sender.user_id,
        reporter_name=msg.sender.name, created_at=deps.clock.now(), source_platform=msg.platform,
        source_chat_id=msg.chat_id, source_message_id=msg.message_id, security=True, interactions=1,
    ).opened(msg.sender.name, exposed=tuple(kind.value for kind in found.secrets))
    deps.clocks.recompute(ticket)
    await uow.tickets.add(ticket)
    await uow.messages.add(MessageLink(msg.platform, msg.chat_id, msg.message_id, ticket.stored_id, "report"))
    await uow.outbox.add_many(_answer_security_report(deps, msg, place, ticket, found))
    await reactions.react(deps, uow, ticket, msg.sender.name)  # its cards and notices go to the security chat
    return ticket


def _answer_security_report(deps: Deps, msg: IncomingMessage, place: Place, ticket: Ticket,
                            found: Classification) -> list[OutboxItem]:
    """Where the report was made: exposed secrets removed, an attack in progress taken out of the open,
    and the reporter pointed to the private route."""
    public = place.kind in (ChannelKind.PRODUCT, ChannelKind.EMERGENCY)
    if found.secrets:
        return _protect(deps, msg, ticket)
    if ticket.severity is Severity.EMERGENCY:
        removed = [_delete(deps, msg, ticket)] if public else []  # an attack is not discussed in the open
        return [*removed, deps.notifier.say(
            platform=msg.platform, chat_id=msg.chat_id, thread_id=msg.thread_id,
            reply_to=None if public else msg.message_id, ticket=ticket,
            text=texts.SECURITY_EMERGENCY_REPLY.format(url=deps.disclosure_url))]
    return [deps.notifier.say(platform=msg.platform, chat_id=msg.chat_id, reply_to=msg.message_id,
                              text=texts.SECURITY_REPLY.format(url=deps.disclosure_url), ticket=ticket)]


def _delete(deps: Deps, msg: IncomingMessage, ticket: Ticket) -> OutboxItem:
    """The removal of a message from public view (the security chat hears if it fails)."""
    return deps.notifier.delete(platform=msg.platform, chat_id=msg.chat_id, message_id=msg.message_id,
                                ticket=ticket, thread_id=msg.thread_id)


def _protect(deps: Deps, msg: IncomingMessage, ticket: Ticket) -> list[OutboxItem]:
    """Delete the exposing message and send the reporter the disclosure route, privately when possible."""
    return [_delete(deps, msg, ticket), deps.notifier.say(
        platform=msg.platform, chat_id=msg.chat_id, ticket=ticket,
        text=texts.SECRET_REPLY.format(url=deps.disclosure_url),
        direct=DirectMessage(msg.sender.user_id, texts.SECRET_PUBLIC_REPLY.format(url=deps.disclosure_url)),
    )]
