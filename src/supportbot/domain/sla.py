"""SLA clocks: when a ticket's first response is due, when it next escalates, and when a 🟡 ticket whose
reporter never answered resolves as fixed."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from supportbot.domain.durations import Duration, parse_duration
from supportbot.domain.ticket_states import Severity, Status


@dataclass(frozen=True)
class Policy:
    """The playbook's numbers; every one is a config default, not a constant."""

    emergency_first_response: Duration = parse_duration("1h")
    emergency_escalate_every: Duration = parse_duration("1h")
    normal_first_response: Duration = parse_duration("1bd")
    normal_stagnant_after: Duration = parse_duration("5bd")
    # 🟡 without the reporter's answer (or any activity) for this long resolves as fixed.
    confirm_after: Duration = parse_duration("3bd")


class EscalationKind(str, enum.Enum):
    EMERGENCY_UNANSWERED = "emergency_unanswered"  # emergency, no first response yet
    EMERGENCY_IDLE = "emergency_idle"  # emergency answered, but no activity for escalate_every
    FIRST_RESPONSE_MISSED = "first_response_missed"  # normal ticket, first response deadline passed
    STAGNANT = "stagnant"  # normal ticket, no activity for stagnant_after
    # 🟡 and no answer for confirm_after: not a notice, the sweep resolves the ticket as fixed.
    CONFIRMATION_EXPIRED = "confirmation_expired"

    @property
    def repeats(self) -> bool:
        """True for notices that fire again after an interval (all but a missed first response)."""
        return self is not EscalationKind.FIRST_RESPONSE_MISSED

    @property
    def resolves(self) -> bool:
        """True when the deadline resolves the ticket instead of tagging someone."""
        return self is EscalationKind.CONFIRMATION_EXPIRED


@dataclass(frozen=True)
class ClockState:
    """What the SLA clocks need to know about a ticket; all instants timezone-aware."""

    severity: Severity
    status: Status
    created_at: datetime
    first_response_at: datetime | None
    last_activity_at: datetime
    # When the last repeating notice (emergency_* or stagnant) fired.
    last_escalation_at: datetime | None = None
    first_response_missed_notified: bool = False
    fix_provided_at: datetime | None = None  # when it last moved to 🟡

    @property
    def answered(self) -> bool:
        """True once a team member has responded."""
        return self.first_response_at is not None


@dataclass(frozen=True)
class Deadlines:
    """The instants the desk promises, in UTC."""

    first_response_due: datetime | None  # None once answered or resolved
    next_escalation_at: datetime | None  # None when resolved
    next_kind: EscalationKind | None

    @property
    def next_due(self) -> datetime | None:
        """The instant the sweep should next look at this ticket, or None."""
        return self.next_escalation_at


class AddsDurations(Protocol):
    """What the clocks need of a calendar: an instant plus a configured duration (BusinessCalendar.add)."""

    def add(self, start: datetime, span: Duration) -> datetime: ...


NO_DEADLINES = Deadlines(first_response_due=None, next_escalation_at=None, next_kind=None)


def deadlines(state: ClockState, *, policy: Policy, calendar: AddsDurations) -> Deadlines:
    """The first-response deadline and the next escalation for a ticket in `state`."""
    if state.status is Status.RESOLVED:
        return NO_DEADLINES
    if state.severity is Severity.EMERGENCY:
        found = _emergency(state, policy, calendar)
    else:
        found = _normal(state, policy, calendar)
    if state.status is Status.FIX_PROVIDED:
        return _awaiting_confirmation(state, found, policy, calendar)
    return found


def is_due(d: Deadlines, now: datetime) -> bool:
    """True if the next escalation is at or before `now`."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now must be timezone-aware, got naive {now.isoformat()}")
    return d.next_escalation_at is not None and d.next_escalation_at <= now


def _emergency(state: ClockState, policy: Policy, calendar: AddsDurations) -> Deadlines:
    every = policy.emergency_escalate_every
    if state.answered:
        first_due = None
        base = calendar.add(state.last_activity_at, every)
        kind = EscalationKind.EMERGENCY_IDLE
    else:
        first_due = calendar.add(state.created_at, policy.emergency_first_response)
        base = first_due
        kind = EscalationKind.EMERGENCY_UNANSWERED
    if state.last_escalation_at is not None:
        # Counting from the last firing, not from the base, makes an overdue
        # ticket fire once after downtime instead of once per missed interval.
        base = max(base, calendar.add(state.last_escalation_at, every))
    return Deadlines(first_response_due=first_due, next_escalation_at=base, next_kind=kind)


def _awaiting_confirmation(state: ClockState, found: Deadlines, policy: Policy, calendar: AddsDurations) -> Deadlines:
    """🟡: the team has done its part and the reporter is asked to confirm, so the only clock left is the one
    that resolves it as fixed after confirm_after without activity (a reporter's reply counts); a first
    response still owed (a ticket moved to 🟡 by no team member) keeps its deadline when that comes first."""
    anchor = max(state.last_activity_at, state.fix_provided_at or state.last_activity_at)
    expires = calendar.add(anchor, policy.confirm_after)
    if (not state.answered and found.next_escalation_at is not None and found.next_escalation_at < expires
            and found.next_kind in (EscalationKind.FIRST_RESPONSE_MISSED, EscalationKind.EMERGENCY_UNANSWERED)):
        return found
    return Deadlines(first_response_due=found.first_response_due, next_escalation_at=expires,
                     next_kind=EscalationKind.CONFIRMATION_EXPIRED)


def _normal(state: ClockState, policy: Policy, calendar: AddsDurations) -> Deadlines:
    first_due = None if state.answered else calendar.add(state.created_at, policy.normal_first_response)

    # Stagnation counts from the later of the last activity and the last
    # stagnant notice, so it repeats every interval while nothing happens.
    anchor = state.last_activity_at
    if state.last_escalation_at is not None and state.last_escalation_at >= state.last_activity_at:
        anchor = state.last_escalation_at
    stagnant = calendar.add(anchor, policy.normal_stagnant_after)

    # A missed first response not yet told wins a tie with stagnation.
    if first_due is not None and not state.first_response_missed_notified and first_due <= stagnant:
        return Deadlines(first_response_due=first_due, next_escalation_at=first_due,
                         next_kind=EscalationKind.FIRST_RESPONSE_MISSED)
    return Deadlines(first_response_due=first_due, next_escalation_at=stagnant, next_kind=EscalationKind.STAGNANT)
