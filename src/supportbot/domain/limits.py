"""Limits against floods at intake: how many tickets one reporter may open in a window."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class TicketLimit:
    """At most `per_user` new tickets from one reporter in any `window`; 0 turns the limit off.

    Team members (on-call engineers included) are never limited: the desk does not ask."""

    per_user: int = 0
    window: timedelta = timedelta(minutes=10)

    @property
    def on(self) -> bool:
        """True when reporters are limited at all."""
        return self.per_user > 0

    def since(self, now: datetime) -> datetime:
        """The start of the window ending now: tickets opened after it count."""
        return now - self.window

    def back_at(self, recent: Sequence[datetime]) -> datetime | None:
        """When a reporter may open a ticket again, given when their latest tickets in the window were
        opened (at most `per_user` of them); None when they may now.

        The reporter is free again once the oldest of those leaves the window."""
        if not self.on or len(recent) < self.per_user:
            return None
        return min(recent) + self.window
