"""Who is on call: the rotation from config with the stored handoffs laid over it."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from supportbot.domain.oncall import Handoff, Rotation, Schedule, Shift
from supportbot.domain.people import Directory, Person
from supportbot.services.ports import UnitOfWork


class Roster:
    """The on-call lookup, with a copy of the handoffs that still override the rotation.

    Handoffs live in the database. `engineers()` answers without one, so it reads a copy that
    every handoff, /oncall, reminder and sweep refreshes: another replica's handoff shows
    here at the next sweep at the latest.
    """

    def __init__(self, directory: Directory, rotation: Rotation) -> None:
        self.directory = directory
        self.rotation = rotation
        self._handoffs: tuple[Handoff, ...] = ()

    async def refresh(self, uow: UnitOfWork, now: datetime) -> None:
        """Reload the handoffs that still override the rotation."""
        self._handoffs = tuple(await uow.handoffs.active(now))

    def remember(self, handoff: Handoff, handoff_id: int) -> None:
        """Lay a handoff just stored over the rotation, without reading the store again."""
        self._handoffs = (*self._handoffs, replace(handoff, id=handoff_id))

    @property
    def schedule(self) -> Schedule:
        """The rotation with the known handoffs applied."""
        return Schedule.of(self.rotation, self._handoffs)

    def shift_at(self, now: datetime) -> Shift | None:
        """The shift covering `now`, handoffs applied."""
        return self.schedule.shift_at(now)

    def engineers(self, now: datetime) -> tuple[Person, ...]:
        """The on-call engineers right now, as people."""
        shift = self.shift_at(now)
        person = self.directory.person(shift.person) if shift else None
        return (person,) if person else ()

    def team(self) -> tuple[Person, ...]:
        """Everyone in the rotation."""
        return tuple(p for n in self.rotation.people if (p := self.directory.person(n)))
