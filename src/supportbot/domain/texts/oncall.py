"""What the on-call engineers and the team read: escalation notices, /oncall, handoffs and shift reminders."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from supportbot.domain.sla import EscalationKind
from supportbot.domain.tickets import Ticket

# --- escalations ------------------------------------------------------------------------------

UNDER_A_MINUTE = "under a minute"


def span_words(span: timedelta) -> str:
    """A duration as people say it: 'under a minute', '45m', '2h 5m', '3d 4h' (cut down, never up)."""
    minutes = max(0, int(span.total_seconds() // 60))
    if not minutes:
        return UNDER_A_MINUTE
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    return f"{minutes}m"


def escalation_notice(
    kind: EscalationKind, ticket: Ticket, *, product_name: str | None, now: datetime, local: Callable[[datetime], str],
    due: datetime | None = None,
) -> str:
    """The notice a missed promise sends: what was promised, since when, and the ticket's title."""
    where = product_name or "no product"
    if kind is EscalationKind.EMERGENCY_UNANSWERED:
        return (f"🚨 Emergency #{ticket.number} ({where}) has had no response for "
                f"{span_words(now - ticket.created_at)}. On-call team, please take it: {ticket.title}")
    if kind is EscalationKind.EMERGENCY_IDLE:
        idle = span_words(now - (ticket.last_activity_at or ticket.created_at))
        return (f"🚨 Emergency #{ticket.number} ({where}) is {ticket.status.marker} {ticket.status.label} "
                f"with no activity for {idle}. On-call team, please follow up: {ticket.title}")
    if kind is EscalationKind.FIRST_RESPONSE_MISSED:
        promised = f", due {local(due)}" if due else ""
        return (f"⏰ Ticket #{ticket.number} ({where}) missed its first response{promised}. "
                f"Please prioritise it: {ticket.title}")
    since = local(ticket.last_activity_at or ticket.created_at)
    return (f"💤 Ticket #{ticket.number} ({where}) is {ticket.status.marker} {ticket.status.label} "
            f"with no activity since {since}. Please move it forward: {ticket.title}")


def security_escalation_notice(kind: EscalationKind, ticket: Ticket, *, now: datetime) -> str:
    """The team chat's copy of a security emergency's escalation: the clock, never the report."""
    if kind is EscalationKind.EMERGENCY_UNANSWERED:
        late = f"has had no response for {span_words(now - ticket.created_at)}"
    else:
        late = (f"is {ticket.status.marker} {ticket.status.label} with no activity for "
                f"{span_words(now - (ticket.last_activity_at or ticket.created_at))}")
    return (f"🚨🛡 Security emergency #{ticket.number} {late}. On-call team, please join the security team: "
            f"details in the security chat.")


# --- on call ----------------------------------------------------------------------------------

ONCALL_EMPTY = "Nobody is on call: the rotation is empty."
HANDOFF_REFUSED = "Only the on-call engineer ({person}) or an admin can hand the shift over."
HANDOFF_TO_SELF = "{person} is already on call; name who takes the shift over."
KEEP_NOT_HELD = "Ticket #{number} is {holder}; you can only keep a ticket you hold (/take {number} first)."
KEEP_RESOLVED = "Ticket #{number} is resolved; there is nothing to keep."
KEEP_DONE = "📌 Ticket #{number} stays with you through your next handoff."
KEEP_ALREADY = "📌 Ticket #{number} already stays with you through your next handoff."
KEEP_HISTORY = "through the next handoff"
KEEP_HOLDER = "assigned to {person}"
KEEP_NO_HOLDER = "not assigned"


def keep_notice(number: int, holder: str, owners: Sequence[str]) -> str:
    """What the product owner hears when the on-call engineer keeps their ticket through a handoff."""
    to = f"{', '.join(owners)}: " if owners else ""
    return f"📌 {to}{holder} stays with ticket #{number} through the next shift handoff."


def oncall_now(person: str, until: str, *, handed_by: str | None, following: tuple[str, str] | None) -> str:
    """/oncall: who is on call, until when, and who comes next."""
    by = f" (handed over by {handed_by})" if handed_by else ""
    text = f"📟 On call now: {person} until {until}{by}."
    if following:
        text += f"\nNext: {following[0]} from {following[1]}."
    return text


def ticket_numbers(numbers: Sequence[int]) -> str:
    """'#3, #7' or 'none'."""
    return ", ".join(f"#{n}" for n in numbers) or "none"


def handoff_summary(
    *, by: str, from_person: str, to_person: str, until: str, notes: str, handed: Sequence[int],
    kept: Sequence[int], emergencies: Sequence[tuple[int, str | None]],
) -> str:
    """What the team chat sees after /handoff: who has the shift now, what moved, what stayed, what burns."""
    whose = "the" if by == from_person else f"{from_person}'s"
    lines = [f"🔁 {by} handed {whose} on-call shift over to {to_person} until {until}."]
    if notes:
        lines.append(f"Notes: {notes}")
    lines.append(f"Handed over: {ticket_numbers(handed)}")
    lines.append(f"Kept by {from_person}: {ticket_numbers(kept)}")
    burning = ", ".join(f"#{n} ({who or 'unassigned'})" for n, who in emergencies) or "none"
    lines.append(f"Open emergencies: {burning}")
    return "\n".join(lines)


def handoff_done(to_person: str, until: str) -> str:
    """The reply to /handoff when the summary went to the team chat."""
    return f"🔁 {to_person} is on call now, until {until}. The summary is in the team chat."


def handoff_history(from_person: str, to_person: str, notes: str) -> str:
    """The history line of a ticket moved by a handoff."""
    return f"{from_person} → {to_person}" + (f": {notes}" if notes else "")


def shift_reminder(person: str, ends: str, *, following: str | None, tickets: Sequence[int]) -> str:
    """The reminder an on-call engineer gets before their shift ends."""
    nxt = f"; {following} is next" if following else ""
    held = "You hold no open tickets."
    if tickets:
        held = f"You hold {len(tickets)} open ticket(s): {ticket_numbers(tickets)}."
    return (f"⏰ {person}, your on-call shift ends {ends}{nxt}. {held}\n"
            f"Hand over with /handoff <person> [notes]; keep a ticket with /keep <id>.")
