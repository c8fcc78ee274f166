"""Trying a platform event again when handling it fails: briefly, so one bad event holds up no one."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from supportbot.services.dead_letters import describe

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    """How often an event is tried before it is parked: a few tries over a few seconds.

    Long enough for a database failover or a locked SQLite file; short, because the later updates of
    the same batch wait that long. An event that fails longer is parked and replayed on request."""

    tries: int = 4
    first_wait: float = 0.5
    max_wait: float = 2.0

    def wait(self, attempt: int) -> float:
        """Seconds to wait after the given failed attempt (1-based)."""
        return min(self.max_wait, self.first_wait * 2 ** (attempt - 1))

    @property
    def longest(self) -> float:
        """The longest an event is retried (its waits added up)."""
        return sum(self.wait(attempt) for attempt in range(1, self.tries))


SHORT = RetryPolicy()


async def with_retries(handle: Callable[[], Awaitable[object]], *, what: str,
                       policy: RetryPolicy = SHORT) -> Exception | None:
    """Run `handle` until it succeeds (None) or the tries are used (the last error).

    The log names the event and the error only, never what the user wrote."""
    error: Exception | None = None
    for attempt in range(1, policy.tries + 1):
        try:
            await handle()
            return None
        except Exception as err:
            error = err
            log.warning("handling %s failed (try %s of %s): %s", what, attempt, policy.tries, describe(err))
            if attempt < policy.tries:
                await asyncio.sleep(policy.wait(attempt))
    return error


async def every(seconds: float, job: Callable[[], Awaitable[object]], *, what: str) -> None:
    """Run `job` now and then every `seconds` until cancelled; a failed run waits for the next one."""
    while True:
        try:
            await job()
        except Exception as err:
            log.warning("%s failed: %s", what, describe(err))
        await asyncio.sleep(seconds)
