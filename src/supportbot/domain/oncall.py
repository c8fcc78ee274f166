"""The on-call rotation: whose shift it is at any instant, with stored handoffs applied."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Handoff:
    """A shift handed over early: `to_person` is on call from `at` until `until`."""

    at: datetime
    from_person: str
    to_person: str
    notes: str
    until: datetime  # the end of the shift that was handed over
    id: int | None = None

    def covers(self, instant: datetime) -> bool:
        """True while this handoff overrides the rotation."""
        return self.at <= instant < self.until


@dataclass(frozen=True)
class Shift:
    person: str
    starts: datetime
    ends: datetime
    handoff: Handoff | None = None  # set when the shift came from a handoff


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


@dataclass(frozen=True)
class Schedule:
    """The rotation with handoffs laid over it: the latest handoff covering an instant wins."""

    rotation: Rotation
    handoffs: tuple[Handoff, ...] = ()

    @classmethod
    def of(cls, rotation: Rotation, handoffs: Iterable[Handoff]) -> Schedule:
        """A schedule from a rotation and any number of stored handoffs."""
        return cls(rotation, tuple(handoffs))

    def shift_at(self, instant: datetime) -> Shift | None:
        """Who is on call at `instant`, and from when until when."""
        covering = [h for h in self.handoffs if h.covers(instant)]
        if covering:
            latest = max(covering, key=lambda h: (h.at, h.id or 0))
            return Shift(latest.to_person, latest.at, latest.until, latest)
        return self.rotation.shift_at(instant)

    def following(self, shift: Shift) -> Shift | None:
        """The shift that starts when `shift` ends."""
        return self.shift_at(shift.ends)

    def handoff_now(self, at: datetime, to_person: str, notes: str) -> Handoff | None:
        """The handoff of the shift running at `at` to `to_person`, until that shift ends."""
        current = self.shift_at(at)
        if current is None:
            return None
        return Handoff(at=at, from_person=current.person, to_person=to_person, notes=notes, until=current.ends)
