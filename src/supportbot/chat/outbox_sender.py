"""Delivers the outbox: in order per chat, several chats at once, with back-off, loudly giving up after N
tries; a platform outage costs no tries (circuit breaker); a send that may have arrived is not repeated."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from supportbot.chat.breaker import Breaker, BreakerState, BreakerStatus
from supportbot.chat.outbox_bursts import Folder, without
from supportbot.chat.outbox_delivery import CARD_ON_ITS_WAY, deliver
from supportbot.chat.outbox_folding import FOLD_MAX_ROWS, fold_run, outgoing
from supportbot.chat.outbox_lanes import ChatHolds, Lanes, LaneSlots, lanes_of
from supportbot.chat.outbox_outcomes import OutboxOutcomes
from supportbot.chat.outbox_policy import FlushReport, SenderPolicy
from supportbot.logs import context as log_context
from supportbot.services.after_delivery import AfterDelivery
from supportbot.services.outbox import (
    ChatPlatform,
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
# Rows of one chat claimed at once: enough for a late run of notices to fold into one message, and
# no more, so a chat held by its flood limit never has its whole backlog leased and put back.
PER_CHAT = FOLD_MAX_ROWS
SENDER_DIED = "its sender stopped while sending it"


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
        # Chats a flush of this sender is sending to: no other flush claims their rows meanwhile.
        self._busy_chats: set[int] = set()
        self._slots = LaneSlots(self.policy.parallel_chats)  # however many flushes are under way
        self._holds = ChatHolds()  # chats whose later rows wait behind one waiting for a retry
        self.folder = Folder(platform.name, uow=uow, clock=clock, burst_from=self.policy.fold_bursts_from,
                             max_per_chat=self.policy.max_per_chat)
        self._limited: dict[int, float] = {}  # chats just held back by a send limit -> for how many seconds
        # Claims whose commit went unanswered (the connection dropped): (row ids, their lease's end).
        self._lost_claims: list[tuple[list[int], datetime]] = []

    def breaker_status(self) -> BreakerStatus:
        """Whether the platform is taken for down (closed/open/half-open), since when, and the last error."""
        return self.breaker.status()

    async def flush(self) -> FlushReport:
        """Send what is due now; returns how many were sent, put back, or given up on."""
        report = FlushReport()
        await self.folder.check_bound()  # every few seconds, down or not: a queue past its bound is folded
        if not self.breaker.ready():
            return report  # the platform is down and no probe is due: the rows stay as they are
        items, starting, promised = await self._claim()
        lanes, superseded, died = lanes_of(items, self._at_most_once)
        for row in starting:
            row.sending_at = self.clock.now()
        report.more = len(items) >= BATCH or any(len(lane) >= PER_CHAT for lane in lanes)
        try:
            for item in superseded:
                await self.outcomes.finish(item, None, superseded=True)  # a later edit shows the newer state
            for item in died:  # killed mid-send: the platform may have it; sending again could show it twice
                await self.outcomes.unconfirmed(item, SENDER_DIED)
                report.sent += 1

            async def worker() -> None:
                while lanes:
                    lane, first = lanes.pop(0), promised[0] > 0  # the lanes promised a slot go first
                    promised[0] -= first
                    async with self._slots.lane(promised=first):
                        await self._send_lane(lane, report)
                    self._busy_chats.discard(lane[0].chat_id)

            # One slow chat must not hold up the others; one chat's rows still go strictly one after another.
            workers = min(self._slots.size, len(lanes))
            results = await asyncio.gather(*(worker() for _ in range(workers)), return_exceptions=True)
        finally:
            self._slots.forget(promised[0])
            self._busy_chats.difference_update(item.chat_id for item in items)
        for outcome in results:  # after every chat had its turn: a storage error surfaces to the pump
            if isinstance(outcome, BaseException):
                raise outcome
        return report

    async def _claim(self) -> tuple[Sequence[OutboxItem], list[OutboxItem], list[int]]:
        """Lease what is due, but nothing of a chat another flush is sending to; the first message of each
        lane that starts at once is marked as on its way by the claim itself (no transaction of its own).
        Returns the rows, those marked, and how many lanes were promised a slot (in a list, to count down)."""
        now = self.clock.now()
        self._holds.expire(now)
        starting: list[OutboxItem] = []
        promised = [0]

        def start(claimed: Sequence[OutboxItem]) -> Sequence[OutboxItem]:
            lanes = lanes_of(claimed, self._at_most_once)[0]
            if self.breaker.state is BreakerState.CLOSED:  # as many lanes as there are free slots
                promised[0] = self._slots.promise(len(lanes))
                starting.extend(self._starting(lanes[:promised[0]]))
            return starting

        async with self.uow() as uow:
            for ids, leased_until in self._lost_claims:
                await uow.outbox.release_lost(ids, leased_until, now)
            items = await uow.outbox.claim(self.platform.name, now, now + LEASE, BATCH, per_chat=PER_CHAT,
                                           skip_chats=self._busy_chats, starting=start)
            try:
                await uow.commit()
            except Exception:
                # The commit may have reached the database with its answer lost: its lease and "sending"
                # marks would then pass these rows off as sent by a sender that died. None of them was.
                self._lost_claims.append(([item.id for item in items if item.id is not None], now + LEASE))
                raise
        self._lost_claims.clear()
        self._busy_chats.update(item.chat_id for item in items)  # before another flush claims
        return items, starting, promised

    def _starting(self, lanes: Lanes) -> list[OutboxItem]:
        """Of lanes that start at once, the rows that go to the platform as soon as the claim commits
        and must not be sent twice: each one's first message (with the late ones folded into it)."""
        stale_before = self._stale_before()
        starting = []
        for lane in lanes:
            if self._at_most_once(lane[0]) and self._holds.until(lane[0]) is None:
                starting += fold_run(lane, 0, stale_before)
        return starting

    async def _send_lane(self, rows: list[OutboxItem], report: FlushReport) -> None:
        """One chat's claimed rows, in queue order; stale plain notices may go out folded into one."""
        index = 0
        while index < len(rows):
            item = rows[index]
            if item.status != "pending":  # folded into a digest meanwhile
                index += 1
                continue
            held_until = self._holds.until(item)
            if held_until is not None:
                # The rest wait exactly as long as the earlier row, so all are due together, in queue
                # order; put back at once, in one transaction.
                wait = max(0.0, (held_until - self.clock.now()).total_seconds())
                rest = [row for row in rows[index:] if row.status == "pending"]
                await self.outcomes.put_back(rest, "waiting for an earlier message to this chat", wait)
                report.held += len(rest)
                return
            group = fold_run(rows, index, self._stale_before())
            index += len(group)
            # What goes next to this chat is marked as on its way with this one's outcome: one transaction.
            following = fold_run(rows, index, self._stale_before()) if index < len(rows) else []
            with log_context.about(platform=self.platform.name, chat=item.chat_id, outbox=item.id):  # its lines
                await self._send_unit(item, group, report, [r for r in following if self._at_most_once(r)])
                log.debug("outbox row %s: %s", item.id, item.status)  # sent, dead, or pending: tried again later
            sent = item.status == "sent"
            if (limited := self._limited.pop(item.chat_id, None)) is not None:
                # The chat's send limit is reached: what waits for it may go out as one message instead.
                without(rows, await self.folder.burst(item.chat_id, limited))
            if len(group) > 1 and not sent:
                # The folded message did not go: the others go on their own, behind the first.
                index -= len(group) - 1

    async def _send_unit(self, item: OutboxItem, group: list[OutboxItem], report: FlushReport,
                         next_up: list[OutboxItem]) -> None:
        """Send one row (or a folded run led by it) and record what came of it."""
        turn = await self._turn()
        if turn is None:
            await self.outcomes.later(item, self._down_reason(), self.breaker.seconds_to_probe(), count=False)
            self._holds.update(item)
            report.held += 1
            return
        answered: bool | None = None  # True: the platform answered; False: it failed; None: no call made
        try:
            if self._at_most_once(item) and any(row.sending_at is None for row in group):
                await self.outcomes.sending(group)  # unless marked when claimed
            delivered = await deliver(self.platform, self.uow, outgoing(item, group, self.platform.name, self.clock.now(), self._stale_before()))
            answered = True
        except Exception as err:  # each kind of failure has its outcome; a bug must not stop the others
            answered = await self._failed(err, item, group, report)
        else:
            await self.outcomes.finish_folded(group, delivered, next_up)
            report.sent += len(group)
        finally:
            self._settle(turn, answered)

    async def _failed(self, err: Exception, item: OutboxItem, group: list[OutboxItem],
                      report: FlushReport) -> bool | None:
        """Record what a failed send comes to; returns whether the platform answered (None: not asked)."""
        if isinstance(err, Throttled):
            await self.outcomes.later(item, str(err), err.after, count=False)
            self._holds.update(item)
            self._limited[item.chat_id] = err.after
            report.retried += 1
            return None
        if isinstance(err, PlatformDown):
            self.breaker.failed(str(err))
            log.warning("%s: platform down (%s); outbox row %s waits for it, its try not counted",
                        self.platform.name, err, item.id)
            await self.outcomes.later(item, str(err), self.breaker.seconds_to_probe(), count=False)
            self._holds.update(item)
            report.held += 1
            return False
        if isinstance(err, MaybeDelivered):  # no answer in time: the platform is slow or down
            self.breaker.failed(str(err))
            for row in group:
                await self.outcomes.unconfirmed(row, str(err))
                self._holds.update(row)
            report.sent += len(group)
            return False
        if isinstance(err, PermanentFailure):
            await self.outcomes.dead(item, str(err))
            report.dead += 1
            return True
        if isinstance(err, RetryLater) and err.after is not None:  # a rate limit on this chat: not a failed try
            await self.outcomes.later(item, str(err), err.after, count=False)
            self._holds.update(item)
            if str(err) != CARD_ON_ITS_WAY:  # the platform's own limit, not our wait for a card
                self._limited[item.chat_id] = err.after
            report.retried += 1
            return True
        if not isinstance(err, RetryLater):
            log.exception("unexpected error sending outbox row %s", item.id, exc_info=err)
        reason = str(err) if isinstance(err, RetryLater) else f"{type(err).__name__}: {err}"
        dead = await self.outcomes.retry(item, reason, self.policy.backoff(item.attempts), self.policy.max_attempts)
        self._holds.update(item)
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
        return item.kind in (OutboxKind.MESSAGE, OutboxKind.CARD, OutboxKind.PHOTO) and not getattr(
            self.platform, "resends_safely", False)

    def _down_reason(self) -> str:
        return f"{self.platform.name} is down ({self.breaker.status().last_error}); waiting for it"

    def _stale_before(self) -> datetime:
        return self.clock.now() - timedelta(seconds=self.policy.fold_after)
