"""What came of each outbox row, written to the store: sent (and linked to its ticket), tried again later,
sent but perhaps not arrived, or given up on."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from supportbot.services.after_delivery import AfterDelivery
from supportbot.services.outbox import Delivered, OutboxItem
from supportbot.services.ports import Clock, UnitOfWork, UnitOfWorkFactory

# The sender's own logger: operators follow one log for delivery, whichever module writes the line.
log = logging.getLogger("supportbot.chat.outbox_sender")

UNCONFIRMED = "sent, but may not have arrived (no answer in time); not sent again"


class OutboxOutcomes:
    """Records the outcome of a send on one platform's outbox rows: one transaction per send (a folded
    run and rows put back together are one)."""

    def __init__(self, platform: str, *, uow: UnitOfWorkFactory, clock: Clock,
                 after: AfterDelivery | None = None) -> None:
        self.platform = platform
        self.uow = uow
        self.clock = clock
        self.after = after or AfterDelivery()

    async def sending(self, group: list[OutboxItem]) -> None:
        """Record that these rows are on their way, so a sender that dies now does not send them twice."""
        async with self.uow() as uow:
            await uow.outbox.mark_sending([row.id for row in group if row.id is not None], self.clock.now())
            await uow.commit()

    async def finish(self, item: OutboxItem, delivered: Delivered | None, superseded: bool = False) -> None:
        """Mark the row sent; link the delivered message to its ticket."""
        async with self.uow() as uow:
            item.last_error = "superseded by a later edit" if superseded else None
            await self._sent(uow, [item], delivered)
            await uow.commit()

    async def finish_folded(self, group: list[OutboxItem], delivered: Delivered | None,
                            next_up: Sequence[OutboxItem] = ()) -> None:
        """Mark a run sent (often just one row) and, in the same transaction, the rows sent next to the
        chat as on their way (see sending())."""
        async with self.uow() as uow:
            for row in group[1:]:
                row.last_error = f"folded into the message of outbox row {group[0].id}"
            group[0].last_error = None
            await self._sent(uow, group, delivered)
            if next_up:
                await uow.outbox.mark_sending([row.id for row in next_up if row.id is not None], self.clock.now())
            await uow.commit()
        for row in next_up:
            row.sending_at = self.clock.now()

    async def _sent(self, uow: UnitOfWork, group: list[OutboxItem], delivered: Delivered | None) -> None:
        """Store rows as sent: the first carries the message; a reply to it finds the ticket only when
        every row was about the same one."""
        message_id = delivered.message_id if delivered is not None else None
        for row in group:
            row.status, row.next_attempt_at = "sent", None
            row.platform_message_id = message_id if message_id is not None else row.platform_message_id
            await uow.outbox.update(row)
        if delivered is not None and message_id is not None and len({r.ticket_id for r in group}) == 1:
            await self.after.delivered(uow, self.platform, group[0], delivered)

    async def unconfirmed(self, item: OutboxItem, reason: str) -> None:
        """The platform may have the message: never send it again (at most once), and say so loudly."""
        log.warning("%s: outbox row %s to chat %s may not have arrived and is not sent again (%s)",
                    self.platform, item.id, item.chat_id, reason)
        async with self.uow() as uow:
            item.status = "sent"
            item.next_attempt_at = None
            item.last_error = f"{UNCONFIRMED}: {reason}"
            await uow.outbox.update(item)
            await uow.commit()

    async def later(self, item: OutboxItem, reason: str, after: float, count: bool = True) -> None:
        """Put the row back to be tried `after` seconds from now, and the rows queued after it to its chat
        with it (they wait behind it); count=False does not use up a try."""
        async with self.uow() as uow:
            if not count:
                item.attempts -= 1  # waiting behind another message is not a failed try
            item.last_error = reason
            item.next_attempt_at = self.clock.now() + timedelta(seconds=after)
            await uow.outbox.update(item)
            assert item.id is not None, "a claimed outbox row has its id"
            await uow.outbox.wait_behind(item.platform, item.chat_id, item.id, item.next_attempt_at)
            await uow.commit()

    async def put_back(self, rows: list[OutboxItem], reason: str, after: float) -> None:
        """Put rows back untried, all due `after` seconds from now, in one transaction."""
        until = self.clock.now() + timedelta(seconds=after)
        async with self.uow() as uow:
            await uow.outbox.put_back([row.id for row in rows if row.id is not None], until, reason)
            await uow.commit()
        for row in rows:
            row.attempts -= 1
            row.last_error, row.next_attempt_at, row.sending_at = reason, until, None

    async def retry(self, item: OutboxItem, reason: str, wait: float, max_attempts: int) -> bool:
        """Put the row back to be tried in `wait` seconds; give up once it has had `max_attempts` tries.
        Returns True when it was given up on."""
        if item.attempts >= max_attempts:
            await self.dead(item, reason)
            return True
        log.warning("%s: outbox row %s try %s failed (%s); next try in %.1fs",
                    self.platform, item.id, item.attempts, reason, wait)
        await self.later(item, reason, wait)
        return False

    async def dead(self, item: OutboxItem, reason: str) -> None:
        """Give up on the row, loudly; a delete that failed is told to the security team."""
        log.error("%s: giving up on outbox row %s (%s to chat %s) after %s tries: %s",
                  self.platform, item.id, item.kind.value, item.chat_id, item.attempts, reason)
        async with self.uow() as uow:
            item.status = "dead"
            item.last_error = reason
            item.next_attempt_at = None
            await uow.outbox.update(item)
            await self.after.given_up(uow, item, reason)
            await uow.commit()
