"""Trying a platform event again when handling it fails, so a short outage loses nothing."""

from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable

log = logging.getLogger(__name__)

# About ten minutes of tries (0.5 s doubling, at most 30 s apart): a database restart loses
# nothing, while an event that can never be handled does not hold up everything behind it.
TRIES = 25
FIRST_WAIT = 0.5
MAX_WAIT = 30.0


async def with_retries(handle: Callable[[], Awaitable[object]], *, what: str, content: Callable[[], str],
                       tries: int = TRIES, first_wait: float = FIRST_WAIT) -> bool:
    """Run `handle` until it succeeds or `tries` are used; a given-up event is logged whole."""
    for attempt in range(1, tries + 1):
        try:
            await handle()
            return True
        except Exception:
            log.exception("handling %s failed (try %s of %s)", what, attempt, tries)
            if attempt < tries:
                await asyncio.sleep(min(MAX_WAIT, first_wait * 2 ** (attempt - 1)))
    log.error("%s given up after %s tries; its content: %s", what, tries, content())
    return False
