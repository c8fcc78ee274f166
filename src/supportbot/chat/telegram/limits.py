"""Telegram's flood limits, kept on our side so the outbox waits instead of collecting 429s."""

from __future__ import annotations

import asyncio
import bisect
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from supportbot.services.outbox import Throttled


@dataclass(frozen=True)
class Window:
    """At most `limit` messages in any `seconds` long window."""

    limit: int
    seconds: float

    def wait(self, sent: deque[float], now: float) -> float:
        """Seconds until one more message fits, given the send times so far (oldest first)."""
        if len(sent) < self.limit:
            return 0.0
        return max(0.0, sent[-self.limit] + self.seconds - now)


@dataclass(frozen=True)
class FloodLimits:
    """Telegram's published limits: about 1 message a second per chat (a short burst is tolerated),
    20 a minute in a group, 30 a second overall. `margin` pads every window because our clock and
    Telegram's never agree to the millisecond."""

    per_chat: Window = Window(3, 3.0)
    per_group: Window = Window(20, 60.0)
    overall: Window = Window(30, 1.0)
    margin: float = 0.25


TELEGRAM_LIMITS = FloodLimits()
_KEEP = 61.0  # seconds of history the longest window needs
_PRUNE_EVERY = 1000


def _insert(times: deque[float], at: float) -> None:
    """Keep send times sorted: a booked reply slot may lie ahead of a message sent right now."""
    if not times or at >= times[-1]:
        times.append(at)
    else:
        bisect.insort(times, at)


def is_group(chat_id: int) -> bool:
    """Groups, supergroups and channels have negative ids; private chats are the user's (positive) id."""
    return chat_id < 0


class FloodLimiter:
    """Decides when the next message to a chat may go; shared by the outbox and direct replies."""

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

    async def acquire(self, chat_id: int, max_wait: float) -> None:
        """Wait for a slot, but at most max_wait seconds: a reply held longer goes anyway."""
        wait = self.reserve(chat_id)
        if wait > 0:
            await asyncio.sleep(min(wait, max_wait))

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
