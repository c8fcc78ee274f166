"""APScheduler 3.x drives the periodic work: outbox flushes and the escalation sweep."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger(__name__)


def make_scheduler(jobs: list[tuple[str, Callable[[], Awaitable[object]], timedelta]]) -> AsyncIOScheduler:
    """A scheduler running each (name, coroutine function, interval); a run never overlaps itself."""
    scheduler = AsyncIOScheduler(timezone="UTC")
    for name, job, every in jobs:
        scheduler.add_job(
            _guarded(name, job), "interval", seconds=every.total_seconds(), id=name, name=name,
            max_instances=1, coalesce=True, misfire_grace_time=None,
        )
    return scheduler


def _guarded(name: str, job: Callable[[], Awaitable[object]]) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        try:
            await job()
        except Exception:  # a failed run is logged and the next one tries again
            log.exception("scheduled job %s failed", name)

    run.__name__ = name
    return run
