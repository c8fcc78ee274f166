"""/healthz: is the desk alive? The database answers, the sweep runs, the outbox drains; and each platform's
connection as the runtime sees it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from supportbot.services.ports import Clock, UnitOfWorkFactory
from supportbot.services.web_ports import OutboxBacklog, Tally

log = logging.getLogger(__name__)

STALE_SWEEPS = 3  # the sweep counts as stuck once this many of its intervals went by without one
OUTBOX_MAX_AGE = timedelta(minutes=5)  # a message pending longer than this is not going out
DATABASE_TIMEOUT = 5.0  # seconds: a database that does not answer in this long is unreachable
CONSOLE = "console"  # the local console has no connection to report
CONNECTING = "connecting"  # a platform whose adapter has not started yet

DATABASE_UNREACHABLE = "database unreachable"
SWEEP_STALE = "sweep stale: none for {seconds:.0f}s (runs every {interval:.0f}s)"
OUTBOX_STUCK = "outbox stuck: the oldest pending message waits for {seconds:.0f}s"
OUTBOX_PAST_BOUND = ("outbox past its bound: {pending} messages wait for {platform} chat {chat} "
                     "([outbox] max_per_chat = {bound}); plain notices past it are folded")


class Health:
    """What the runtime knows and the database does not: when the sweep last ran, each platform's state."""

    def __init__(self, clock: Clock, *, sweep_interval: timedelta, platforms: Collection[str] = (),
                 outbox_max_per_chat: int = 0) -> None:
        self.clock = clock
        self.sweep_interval = sweep_interval
        self.outbox_max_per_chat = outbox_max_per_chat  # 0: no bound to report
        self.started_at = clock.now()  # a sweep that never ran is stale counted from here
        self.last_sweep_at: datetime | None = None
        self._platforms: dict[str, Callable[[], str]] = {
            name: (lambda: CONSOLE) if name == CONSOLE else (lambda: CONNECTING) for name in sorted(platforms)}
        self._links: dict[str, Callable[[], str]] = {}

    def swept(self) -> None:
        """The sweep has just run to the end."""
        self.last_sweep_at = self.clock.now()

    def platform(self, name: str, state: Callable[[], str]) -> None:
        """Report platform `name`'s state by asking `state` (connected, down, ...) at each check."""
        self._platforms[name] = state

    def platform_states(self) -> dict[str, str]:
        """Each platform's state now."""
        return {name: state() for name, state in self._platforms.items()}

    def link(self, name: str, state: Callable[[], str]) -> None:
        """Report an outside service the desk links to (GitHub) by asking `state` at each check; its being
        down is reported, never a problem of the desk's (nothing waits on it)."""
        self._links[name] = state

    def link_states(self) -> dict[str, str]:
        return {name: state() for name, state in self._links.items()}


@dataclass(frozen=True)
class HealthReport:
    """The answer of /healthz; healthy when `problems` is empty."""

    database: str  # ok | unreachable
    last_sweep_seconds_ago: float | None  # None: no sweep yet
    outbox_pending: int | None  # None: the database did not say
    oldest_pending_seconds: float | None
    platforms: dict[str, str]
    problems: tuple[str, ...]
    links: dict[str, str] = field(default_factory=dict)  # outside services (GitHub): ok, unreachable, ...
    past_bound: tuple[Tally, ...] = ()  # (platform, chat) with more messages waiting than the bound

    def as_json(self) -> dict[str, object]:
        """The report as JSON values (`problems` only when there are some)."""
        body: dict[str, object] = {
            "database": self.database, "last_sweep_seconds_ago": self.last_sweep_seconds_ago,
            "outbox": {"pending": self.outbox_pending, "oldest_pending_seconds": self.oldest_pending_seconds,
                       **({"past_bound": [{"platform": t.labels[0], "chat_id": int(t.labels[1]), "pending": t.count}
                                          for t in self.past_bound]} if self.past_bound else {})},
            "platforms": self.platforms,
        }
        if self.links:
            body["links"] = self.links
        if self.problems:
            body["problems"] = list(self.problems)
        return body


async def check(uow: UnitOfWorkFactory, health: Health) -> HealthReport:
    """Ask the database for the outbox's backlog and put it together with what the runtime knows."""
    now = health.clock.now()
    problems: list[str] = []
    pending: int | None = None
    oldest: float | None = None
    crowded: Sequence[Tally] = ()
    try:
        backlog, crowded = await asyncio.wait_for(_backlog(uow, health.outbox_max_per_chat), DATABASE_TIMEOUT)
    except Exception as err:  # any failure to answer is the same to whoever watches
        log.warning("health check: the database does not answer (%s)", type(err).__name__)
        problems.append(DATABASE_UNREACHABLE)
        database = "unreachable"
    else:
        database = "ok"
        pending = backlog.pending
        if backlog.oldest_pending_at is not None:
            oldest = max(0.0, (now - backlog.oldest_pending_at).total_seconds())
            if oldest > OUTBOX_MAX_AGE.total_seconds():
                problems.append(OUTBOX_STUCK.format(seconds=oldest))
        problems += [OUTBOX_PAST_BOUND.format(pending=t.count, platform=t.labels[0], chat=t.labels[1],
                                              bound=health.outbox_max_per_chat) for t in crowded]
    last = health.last_sweep_at
    since_sweep = (now - (last or health.started_at)).total_seconds()
    interval = health.sweep_interval.total_seconds()
    if since_sweep > STALE_SWEEPS * interval:
        problems.append(SWEEP_STALE.format(seconds=since_sweep, interval=interval))
    return HealthReport(
        database=database, last_sweep_seconds_ago=None if last is None else round(since_sweep, 3),
        outbox_pending=pending, oldest_pending_seconds=None if oldest is None else round(oldest, 3),
        platforms=health.platform_states(), problems=tuple(problems), links=health.link_states(),
        past_bound=tuple(crowded))


async def _backlog(uow: UnitOfWorkFactory, bound: int) -> tuple[OutboxBacklog, Sequence[Tally]]:
    """The outbox's backlog, and the chats with more messages waiting than `bound` (none asked when 0)."""
    async with uow() as tx:
        return await tx.ops.outbox_backlog(), await tx.ops.outbox_chats(bound) if bound > 0 else ()
