"""The playbook's clocks applied to stored tickets: deadlines recomputed on every change."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from supportbot.domain.calendar import BusinessCalendar
from supportbot.domain.durations import Duration
from supportbot.domain.sla import ClockState, Deadlines, Policy, deadlines
from supportbot.domain.ticket_states import Severity
from supportbot.domain.tickets import Ticket


@dataclass
class Clocks:
    """Deadlines of tickets under one calendar and policy."""

    calendar: BusinessCalendar
    policy: Policy
    # One change asks for the same deadlines several times (store, card, reply): compute them once.
    _cached: Callable[[ClockState], Deadlines] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        sums = _RememberedSums(self.calendar)
        self._cached = lru_cache(maxsize=4096)(lambda state: deadlines(state, policy=self.policy, calendar=sums))

    def deadlines(self, ticket: Ticket) -> Deadlines:
        """The ticket's first-response deadline and next escalation."""
        state = ClockState(
            severity=ticket.severity, status=ticket.status, created_at=ticket.created_at,
            first_response_at=ticket.first_response_at,
            last_activity_at=ticket.last_activity_at or ticket.created_at,
            last_escalation_at=ticket.last_escalation_at,
            first_response_missed_notified=ticket.first_response_missed_notified,
        )
        return self._cached(state)

    def recompute(self, ticket: Ticket) -> None:
        """Store the earliest deadline as the ticket's next due instant (None once resolved)."""
        due = self.deadlines(ticket).next_due
        if ticket.next_due_at != due:  # an unchanged ticket stays clean: nothing to write at commit
            ticket.next_due_at = due

    def first_response_due(self, ticket: Ticket) -> datetime | None:
        """When the first response is due, while none has been given."""
        return self.deadlines(ticket).first_response_due

    def back_at(self, ticket: Ticket, now: datetime) -> str | None:
        """For a normal ticket opened outside business hours: when the team is back, in local time."""
        if ticket.severity is Severity.EMERGENCY or self.calendar.is_business_instant(now):
            return None
        return self.calendar.format_local(self.calendar.next_business_instant(now))


class _RememberedSums:
    """The calendar's sums, remembered: a ticket's deadlines are worked out again after each change from mostly
    the same instants (its creation, its last activity), and a sum of business days walks the calendar day by day."""

    def __init__(self, calendar: BusinessCalendar) -> None:
        self._add = lru_cache(maxsize=8192)(calendar.add)

    def add(self, start: datetime, span: Duration) -> datetime:
        return self._add(start, span)
