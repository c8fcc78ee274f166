"""Delivers the outbox: in order per chat, several chats at once, with back-off, loudly giving up after N
tries; a platform outage costs no tries (circuit breaker); a send that may have arrived is not repeated."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from supportbot.chat.breaker import Breaker, BreakerState, BreakerStatus
from supportbot.chat.outbox_folding import fold_run, folded_text, is_ack, late_apology
from supportbot.chat.outbox_outcomes import OutboxOutcomes
from supportbot.services.after_delivery import AfterDelivery
from supportbot.services.outbox import (
    ChatPlatform,
    Delivered,
    MaybeDelivered,
    OutboxItem,
    OutboxKind,
    PermanentFailure,
    PlatformDown,
    RetryLater,
    Throttled,
)
from supportbot.services.ports import Clock, UnitOfWorkFactory

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)  # a sender that dies mid-send leaves its rows to be retried after this
BATCH = 50
SENDER_DIED = "its sender stopped while sending it"


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
    held: int = 0  # put back untried, or without counting the try, while the platform is down


class OutboxSender:
    """Sends one platform's pending outbox rows through its ChatPlatform: several chats at once, each
    chat's rows in order, and nothing but a probe now and then while the platform is down."""

    def __init__(self, platform: ChatPlatform, *, uow: UnitOfWorkFactory, clock: Clock,
                 policy: SenderPolicy | None = None, after: AfterDelivery | None = None) -> None:
        self.platform = platform
        self.uow = uow
        self.clock = clock
        self.policy = policy or SenderPolicy()
        self.outcomes = OutboxOutcomes(platform.name, uow=uow, clock=clock, after=after)
        self.breaker = Breaker(clock, first_pause=self.policy.first_backoff, max_pause=self.policy.outage_max_wait)
        # Set when the probe out now has its answer; rows of other chats wait on it instead of piling in.
        self._probe_answered = asyncio.Event()
        # chat -> (row id, when it is tried again): a row waiting for a retry holds back the
        # rows queued after it to the same chat, across flushes, so messages arrive in order.
        self._holds: dict[int, tuple[int, datetime]] = {}

    def breaker_status(self) -> BreakerStatus:
        """Whether the platform is taken for down (closed/open/half-open), since when, and the last error."""
        return self.breaker.status()

    async def flush(self) -> FlushReport:
        """Send what is due now; returns how many were sent, put back, or given up on."""
        report = FlushReport()
        if not self.breaker.ready():
            return report  # the platform is down and no probe is due: the rows stay as they are
        now = self.clock.now()
        async with self.uow() as uow:
            items = await uow.outbox.claim(self.platform.name, now, now + LEASE, BATCH)
            await uow.commit()
        # A hold whose time has come ends: its row is due again and, queued first, goes first.
        self._holds = {chat: hold for chat, hold in self._holds.items() if hold[1] > now}
        latest_edit = {item.ticket_id: item.id for item in items if item.kind is OutboxKind.EDIT_CARD}
        lanes: dict[int, list[OutboxItem]] = {}
        for item in items:
            if item.kind is OutboxKind.EDIT_CARD and latest_edit.get(item.ticket_id) != item.id:
                await self.outcomes.finish(item, None, superseded=True)  # a later edit shows the newer state
            elif item.sending_at is not None and self._at_most_once(item):
                # Killed mid-send (kill -9, power cut): the platform may have it; sending again could show it twice.
                await self.outcomes.unconfirmed(item, SENDER_DIED)
                report.sent += 1
            else:
                lanes.setdefault(item.chat_id, []).append(item)
        waiting = list(lanes.values())

        async def worker() -> None:
            while waiting:
                await self._send_lane(waiting.pop(0), report)

        # One slow chat must not hold up the others; one chat's rows still go strictly one after another.
        workers = min(max(1, self.policy.parallel_chats), len(waiting))
        results = await asyncio.gather(*(worker() for _ in range(workers)), return_exceptions=True)
        for outcome in results:  # after every chat had its turn: a storage error surfaces to the pump
            if isinstance(outcome, BaseException):
                raise outcome
        return report

    async def _send_lane(self, rows: list[OutboxItem], report: FlushReport) -> None:
        """One chat's claimed rows, in queue order; stale plain notices may go out folded into one."""
        index = 0
        while index < len(rows):
            item = rows[index]
            group = fold_run(rows, index, self._stale_before())
            index += len(group)
            hold = self._holds.get(item.chat_id)
            assert item.id is not None, "a claimed outbox row has its id"
            if hold is not None and hold[0] < item.id:
                # Wait exactly as long as the earlier row, so both are due together, in queue order.
                wait = max(0.0, (hold[1] - self.clock.now()).total_seconds())
                for row in group:
                    await self.outcomes.later(row, "waiting for an earlier message to this chat", wait, count=False)
                report.held += len(group)
                continue
            await self._send_unit(item, group, report)
            if len(group) > 1 and item.status != "sent":
                # The folded message did not go: the others go on their own, behind the first.
                index -= len(group) - 1

    async def _send_unit(self, item: OutboxItem, group: list[OutboxItem], report: FlushReport) -> None:
        """Send one row (or a folded run led by it) and record what came of it."""
        turn = await self._turn()
        if turn is None:
            await self.outcomes.later(item, self._down_reason(), self.breaker.seconds_to_probe(), count=False)
            self._hold(item)
            report.held += 1
            return
        answered: bool | None = None  # True: the platform answered; False: it failed; None: no call made
        try:
            if self._at_most_once(item):
                await self.outcomes.sending(group)
            delivered = await self._deliver(self._outgoing(item, group))
            answered = True
        except Exception as err:  # each kind of failure has its outcome; a bug must not stop the others
            answered = await self._failed(err, item, group, report)
        else:
            await self.outcomes.finish_folded(group, delivered)
            report.sent += len(group)
        finally:
            self._settle(turn, answered)

    async def _failed(self, err: Exception, item: OutboxItem, group: list[OutboxItem],
                      report: FlushReport) -> bool | None:
        """Record what a failed send comes to; returns whether the platform answered (None: not asked)."""
        if isinstance(err, Throttled):
            await self.outcomes.later(item, str(err), err.after, count=False)
            self._hold(item)
            report.retried += 1
            return None
        if isinstance(err, PlatformDown):
            self.breaker.failed(str(err))
            log.warning("%s: platform down (%s); outbox row %s waits for it, its try not counted",
                        self.platform.name, err, item.id)
            await self.outcomes.later(item, str(err), self.breaker.seconds_to_probe(), count=False)
            self._hold(item)
            report.held += 1
            return False
        if isinstance(err, MaybeDelivered):  # no answer in time: the platform is slow or down
            self.breaker.failed(str(err))
            for row in group:
                await self.outcomes.unconfirmed(row, str(err))
                self._hold(row)
            report.sent += len(group)
            return False
        if isinstance(err, PermanentFailure):
            await self.outcomes.dead(item, str(err))
            report.dead += 1
            return True
        if isinstance(err, RetryLater) and err.after is not None:  # a rate limit on this chat: not a failed try
            await self.outcomes.later(item, str(err), err.after, count=False)
            self._hold(item)
            report.retried += 1
            return True
        if not isinstance(err, RetryLater):
            log.exception("unexpected error sending outbox row %s", item.id, exc_info=err)
        reason = str(err) if isinstance(err, RetryLater) else f"{type(err).__name__}: {err}"
        dead = await self._retry(item, reason)
        self._hold(item)
        report.dead += dead
        report.retried += not dead
        return True if isinstance(err, RetryLater) else None

    async def _turn(self) -> str | None:
        """May a row go to the platform now? "send", "probe" (the one try while it is down), or None (wait)."""
        while True:
            if self.breaker.state is BreakerState.CLOSED:
                return "send"
            if self.breaker.try_probe():
                self._probe_answered.clear()
                return "probe"
            if self.breaker.state is not BreakerState.HALF_OPEN:
                return None
            await self._probe_answered.wait()  # another chat's row is the probe: its answer decides

    def _settle(self, turn: str | None, answered: bool | None) -> None:
        """Tell the breaker what the platform did; wake the rows waiting on a probe."""
        if answered:
            if self.breaker.state is not BreakerState.CLOSED:
                log.warning("%s answers again (down since %s); sending resumes", self.platform.name,
                            self.breaker.status().since)
            self.breaker.succeeded()
        elif answered is None and turn == "probe":
            self.breaker.released()  # held back on our side: the probe never reached the platform
        if turn == "probe" or self.breaker.state is not BreakerState.HALF_OPEN:
            self._probe_answered.set()

    def _at_most_once(self, item: OutboxItem) -> bool:
        """A new message on a platform that cannot tell a repeated send from a new one (Telegram):
        repeating it after an unknown outcome could show it twice. Edits and deletes are safe to repeat."""
        return item.kind in (OutboxKind.MESSAGE, OutboxKind.CARD) and not getattr(
            self.platform, "resends_safely", False)

    def _down_reason(self) -> str:
        return f"{self.platform.name} is down ({self.breaker.status().last_error}); waiting for it"

    def _stale_before(self) -> datetime:
        return self.clock.now() - timedelta(seconds=self.policy.fold_after)

    def _outgoing(self, item: OutboxItem, group: list[OutboxItem]) -> OutboxItem:
        """What is actually sent for a row: a late acknowledgement says sorry; a folded run is one message."""
        now = self.clock.now()
        if len(group) > 1:
            return replace(item, text=folded_text(group, self.platform.name, now))
        if is_ack(item) and item.created_at < self._stale_before():
            return replace(item, text=f"{item.text}\n\n{late_apology(item, self.platform.name, now)}")
        return item

    def _hold(self, item: OutboxItem) -> None:
        """Hold back later rows to the item's chat while it waits for a retry; release them once it is done."""
        assert item.id is not None, "a claimed outbox row has its id"
        if item.status == "pending" and item.next_attempt_at is not None:
            self._holds[item.chat_id] = (item.id, item.next_attempt_at)
        elif self._holds.get(item.chat_id, (None,))[0] == item.id:
            del self._holds[item.chat_id]

    async def _deliver(self, item: OutboxItem) -> Delivered | None:
        if item.kind is OutboxKind.DELETE:
            await self.platform.delete(item)
            return None
        if item.kind is OutboxKind.EDIT_CARD:
            assert item.ticket_id is not None, "a card edit names its ticket"
            async with self.uow() as uow:
                cards = [c for c in await uow.messages.cards(item.ticket_id) if c.platform == self.platform.name]
            for card in cards:
                await self.platform.edit(item, card)
            return None
        return await self.platform.send(item)

    async def _retry(self, item: OutboxItem, reason: str) -> bool:
        """Put the row back with back-off; returns True when it has now used all its tries."""
        if item.attempts >= self.policy.max_attempts:
            await self.outcomes.dead(item, reason)
            return True
        wait = self.policy.backoff(item.attempts)
        log.warning("%s: outbox row %s try %s failed (%s); next try in %.1fs",
                    self.platform.name, item.id, item.attempts, reason, wait)
        await self.outcomes.later(item, reason, wait)
        return False
