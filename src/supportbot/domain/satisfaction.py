"""The reporter's rating of a resolved ticket ("How did we do?", 1-5): when it is asked, and how long it may change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from supportbot.domain.ticket_states import Resolution
from supportbot.domain.tickets import Ticket

SCORES = range(1, 6)


@dataclass(frozen=True)
class SatisfactionPolicy:
    """[satisfaction] from config: every number a default, not a constant."""

    enabled: bool = True
    change_within: timedelta = timedelta(days=7)  # a rating may be changed (and commented) this long after it is given
    low_score: int = 2  # at or below: the product owner is told
    ask_after: frozenset[Resolution] = frozenset({Resolution.FIXED, Resolution.ANSWERED})

    def asks(self, ticket: Ticket) -> bool:
        """Whether the reporter of this resolved ticket is asked to rate it (never for a security ticket)."""
        return (self.enabled and not ticket.security and ticket.resolution is not None
                and ticket.resolution in self.ask_after)

    def is_low(self, score: int) -> bool:
        """True for a score the product owner hears about."""
        return score <= self.low_score


@dataclass
class Rating:
    """One ticket's rating: a score, changeable for a while, and the reporter's optional comment."""

    ticket_id: int
    score: int
    rated_at: datetime
    updated_at: datetime
    comment: str | None = None
    id: int | None = None

    def open_until(self, policy: SatisfactionPolicy) -> datetime:
        """Until when the score may change and a comment be added."""
        return self.rated_at + policy.change_within

    def may_change(self, now: datetime, policy: SatisfactionPolicy) -> bool:
        """True while the rating may still be changed."""
        return now <= self.open_until(policy)
