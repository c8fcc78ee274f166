"""The sweep: every ticket whose promise is broken gets its escalation notice, once per level; a 🟡 ticket whose
reporter never answered is resolved as fixed."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime

from supportbot.domain import texts
from supportbot.domain.people import Person
from supportbot.domain.sla import is_due
from supportbot.domain.tickets import Ticket
from supportbot.services import confirmation, reactions
from supportbot.services.context import Deps
from supportbot.services.ports import OnCallLookup, UnitOfWork

log = logging.getLogger(__name__)

# At one instant a ticket can owe at most a missed first response and a stagnant notice; a third
# firing would mean the rules failed to move the deadline forward.
MAX_FIRINGS_PER_TICKET = 3
DEFAULT_BATCH = 200


class Sweeper:
    """Claims due tickets in batches and writes their escalation notices, one transaction per batch."""

    def __init__(self, deps: Deps, *, batch: int = DEFAULT_BATCH) -> None:
        if batch < 1:
            raise ValueError("a sweep batch needs at least one ticket")
        self.deps = deps
        self.batch = batch

    async def sweep(self) -> int:
        """Fire every escalation due now; returns the number of notices written."""
        now = self.deps.clock.now()
        written = 0
        first = True
        while True:
            async with self.deps.uow() as uow:
                deps = self.deps
                if deps.oncall is not None:
                    if first:
                        await deps.oncall.refresh(uow, now)  # who to tag, with handoffs made elsewhere
                    deps = replace(deps, oncall=_OnCallAt.of(deps.oncall, now))
                first = False
                claimed = await uow.tickets.claim_due(now, self.batch)
                effects = reactions.Effects()
                expired: list[Ticket] = []
                for ticket in claimed:
                    if self._escalate(ticket, now):
                        expired.append(ticket)
                        continue
                    effects.extend(reactions.follow(deps, ticket, texts.BOT_ACTOR))
                # One statement each for the whole batch: per-statement cost, not the rules, dominates a sweep.
                await uow.tickets.save_clocks([t for t in claimed if t not in expired] if expired else claimed)
                await reactions.write(deps, uow, [], effects)
                resolved = 0
                for ticket in expired:  # few: each is resolved as any change is, with its cards and messages
                    resolved += await confirmation.expire(deps, uow, ticket.stored_id, now)
                    ticket.next_due_at = None  # the copy, for the check below: this one is settled
                await uow.commit()
            written += len(effects.history) + resolved
            if len(claimed) < self.batch:
                return written
            if not any(t.next_due_at is None or t.next_due_at > now for t in claimed):
                # Claiming again would return the same stuck tickets forever; the log names them.
                return written

    def _escalate(self, ticket: Ticket, now: datetime) -> bool:
        """Fire what the ticket owes at `now`: the ticket records each notice, the reactions write it.

        True when what is due is the end of a 🟡 ticket's wait for its reporter: the caller resolves it."""
        deadlines = self.deps.clocks.deadlines
        for firings in range(MAX_FIRINGS_PER_TICKET + 1):
            due = deadlines(ticket)
            kind = due.next_kind
            if kind is None or not is_due(due, now):
                break
            if kind.resolves:
                # Resolved apart from the batch; after a notice of this round, by the next sweep.
                if firings == 0:
                    return True
                break
            if firings == MAX_FIRINGS_PER_TICKET:
                log.error("ticket #%s is still due at %s after %s notices", ticket.number, now.isoformat(), firings)
                break
            ticket.escalate(kind.value, now, repeats=kind.repeats)
        # Stored as the last round left it, which also repairs an instant stored under an older policy.
        ticket.next_due_at = due.next_due
        return False


@dataclass(frozen=True)
class _OnCallAt:
    """Who is on call at the sweep's instant, looked up once for its whole batch of notices."""

    lookup: OnCallLookup
    now: datetime
    engineers_now: tuple[Person, ...]
    everyone: tuple[Person, ...]

    @classmethod
    def of(cls, lookup: OnCallLookup, now: datetime) -> _OnCallAt:
        """`lookup`'s answers at `now`."""
        return cls(lookup, now, lookup.engineers(now), lookup.team())

    def engineers(self, now: datetime) -> tuple[Person, ...]:
        """The on-call engineers at `now` (asked of the lookup at any other instant)."""
        return self.engineers_now if now == self.now else self.lookup.engineers(now)

    def team(self) -> tuple[Person, ...]:
        """Everyone in the rotation."""
        return self.everyone

    async def refresh(self, uow: UnitOfWork, now: datetime) -> None:
        """Reload the lookup's handoffs (this snapshot keeps its answers)."""
        await self.lookup.refresh(uow, now)
