"""One platform's outbox flushes, on the scheduler's beat and as soon as something is queued."""

from __future__ import annotations

import asyncio
import logging

from supportbot.chat.breaker import BreakerState
from supportbot.chat.outbox_sender import BATCH, OutboxSender
from supportbot.services.health import CONNECTING

log = logging.getLogger(__name__)

# Outbox flushes of one platform that may run at once: a new message goes out while an earlier flush
# still waits on a slow send or records its outcomes.
FLUSHES_AT_ONCE = 4
# A platform's state as /healthz reports it: connecting until its adapter started, then its outbox's breaker.
PLATFORM_STATES = {BreakerState.CLOSED: "connected", BreakerState.OPEN: "down", BreakerState.HALF_OPEN: "probing"}


class OutboxPump:
    """One platform's outbox flushes: on the scheduler's beat, and right after an adapter queued
    something, so a reply does not wait for the next beat, nor for a flush already under way: up to
    FLUSHES_AT_ONCE run side by side (a flush never claims a chat another one is sending to, so each
    chat's rows still go in order)."""

    def __init__(self, sender: OutboxSender, *, held: bool = False) -> None:
        self.sender = sender
        self.platform = sender.platform
        # Held while its platform is not connected yet: the rows wait, in order, instead of failing.
        self._held = held
        self._running = 0
        self._quiet = asyncio.Event()  # set while no flush is under way
        self._quiet.set()
        self._again = False  # a call found the most flushes running: one of them goes round once more
        # A flush ran beside another, so it may have left rows of a chat the other was sending to:
        # the last flush to finish goes round once more for them.
        self._overlapped = False
        self._closed = False
        self._tasks: set[asyncio.Task] = set()

    async def flush(self) -> None:
        """Flush until nothing due is left; a call while the most flushes run makes one go round once more."""
        if self._held:
            return
        if self._running >= FLUSHES_AT_ONCE or self._closed:
            self._again = True
            return
        self._running += 1
        self._quiet.clear()
        try:
            while not self._closed:
                self._again = False
                self._overlapped = self._overlapped or self._running > 1
                try:
                    report = await self.sender.flush()
                except Exception:  # the scheduler's next beat tries again
                    log.exception("outbox flush for %s failed", self.platform.name)
                    return
                if self._again or report.more or report.sent + report.retried + report.dead >= BATCH:
                    continue
                if self._running == 1 and self._overlapped:
                    self._overlapped = False
                    continue
                return
        finally:
            self._running -= 1
            if not self._running:
                self._quiet.set()

    def state(self) -> str:
        """connecting (its platform not started yet), connected, down or probing (one try while down)."""
        return CONNECTING if self._held else PLATFORM_STATES[self.sender.breaker_status().state]

    def release(self) -> None:
        """The platform is connected: send what waited for it."""
        self._held = False
        self.wake()

    def wake(self) -> None:
        """Flush soon, without waiting for it."""
        if self._closed:
            return
        task = asyncio.get_running_loop().create_task(self.flush())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def idle(self) -> None:
        """Return once no flush is under way."""
        await self._quiet.wait()

    async def close(self, grace: float = 10.0) -> None:
        """No new flushes; let the ones running finish."""
        self._closed = True
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=grace)
        try:
            await asyncio.wait_for(self.idle(), grace)
        except TimeoutError:
            log.warning("outbox flush for %s still running at stop", self.platform.name)
