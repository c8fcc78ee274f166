"""The on-call rotation: whose shift it is at any instant, before handoffs are applied."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Shift:
    person: str
    starts: datetime
    ends: datetime


@dataclass(frozen=True)
class Rotation:
    """People take shifts of equal length in turn, from `starts` on (and, going back, before it)."""

    people: tuple[str, ...]
    shift: timedelta
    starts: datetime

    def shift_at(self, instant: datetime) -> Shift | None:
        """The scheduled shift covering `instant`, or None with nobody in the rotation."""
        if not self.people:
            return None
        index = (instant - self.starts) // self.shift
        begins = self.starts + index * self.shift
        return Shift(self.people[index % len(self.people)], begins, begins + self.shift)

    def following(self, shift: Shift) -> Shift | None:
        """The shift right after `shift`."""
        return self.shift_at(shift.ends)
