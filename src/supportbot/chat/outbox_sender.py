"""Delivers the outbox: at least once, in order, with back-off, and loudly giving up after N tries."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from supportbot.domain import texts
from supportbot.services.ports import (
    ChatPlatform, Clock, Delivered, MessageLink, OutboxItem, OutboxKind, PermanentFailure, RetryLater, Throttled,
    UnitOfWork, UnitOfWorkFactory,
)

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)  # a sender that dies mid-send leaves its rows to be retried after this
BATCH = 50


@dataclass
class SenderPolicy:
    max_attempts: int = 8
    first_backoff: float = 1.0
    max_backoff: float = 300.0
    outage_max_wait: float = 60.0  # seconds: the longest pause between probes of a platform that is down
    fold_after: float = 600.0  # seconds: acknowledgements older than this after an outage are folded
    parallel_chats: int = 8

    def backoff(self, attempts: int) -> float:
        """Seconds to wait before try number attempts+1: doubling from first_backoff."""
        return min(self.max_backoff, self.first_backoff * 2 ** max(0, attempts - 1))


@dataclass
class FlushReport:
    sent: int = 0
    retried: int = 0
    dead: int = 0


class OutboxSender:
    """Sends one platform's pending outbox rows through its ChatPlatform."""

    def __init__(self, platform: ChatPlatform, *, uow: UnitOfWorkFactory, clock: Clock,
                 policy: SenderPolicy | None = None) -> None:
        self.platform = platform
        self.uow = uow
        self.clock = clock
        self.policy = policy or SenderPolicy()
        # chat -> (row id, when it is tried again): a row waiting for a retry holds back the
        # rows queued after it to the same chat, across flushes, so messages arrive in order.
        self._holds: dict[int, tuple[int, datetime]] = {}

    async def flush(self) -> FlushReport:
        """Send what is due now; returns how many were sent, put back, or given up on."""
        report = FlushReport()
        now = self.clock.now()
        async with self.uow() as uow:
            items = await uow.outbox.claim(self.platform.name, now, now + LEASE, BATCH)
            await uow.commit()
        # A hold whose time has come ends: its row is due again and, queued first, goes first.
        self._holds = {chat: hold for chat, hold in self._holds.items() if hold[1] > now}
        latest_edit = {item.ticket_id: item.id for item in items if item.kind is OutboxKind.EDIT_CARD}
        for item in items:
            if item.kind is OutboxKind.EDIT_CARD and latest_edit.get(item.ticket_id) != item.id:
                await self._finish(item, None, superseded=True)  # a later edit shows the newer state
                continue
            hold = self._holds.get(item.chat_id)
            if hold is not None and hold[0] < item.id:
                # Wait exactly as long as the earlier row, so both are due together, in queue order.
                wait = max(0.0, (hold[1] - self.clock.now()).total_seconds())
                await self._later(item, "waiting for an earlier message to this chat", wait, count=False)
                continue
            try:
                delivered = await self._deliver(item)
            except Throttled as err:
                await self._later(item, str(err), err.after, count=False)
                self._hold(item)
                report.retried += 1
            except RetryLater as err:
                dead = await self._retry(item, str(err), err.after)
                self._hold(item)
                report.dead += dead
                report.retried += not dead
            except PermanentFailure as err:
                await self._dead(item, str(err))
                report.dead += 1
            except Exception as err:  # a bug or an unexpected error must not stop the other messages
                log.exception("unexpected error sending outbox row %s", item.id)
                dead = await self._retry(item, f"{type(err).__name__}: {err}", None)
                self._hold(item)
                report.dead += dead
                report.retried += not dead
            else:
                await self._finish(item, delivered)
                report.sent += 1
        return report

    def _hold(self, item: OutboxItem) -> None:
        """Hold back later rows to the item's chat while it waits for a retry; release them once it is done."""
        if item.status == "pending" and item.next_attempt_at is not None:
            self._holds[item.chat_id] = (item.id, item.next_attempt_at)
        elif self._holds.get(item.chat_id, (None,))[0] == item.id:
            del self._holds[item.chat_id]

    async def _deliver(self, item: OutboxItem) -> Delivered | None:
        if item.kind is OutboxKind.DELETE:
            await self.platform.delete(item)
            return None
        if item.kind is OutboxKind.EDIT_CARD:
            async with self.uow() as uow:
                cards = [c for c in await uow.messages.cards(item.ticket_id) if c.platform == self.platform.name]
            for card in cards:
                await self.platform.edit(item, card)
            return None
        return await self.platform.send(item)

    async def _finish(self, item: OutboxItem, delivered: Delivered | None, superseded: bool = False) -> None:
        async with self.uow() as uow:
            item.status = "sent"
            item.next_attempt_at = None
            item.last_error = "superseded by a later edit" if superseded else None
            if delivered is not None and delivered.message_id is not None:
                item.platform_message_id = delivered.message_id
                if item.ticket_id is not None:
                    await self._link(uow, item, delivered)
            await uow.outbox.update(item)
            await uow.commit()

    async def _link(self, uow: UnitOfWork, item: OutboxItem, delivered: Delivered) -> None:
        """Remember the bot's message so replies to it and card edits find the ticket."""
        role = "card" if item.kind is OutboxKind.CARD else "notice"
        chat_id = delivered.chat_id if delivered.chat_id is not None else item.chat_id
        thread_id = delivered.thread_id if delivered.thread_id is not None else item.thread_id
        await uow.messages.add(MessageLink(self.platform.name, chat_id, delivered.message_id, item.ticket_id,
                                           role, thread_id))
        if delivered.thread_id is not None:
            ticket = await uow.tickets.get(item.ticket_id)
            if ticket is not None and ticket.thread_id is None and not ticket.security:
                ticket.thread_id = delivered.thread_id

    async def _later(self, item: OutboxItem, reason: str, after: float, count: bool = True) -> None:
        async with self.uow() as uow:
            if not count:
                item.attempts -= 1  # waiting behind another message is not a failed try
            item.last_error = reason
            item.next_attempt_at = self.clock.now() + timedelta(seconds=after)
            await uow.outbox.update(item)
            await uow.commit()

    async def _retry(self, item: OutboxItem, reason: str, after: float | None) -> bool:
        """Put the row back with back-off; returns True when it has now used all its tries."""
        if item.attempts >= self.policy.max_attempts:
            await self._dead(item, reason)
            return True
        wait = max(after or 0.0, self.policy.backoff(item.attempts) if after is None else after)
        log.warning("%s: outbox row %s try %s failed (%s); next try in %.1fs",
                    self.platform.name, item.id, item.attempts, reason, wait)
        await self._later(item, reason, wait)
        return False

    async def _dead(self, item: OutboxItem, reason: str) -> None:
        log.error("%s: giving up on outbox row %s (%s to chat %s) after %s tries: %s",
                  self.platform.name, item.id, item.kind.value, item.chat_id, item.attempts, reason)
        async with self.uow() as uow:
            item.status = "dead"
            item.last_error = reason
            item.next_attempt_at = None
            await uow.outbox.update(item)
            if item.kind is OutboxKind.DELETE:
                await self._tell_security(uow, item, reason)
            await uow.commit()

    async def _tell_security(self, uow: UnitOfWork, item: OutboxItem, reason: str) -> None:
        """A secret stays visible: the security team must know, on every platform it has a chat."""
        text = texts.DELETE_FAILED.format(message_id=item.payload.get("message_id"), chat_id=item.chat_id,
                                          reason=reason)
        for platform, chat_id in sorted(item.payload.get("security_chats", {}).items()):
            await uow.outbox.add(OutboxItem(platform=platform, chat_id=int(chat_id), kind=OutboxKind.MESSAGE,
                                            text=text, ticket_id=item.ticket_id, created_at=self.clock.now()))
