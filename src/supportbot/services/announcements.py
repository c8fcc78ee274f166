"""Who hears of a ticket and who is tagged: a new ticket, a new emergency, a broken promise.

Emergencies tag the on-call engineers and the product owners as they open, then the whole on-call team
(and its Discord role) as they escalate; normal tickets name their owners. A security ticket's words
stay in the security chat: the team chat hears the number alone."""

from __future__ import annotations

from datetime import datetime

from supportbot.domain import texts
from supportbot.domain.people import Person, Role
from supportbot.domain.sla import EscalationKind
from supportbot.domain.ticket_states import Severity
from supportbot.domain.tickets import Ticket
from supportbot.services.context import Deps
from supportbot.services.notify import mentions_of, team_role_mention
from supportbot.services.outbox import Mention, OutboxItem

EMERGENCY_KINDS = frozenset({EscalationKind.EMERGENCY_UNANSWERED, EscalationKind.EMERGENCY_IDLE})


def opened(deps: Deps, ticket: Ticket, exposed: tuple[str, ...], now: datetime) -> list[OutboxItem]:
    """Tell the team of a new ticket: an emergency tags the on-call engineers and owners at once;
    otherwise the owner is named. A security ticket is told to the security chat."""
    if ticket.security:
        notice = texts.security_notice(ticket, list(exposed))
        if ticket.severity is Severity.EMERGENCY:
            return security_emergency(deps, ticket, notice, now)
        return deps.notifier.to_security(notice, ticket=ticket,
                                         mentions=mentions_of(deps.directory.with_role(Role.SECURITY)))
    return announce(deps, ticket, now)


def announce(deps: Deps, ticket: Ticket, now: datetime) -> list[OutboxItem]:
    """The announcement of a ticket as it opens, or again as it is raised to an emergency."""
    if ticket.security:  # its words are for the security chat alone
        if ticket.severity is not Severity.EMERGENCY:
            return []
        return security_emergency(deps, ticket, texts.new_emergency_notice(ticket, deps.notifier.product_name(ticket)),
                                  now)
    owners = deps.directory.owners_of(ticket.product)
    name = deps.notifier.product_name(ticket)
    if ticket.severity is not Severity.EMERGENCY:
        return deps.notifier.to_team(texts.new_ticket_notice(ticket, name, [o.name for o in owners]), ticket=ticket)
    mentions = mentions_of([*on_call_engineers(deps, now), *owners])
    text = texts.new_emergency_notice(ticket, name)
    key = _opening_key(ticket)
    return [*deps.notifier.to_team(text, ticket=ticket, mentions=mentions, dedupe=key),
            *deps.notifier.to_ticket(ticket, text, mentions=mentions, dedupe=key)]


def security_emergency(deps: Deps, ticket: Ticket, private_text: str, now: datetime) -> list[OutboxItem]:
    """The security chat gets the words and tags its team; the team chat tags the on-call engineers
    with the number alone."""
    on_call = on_call_engineers(deps, now)
    security = deps.directory.with_role(Role.SECURITY)
    key = _opening_key(ticket)
    notice = texts.security_emergency_notice(ticket, on_call=[p.name for p in on_call],
                                             security=[p.name for p in security])
    return [*deps.notifier.to_security(private_text, ticket=ticket, mentions=mentions_of(security), dedupe=key),
            *deps.notifier.to_team(notice, ticket=ticket, mentions=mentions_of(on_call), dedupe=key)]


def escalated(deps: Deps, ticket: Ticket, kind: EscalationKind, level: int, now: datetime) -> list[OutboxItem]:
    """One notice in the ticket's conversation and the team chat, under one key per level."""
    notifier = deps.notifier
    # Only a missed first response says when it was due.
    due = deps.clocks.first_response_due(ticket) if kind is EscalationKind.FIRST_RESPONSE_MISSED else None
    text = texts.escalation_notice(kind, ticket, product_name=notifier.product_name(ticket), now=now,
                                   local=deps.clocks.calendar.format_local, due=due)
    mentions = escalation_tags(deps, ticket, kind, now)
    key = f"ticket:{ticket.id}:{kind.value}:{level}"
    items = notifier.to_ticket(ticket, text, mentions=mentions, dedupe=key)
    if not ticket.security:
        items += notifier.to_team(text, ticket=ticket, mentions=mentions, dedupe=key)
    elif kind in EMERGENCY_KINDS:
        # The on-call team is called in too, but the report's words stay in the security chat.
        items += notifier.to_team(texts.security_escalation_notice(kind, ticket, now=now), ticket=ticket,
                                  mentions=on_call_team(deps, now), dedupe=key)
    return items


def moved(deps: Deps, ticket: Ticket, old_product: str | None, actor: str) -> list[OutboxItem]:
    """A ticket moved to another product: the team chat hears it with the new product's owners, tagged for an
    emergency (the on-call engineer giving an emergency its product calls its owner in), named otherwise. A
    security ticket's move is told to the security chat alone, without tags."""
    owners = deps.directory.owners_of(ticket.product)
    old = deps.directory.product(old_product) if old_product else None
    new_name = deps.notifier.product_name(ticket) or str(ticket.product)
    tagged = ticket.severity is Severity.EMERGENCY and not ticket.security
    text = texts.product_moved_notice(ticket, actor=actor, old_name=old.name if old else old_product,
                                      new_name=new_name, owners=[o.name for o in owners], tagged=tagged)
    if ticket.security:
        return deps.notifier.to_security(text, ticket=ticket)
    return deps.notifier.to_team(text, ticket=ticket, mentions=mentions_of(owners) if tagged else ())


def escalation_tags(deps: Deps, ticket: Ticket, kind: EscalationKind, now: datetime) -> tuple[Mention, ...]:
    """Who a notice tags: the on-call team for emergencies, else the product owners (security: its team)."""
    directory = deps.directory
    if ticket.security:
        return mentions_of(directory.with_role(Role.SECURITY))
    if kind in EMERGENCY_KINDS:
        return on_call_team(deps, now)
    return deps.notifier.owner_mentions(ticket.product)


def on_call_engineers(deps: Deps, now: datetime) -> tuple[Person, ...]:
    """Who is on call now (none without a rotation)."""
    return deps.oncall.engineers(now) if deps.oncall else ()


def on_call_team(deps: Deps, now: datetime) -> tuple[Mention, ...]:
    """The on-call engineers, then the rest of the rotation (and the Discord team role)."""
    oncall = deps.oncall
    people = [*oncall.engineers(now), *oncall.team()] if oncall else deps.directory.with_role(Role.ENGINEER)
    role = team_role_mention(deps.directory)
    return mentions_of(people) + ((role,) if role else ())


def _opening_key(ticket: Ticket) -> str:
    return f"ticket:{ticket.id}:emergency_opened:{ticket.escalation_level}"
