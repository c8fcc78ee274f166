"""The sweep: every ticket whose promise is broken gets its escalation notice, once per level."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from supportbot.domain import texts
from supportbot.domain.people import Role
from supportbot.domain.sla import Deadlines, EscalationKind, is_due
from supportbot.domain.tickets import Ticket
from supportbot.services.context import Deps
from supportbot.services.notify import mentions_of, team_role_mention
from supportbot.services.ports import OutboxItem, TicketEvent

log = logging.getLogger(__name__)

EMERGENCY_KINDS = frozenset({EscalationKind.EMERGENCY_UNANSWERED, EscalationKind.EMERGENCY_IDLE})
# At one instant a ticket can owe at most a missed first response and a stagnant notice; a third
# firing would mean the rules failed to move the deadline forward.
MAX_FIRINGS_PER_TICKET = 3
DEFAULT_BATCH = 200


class _Collected:
    """Stands in for the unit of work while notices are built, so a batch writes them in one statement.

    Per-statement overhead, not the rules, dominates a sweep's cost.
    """

    def __init__(self) -> None:
        self.outbox = self
        self.items: list[OutboxItem] = []

    async def add(self, item: OutboxItem) -> None:
        self.items.append(item)


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
                if first and self.deps.oncall is not None:
                    await self.deps.oncall.refresh(uow, now)  # who to tag, with handoffs made elsewhere
                first = False
                claimed = await uow.tickets.claim_due(now, self.batch)
                notices, events = _Collected(), []
                for ticket in claimed:
                    events.extend(await self._escalate(notices, ticket, now))
                await uow.outbox.add_many(notices.items)
                await uow.events.add_many(events)
                await uow.commit()
            written += len(events)
            if len(claimed) < self.batch:
                return written
            if not any(t.next_due_at is None or t.next_due_at > now for t in claimed):
                # Claiming again would return the same stuck tickets forever; the log names them.
                return written

    async def _escalate(self, notices: _Collected, ticket: Ticket, now: datetime) -> list[TicketEvent]:
        """Fire what the ticket owes at `now`; returns one history line per notice."""
        events: list[TicketEvent] = []
        for firings in range(MAX_FIRINGS_PER_TICKET + 1):
            due = self.deps.clocks.deadlines(ticket)
            # Stored each round, which also repairs an instant stored under an older policy.
            ticket.next_due_at = due.next_due
            if due.next_kind is None or not is_due(due, now):
                break
            if firings == MAX_FIRINGS_PER_TICKET:
                log.error("ticket #%s is still due at %s after %s notices", ticket.number, now.isoformat(), firings)
                break
            level = self.deps.clocks.fire(ticket, due.next_kind, now, recompute=False)  # the next round does
            await self._notify(notices, ticket, due, level, now)
            events.append(TicketEvent(ticket.stored_id, now, texts.BOT_ACTOR, "escalation", due.next_kind.value))
        return events

    async def _notify(self, notices: _Collected, ticket: Ticket, due: Deadlines, level: int, now: datetime) -> None:
        """Queue one notice in the ticket's conversation and the team chat, under one key per level."""
        kind = due.next_kind
        assert kind is not None
        notifier = self.deps.notifier
        text = texts.escalation_notice(
            kind, ticket, product_name=notifier.product_name(ticket), now=now,
            local=self.deps.clocks.calendar.format_local, due=due.first_response_due,
        )
        mentions = self.tagged(ticket, kind, now)
        key = f"ticket:{ticket.id}:{kind.value}:{level}"
        await notifier.to_ticket(notices, ticket, text, mentions=mentions, dedupe=key)
        if not ticket.security:
            await notifier.to_team(notices, text, ticket=ticket, mentions=mentions, dedupe=key)
        elif kind in EMERGENCY_KINDS:
            # The on-call team is called in too, but the report's words stay in the security chat.
            await notifier.to_team(notices, texts.security_escalation_notice(kind, ticket, now=now), ticket=ticket,
                                   mentions=self._on_call(now), dedupe=key)

    def tagged(self, ticket: Ticket, kind: EscalationKind, now: datetime) -> list[dict[str, Any]]:
        """Who a notice tags: the on-call team for emergencies, else the product owners (security: its team)."""
        directory = self.deps.directory
        if ticket.security:
            return mentions_of(directory.with_role(Role.SECURITY))
        if kind in EMERGENCY_KINDS:
            return self._on_call(now)
        return mentions_of(directory.owners_of(ticket.product) or directory.with_role(Role.OWNER))

    def _on_call(self, now: datetime) -> list[dict[str, Any]]:
        """The on-call engineers, then the rest of the rotation (and the Discord team role)."""
        directory = self.deps.directory
        oncall = self.deps.oncall
        people = [*oncall.engineers(now), *oncall.team()] if oncall else directory.with_role(Role.ENGINEER)
        role = team_role_mention(directory)
        return mentions_of(people) + ([role] if role else [])
