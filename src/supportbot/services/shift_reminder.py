"""The scheduled end-of-shift reminder: the on-call engineer hears of their open tickets once per shift."""

from __future__ import annotations

from datetime import timedelta

from supportbot.domain import texts
from supportbot.services.context import Deps
from supportbot.services.notify import mention_of
from supportbot.services.oncall_roster import Roster

# More open tickets than one person can hold; the reminder lists all of them.
MAX_HELD = 10_000


class ShiftReminder:
    """Before a shift ends, reminds its engineer of the tickets they hold."""

    def __init__(self, deps: Deps, roster: Roster, *, remind_before: timedelta = timedelta(hours=1)) -> None:
        self.deps = deps
        self.roster = roster
        self.remind_before = remind_before

    async def remind(self) -> int:
        """Remind the engineer whose shift ends soon, once per shift; returns reminders sent."""
        now = self.deps.clock.now()
        async with self.deps.uow() as uow:
            await self.roster.refresh(uow, now)
            shift = self.roster.shift_at(now)
            if shift is None or not shift.ends - self.remind_before <= now < shift.ends:
                return 0
            key = f"shift-reminder:{shift.person}:{int(shift.ends.timestamp())}"
            # Stored with the reminder in one transaction, so a restart or another replica finds it.
            if not await uow.handled.add(key, now):
                return 0
            held = await uow.tickets.list(open_only=True, assignee=shift.person, limit=MAX_HELD)
            following = self.roster.schedule.following(shift)
            person = self.deps.directory.person(shift.person)
            text = texts.shift_reminder(
                shift.person, self.deps.clocks.calendar.format_local(shift.ends),
                following=following.person if following else None, tickets=[t.number for t in held],
            )
            mentions = [mention_of(person)] if person else []
            await uow.outbox.add_many(self.deps.notifier.to_team(text, mentions=mentions, dedupe=key))
            await uow.commit()
        return 1
