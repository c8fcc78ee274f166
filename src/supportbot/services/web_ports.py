"""What the web side's use cases need from storage: sign-in state, the public tracker's and the
board's reads, and the figures /healthz and /metrics report. Part of the unit of work (ports.UnitOfWork)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from supportbot.services.public_tracker import PublicEvent, PublicTicket


class WebAccessRepository(Protocol):
    """The web side's state: settings it generates once, one-time sign-in links, sessions (by token hash)."""

    async def setting(self, key: str) -> str | None: ...
    async def keep_setting(self, key: str, value: str) -> str: ...  # stores it unless set; returns what is stored
    async def add_login_token(self, token_hash: str, person: str, created_at: datetime,
                              expires_at: datetime) -> None: ...
    async def use_login_token(self, token_hash: str, now: datetime) -> str | None: ...  # the person, once
    async def add_session(self, id_hash: str, person: str, created_at: datetime, expires_at: datetime) -> None: ...
    async def session_person(self, id_hash: str, now: datetime) -> str | None: ...
    async def end_session(self, id_hash: str, now: datetime) -> None: ...


class PublicViews(Protocol):
    """What the public tracker reads: tickets and timelines with nothing private in them (never a security
    ticket, a reporter, an assignee or a note)."""

    async def open_tickets(self, *, product: str | None, status: str | None, offset: int,
                           limit: int) -> Sequence[PublicTicket]: ...  # oldest first
    async def resolved_since(self, since: datetime, *, product: str | None, offset: int,
                             limit: int) -> Sequence[PublicTicket]: ...  # latest resolved first
    async def ticket(self, number: int) -> PublicTicket | None: ...
    # The history lines of `kinds` of those tickets, oldest first.
    async def events(self, ticket_ids: Sequence[int], *, kinds: Collection[str]) -> Sequence[PublicEvent]: ...


@dataclass(frozen=True)
class BoardFilter:
    """Which tickets the board shows: open ones and those resolved since `resolved_since`, narrowed down."""

    resolved_since: datetime
    product: str | None = None
    severity: str | None = None
    assignee: str | None = None  # "mine": the signed-in person's name
    breached_at: datetime | None = None  # only tickets whose promise is broken at this instant
    security: bool = False  # security tickets too (the security team and admins only)


@dataclass(frozen=True)
class BoardCard:
    """One ticket as a board column shows it."""

    number: int
    title: str
    product: str | None
    severity: str
    status: str
    assignee: str | None
    security: bool
    created_at: datetime
    next_due_at: datetime | None  # the next first-response deadline or escalation (None once resolved)
    answered: bool  # a team member has responded
    first_response_missed: bool  # the first response was due and is still owed
    resolved_at: datetime | None
    priority: str | None = None  # p1-p4 once triaged
    sub_state: str = ""  # what an in-progress ticket waits on, in words ("PR in review"); "" when none


class BoardViews(Protocol):
    """What the team board reads: open tickets with their clocks, and the recently resolved (a ticket's page
    reads `tickets` and `events`)."""

    async def cards(self, wanted: BoardFilter, limit: int) -> Sequence[BoardCard]: ...  # open first, oldest first


@dataclass(frozen=True)
class OutboxBacklog:
    """The messages waiting to go out, and since when the oldest of them waits."""

    pending: int
    oldest_pending_at: datetime | None


@dataclass(frozen=True)
class Tally:
    """A count under labels (product, status, severity; platform, state...), in the order the query names them."""

    labels: tuple[str, ...]
    count: int


class OpsViews(Protocol):
    """What /healthz, /metrics and the metrics page's charts read: counts added up by the database."""

    async def outbox_backlog(self) -> OutboxBacklog: ...
    async def outbox_states(self) -> Sequence[Tally]: ...  # (platform, pending|failed|sent|dead)
    async def outbox_chats(self, over: int) -> Sequence[Tally]: ...  # (platform, chat): more than `over` waiting
    async def ticket_counts(self) -> Sequence[Tally]: ...  # (product, status, severity); product "" when none
    async def breached(self, now: datetime) -> Sequence[Tally]: ...  # open tickets owing a promise: (product, severity)
    async def event_count(self, kind: str) -> int: ...
    # Per UTC day ("YYYY-MM-DD") since `start`, over the tickets of `product` (all when None):
    async def opened_per_day(self, start: datetime, *, product: str | None, security: bool) -> dict[str, int]: ...
    async def resolved_per_day(self, start: datetime, *, product: str | None, security: bool) -> dict[str, int]: ...
    async def events_per_day(self, kind: str, start: datetime, *, product: str | None,
                             security: bool) -> dict[str, int]: ...
    # First-response waits of the tickets opened since `start`, counted per bucket: at most bounds[0]
    # microseconds, ..., the last count those above bounds[-1].
    async def first_response_spread(self, start: datetime, bounds_us: Sequence[int], *, product: str | None,
                                    security: bool) -> list[int]: ...
