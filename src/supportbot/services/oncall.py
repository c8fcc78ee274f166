"""On-call: who is on shift now, and until when."""

from __future__ import annotations

from datetime import datetime

from supportbot.domain import commands as cmd
from supportbot.domain.oncall import Rotation, Shift
from supportbot.domain.people import Person, Sender
from supportbot.services.context import Deps
from supportbot.services.ports import Reply


class OnCall:
    """The rotation from config."""

    def __init__(self, deps: Deps, rotation: Rotation) -> None:
        self.deps = deps
        self.rotation = rotation

    def shift_at(self, now: datetime) -> Shift | None:
        """The shift covering `now`."""
        return self.rotation.shift_at(now)

    def engineers(self, now: datetime) -> tuple[Person, ...]:
        """The on-call engineers right now, as people."""
        shift = self.shift_at(now)
        person = self.deps.directory.person(shift.person) if shift else None
        return (person,) if person else ()

    def team(self) -> tuple[Person, ...]:
        """Everyone in the rotation."""
        return tuple(p for n in self.rotation.people if (p := self.deps.directory.person(n)))

    async def run(self, command: cmd.Command, sender: Sender) -> Reply:
        """Answer /oncall."""
        now = self.deps.clock.now()
        shift = self.shift_at(now)
        if shift is None:
            return Reply("Nobody is on call: the rotation is empty.", ok=False)
        fmt = self.deps.clocks.calendar.format_local
        following = self.rotation.following(shift)
        nxt = f"\nNext: {following.person} from {fmt(following.starts)}." if following else ""
        return Reply(f"📟 On call now: {shift.person} until {fmt(shift.ends)}.{nxt}")
