"""Who may do what (ARCHITECTURE §2, §6): the team acts, reporters report and follow their own."""

from __future__ import annotations

from supportbot.domain.people import Role, Sender
from supportbot.domain.tickets import NotAllowed, Ticket

TEAM_ONLY = frozenset({
    "tickets", "status", "take", "assign", "pr", "note", "severity", "resolve", "keep", "faq", "stats", "dashboard",
    "priority", "product", "backlog",
})


def require_team(sender: Sender, command: str) -> None:
    """Raise NotAllowed unless the sender is on the team."""
    if not sender.is_team:
        raise NotAllowed(f"Only the support team can use /{command}.")


def is_reporter(sender: Sender, ticket: Ticket) -> bool:
    """True when the sender opened this ticket."""
    return sender.platform == ticket.reporter_platform and sender.user_id == ticket.reporter_id


def sees_security(sender: Sender) -> bool:
    """Security tickets are for the security team (and admins) alone."""
    person = sender.person
    return person is not None and bool({Role.SECURITY, Role.ADMIN} & person.roles)


def can_see(sender: Sender, ticket: Ticket) -> bool:
    """True when the sender may read this ticket: its reporter, or the team (security: the security team)."""
    if is_reporter(sender, ticket):
        return True
    if ticket.security:
        return sees_security(sender)
    return sender.is_team


def can_act(sender: Sender, ticket: Ticket) -> bool:
    """True when the sender may change this ticket (team; security tickets need the security team)."""
    return sender.is_team and (not ticket.security or sees_security(sender))


def can_reopen(sender: Sender, ticket: Ticket) -> bool:
    """The team may reopen any ticket it can act on; a reporter their own."""
    return can_act(sender, ticket) or is_reporter(sender, ticket)


# Triage (/priority) is the product side's call: owners, engineers and admins, not a security-only member.
TRIAGERS = frozenset({Role.OWNER, Role.ENGINEER, Role.ADMIN})


def can_triage(sender: Sender) -> bool:
    """True for the team members who may set a ticket's priority: owners, engineers and admins."""
    person = sender.person
    return person is not None and bool(TRIAGERS & person.roles)


def can_hand_off(sender: Sender, on_call: str | None) -> bool:
    """The on-call engineer hands their own shift over; an admin may hand over anyone's."""
    person = sender.person
    if person is None:
        return False
    return Role.ADMIN in person.roles or (on_call is not None and person.name == on_call)
