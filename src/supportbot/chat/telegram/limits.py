"""Telegram's flood limits, kept on our side so the outbox waits instead of collecting 429s."""

from __future__ import annotations

import bisect
import time
from collections import deque
from collections.abc import Callable

from supportbot.services.outbox import Throttled
from supportbot.services.send_budget import FloodLimits, Window, is_group

__all__ = ["TELEGRAM_LIMITS", "FloodLimiter", "FloodLimits", "LocalBudget", "Window", "is_group"]


TELEGRAM_LIMITS = FloodLimits()
_KEEP = 61.0  # seconds of history the longest window needs
_PRUNE_EVERY = 1000


def _insert(times: deque[float], at: float) -> None:
    """Keep send times sorted: a booked reply slot may lie ahead of a message sent right now."""
    if not times or at >= times[-1]:
        times.append(at)
    else:
        bisect.insort(times, at)


class FloodLimiter:
    """Decides when the next message to a chat may go, for this process alone (one instance: SQLite)."""

    def __init__(self, limits: FloodLimits = TELEGRAM_LIMITS, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.clock = clock
        self._chats: dict[int, deque[float]] = {}
        self._overall: deque[float] = deque()
        self._holds: dict[int | None, float] = {}
        self._taken = 0

    def delay(self, chat_id: int) -> float:
        """Seconds until a message to chat_id fits every limit (0.0: now)."""
        now = self.clock()
        sent = self._chats.get(chat_id, deque())
        lim = self.limits
        waits = [lim.per_chat.wait(sent, now), lim.overall.wait(self._overall, now)]
        if is_group(chat_id):
            waits.append(lim.per_group.wait(sent, now))
        wait = max(waits)
        if wait > 0:
            wait += lim.margin
        for key in (chat_id, None):
            wait = max(wait, self._holds.get(key, now) - now)
        return wait

    def take(self, chat_id: int) -> None:
        """Count a message to chat_id as sent now; raises Throttled when it must wait instead."""
        wait = self.delay(chat_id)
        if wait > 0:
            raise Throttled(wait)
        self._record(chat_id, self.clock())

    def reserve(self, chat_id: int) -> float:
        """Book the next free slot for chat_id and return how long to wait for it (for direct replies)."""
        wait = self.delay(chat_id)
        self._record(chat_id, self.clock() + wait)
        return wait

    def hold(self, chat_id: int | None, seconds: float) -> None:
        """After a 429: nothing to chat_id (None: to any chat) for `seconds`."""
        until = self.clock() + seconds
        self._holds[chat_id] = max(until, self._holds.get(chat_id, 0.0))

    def _record(self, chat_id: int, at: float) -> None:
        _insert(self._chats.setdefault(chat_id, deque()), at)
        _insert(self._overall, at)
        self._taken += 1
        self._trim(chat_id, at)
        if self._taken % _PRUNE_EVERY == 0:
            self._prune(at)

    def _trim(self, chat_id: int, now: float) -> None:
        sent = self._chats[chat_id]
        while sent and sent[0] < now - _KEEP:
            sent.popleft()
        keep = max(w.limit for w in (self.limits.per_chat, self.limits.per_group))
        while len(sent) > keep:
            sent.popleft()
        while len(self._overall) > self.limits.overall.limit:
            self._overall.popleft()

    def _prune(self, now: float) -> None:
        """Forget chats quiet for longer than the longest window, and holds that ended."""
        for chat_id in [c for c, sent in self._chats.items() if not sent or sent[-1] < now - _KEEP]:
            del self._chats[chat_id]
        for key in [k for k, until in self._holds.items() if until < now]:
            del self._holds[key]


class LocalBudget:
    """A FloodLimiter as the SendBudget the Telegram platform takes: this process counts its own sends."""

    def __init__(self, limiter: FloodLimiter) -> None:
        self.limiter = limiter

    async def take(self, chat_id: int) -> None:
        self.limiter.take(chat_id)

    async def reserve(self, chat_id: int) -> float:
        return self.limiter.reserve(chat_id)

    async def hold(self, chat_id: int | None, seconds: float) -> None:
        self.limiter.hold(chat_id, seconds)
