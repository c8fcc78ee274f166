"""The playbook's clocks applied to stored tickets: deadlines recomputed on every change."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from supportbot.domain.calendar import BusinessCalendar
from supportbot.domain.durations import Duration
from supportbot.domain.sla import ClockState, Deadlines, Policy, deadlines
from supportbot.domain.ticket_states import Severity, Status
from supportbot.domain.tickets import Ticket

# What a ticket's deadlines depend on, as the fields of ClockState in order: a plain tuple hashes and compares
# in C, where the dataclass would be built and hashed in Python on every call, found in the cache or not.
_StateKey = tuple[Severity, Status, datetime, datetime | None, datetime, datetime | None, bool, datetime | None]


@dataclass
class Clocks:
    """Deadlines of tickets under one calendar and policy."""

    calendar: BusinessCalendar
    policy: Policy
    # One change asks for the same deadlines several times (store, card, reply): compute them once.
    _cached: Callable[[_StateKey], Deadlines] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        sums = _RememberedSums(self.calendar)
        policy = self.policy

        def compute(key: _StateKey) -> Deadlines:
            return deadlines(ClockState(*key), policy=policy, calendar=sums)

        self._cached = lru_cache(maxsize=4096)(compute)

    def deadlines(self, ticket: Ticket) -> Deadlines:
        """The ticket's first-response deadline and next escalation."""
        created = ticket.created_at
        return self._cached((
            ticket.severity, ticket.status, created, ticket.first_response_at, ticket.last_activity_at or created,
            ticket.last_escalation_at, ticket.first_response_missed_notified, ticket.fix_provided_at,
        ))

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
    the same instants (its creation, its last activity), and a sum of business days walks the calendar."""

    add: Callable[[datetime, Duration], datetime]

    def __init__(self, calendar: BusinessCalendar) -> None:
        self.add = lru_cache(maxsize=8192)(calendar.add)
