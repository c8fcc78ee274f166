"""What the use cases need from the outside: platform events in, storage, clock and outbox out."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from supportbot.domain.metrics import PeriodFigures
from supportbot.domain.oncall import Handoff
from supportbot.domain.people import Person, Sender
from supportbot.domain.satisfaction import Rating
from supportbot.domain.tickets import Ticket
from supportbot.services.github_ports import GithubRepository
from supportbot.services.outbox import CardButtons, MessageLink, OutboxItem, WaitingNotice
from supportbot.services.web_ports import BoardViews, OpsViews, PublicViews, WebAccessRepository


@dataclass(frozen=True)
class IncomingMessage:
    """A chat message as every adapter hands it to the desk."""

    platform: str
    chat_id: int
    message_id: int
    sender: Sender
    text: str
    sent_at: datetime
    reply_to: int | None = None  # the message this one answers
    thread_id: int | None = None  # Telegram forum topic or Discord thread
    has_attachment: bool = False
    private: bool = False  # a one-to-one chat with the bot
    edited: bool = False


@dataclass(frozen=True)
class ButtonPress:
    """A press on a ticket card's button."""

    platform: str
    chat_id: int
    message_id: int
    sender: Sender
    ticket_number: int
    action: str  # a card button (take | in_progress | fix_provided | resolved) or a reporter's (texts.feedback)
    at: datetime
    event_id: str | None = None  # the platform's id of this press, when it may be delivered again


@dataclass(frozen=True)
class Reply:
    """What the desk answers the caller directly (a refusal is a Reply with ok=False)."""

    text: str
    ok: bool = True
    ephemeral: bool = False
    ticket_number: int | None = None
    quiet: bool = False  # only for platforms that must answer every command (Discord interactions)


@dataclass(frozen=True)
class TicketEvent:
    """One line of a ticket's history: who did what, when."""

    ticket_id: int
    at: datetime
    actor: str
    kind: str
    detail: str = ""
    id: int | None = None


class DuplicateMessage(Exception):
    """The platform message is already stored: a redelivery."""


@dataclass(frozen=True)
class DeadLetter:
    """A platform event that could not be handled, parked raw with the error so the rest go on."""

    platform: str
    kind: str  # update | message | edit | interaction ...: what the platform sent
    ref: str  # the platform's own id of the event (update id, message id)
    payload: str  # the event as received (JSON), for a replay
    error: str
    created_at: datetime
    chat_id: int | None = None
    status: str = "parked"  # parked | replay (asked for) | replayed | dropped
    replayed_at: datetime | None = None
    id: int | None = None


class TicketRepository(Protocol):
    async def next_number(self) -> int: ...
    async def add(self, ticket: Ticket) -> None: ...
    async def get(self, ticket_id: int) -> Ticket | None: ...
    async def by_number(self, number: int) -> Ticket | None: ...
    async def list(
        self, *, open_only: bool = True, product: str | None = None, status: str | None = None,
        reporter: tuple[str, int] | None = None, assignee: str | None = None, limit: int = 50,
    ) -> Sequence[Ticket]: ...
    async def claim_due(self, now: datetime, limit: int) -> Sequence[Ticket]: ...  # copies: see save_clocks
    async def save_clocks(self, claimed: Sequence[Ticket]) -> None: ...  # next due, escalation level and marks
    async def open_numbers(self, prefix: str = "", limit: int = 25) -> Sequence[tuple[int, str]]: ...
    async def count_open(self, product: str | None = None, security: bool = False) -> int: ...
    # Open tickets by priority (p1 first, untriaged last), then oldest first; security ones only when asked.
    async def backlog(self, *, product: str | None = None, security: bool = False,
                      limit: int = 50) -> Sequence[Ticket]: ...
    async def period_figures(self, start: datetime, *, end: datetime | None = None, now: datetime | None = None,
                             product: str | None = None, security: bool = False,
                             resolving_first_responses: Sequence[str] = ()) -> PeriodFigures: ...
    async def count_open_at(self, at: datetime, product: str | None = None, security: bool = False) -> int: ...
    # When one reporter's latest tickets opened after `since` were opened, newest first, at most `limit`.
    async def opened_by(self, reporter: tuple[str, int], since: datetime, limit: int) -> Sequence[datetime]: ...


class EventRepository(Protocol):
    async def add(self, event: TicketEvent) -> None: ...
    async def add_many(self, events: Sequence[TicketEvent]) -> None: ...
    async def for_ticket(self, ticket_id: int) -> Sequence[TicketEvent]: ...
    async def tickets_with(self, kind: str, details: Sequence[str], ticket_ids: Sequence[int]) -> set[int]: ...


class MessageRepository(Protocol):
    async def add(self, link: MessageLink) -> None: ...
    async def ticket_for(self, platform: str, chat_id: int, message_id: int) -> int | None: ...
    async def ticket_for_thread(self, platform: str, chat_id: int, thread_id: int) -> int | None: ...
    async def cards(self, ticket_id: int) -> Sequence[MessageLink]: ...


class OutboxRepository(Protocol):
    async def add(self, item: OutboxItem) -> None: ...
    async def add_many(self, items: Sequence[OutboxItem]) -> None: ...
    async def update(self, item: OutboxItem) -> None: ...
    async def claim(self, platform: str, now: datetime, lease_until: datetime, limit: int, *, per_chat: int,
                    skip_chats: Collection[int] = (),
                    starting: Callable[[Sequence[OutboxItem]], Sequence[OutboxItem]] | None = None,
                    ) -> Sequence[OutboxItem]: ...  # `starting` picks rows to mark as being sent now
    async def refresh_pending_cards(self, ticket_id: int, text: str, buttons: CardButtons) -> None: ...
    async def card_pending(self, platform: str, ticket_id: int) -> bool: ...  # a card of it not sent yet
    async def mark_sending(self, item_ids: Sequence[int], at: datetime) -> None: ...  # update() clears it
    async def put_back(self, item_ids: Sequence[int], until: datetime, reason: str) -> None: ...  # not a try
    # A claim whose commit went unanswered, nothing of it sent: its rows still holding its lease are due now.
    async def release_lost(self, item_ids: Sequence[int], leased_until: datetime, now: datetime) -> None: ...
    async def wait_behind(self, platform: str, chat_id: int, row_id: int, until: datetime) -> None: ...
    # Plain notices about tickets queued to a chat and not on their way, in queue order, past its first `beyond`
    # pending rows; locked until the transaction ends where the engine can.
    async def waiting_notices(self, platform: str, chat_id: int, *, beyond: int = 0,
                              limit: int) -> Sequence[WaitingNotice]: ...
    # Queue the digests and mark the folded rows sent through the first; False (nothing done) when another
    # sender settled one of them meanwhile.
    async def fold(self, folded: Sequence[int], digests: Sequence[OutboxItem]) -> bool: ...
    async def crowded_chats(self, platform: str, over: int) -> Sequence[tuple[int, int]]: ...  # (chat, pending)


class RatingRepository(Protocol):
    """Reporters' ratings of resolved tickets, one per ticket."""

    async def of(self, ticket_id: int) -> Rating | None: ...
    async def save(self, rating: Rating) -> None: ...  # adds it, or updates the ticket's rating in place


class HandoffRepository(Protocol):
    async def add(self, handoff: Handoff) -> int: ...
    async def active(self, now: datetime) -> Sequence[Handoff]: ...
    async def open_emergencies(self) -> Sequence[tuple[int, str | None]]: ...


class KeepRepository(Protocol):
    """Tickets their holder keeps through their next handoff."""

    async def add(self, ticket_id: int, person: str, at: datetime) -> bool: ...
    async def of(self, person: str) -> set[int]: ...
    async def release(self, person: str) -> None: ...


class HandledRepository(Protocol):
    """Keys of events already handled (and of once-only jobs already done)."""

    async def add(self, key: str, at: datetime) -> bool: ...  # False: the key was there already
    async def has(self, key: str) -> bool: ...


class DeadLetterRepository(Protocol):
    async def park(self, letter: DeadLetter) -> int | None: ...  # None: that event is parked already
    async def get(self, letter_id: int) -> DeadLetter | None: ...
    async def list(self, *, status: str | None = None, platform: str | None = None,
                   limit: int = 100) -> Sequence[DeadLetter]: ...
    async def set_status(self, letter_id: int, status: str, at: datetime | None = None,
                         error: str | None = None) -> None: ...


@dataclass(frozen=True)
class TicketLine:
    """A ticket as a digest lists it: number, title, product, and the instant the list is about (when it was
    opened, or when its promise was first broken) with what happened then."""

    number: int
    title: str
    product: str | None
    at: datetime
    detail: str = ""


class DigestViews(Protocol):
    """What the weekly digest and the morning summary read (security tickets only when asked)."""

    # When each ticket of the product (all when None) opened in [start, end) was opened, and when each one
    # resolved in it (and not reopened since) was resolved.
    async def opened_and_resolved(self, start: datetime, end: datetime, *, product: str | None,
                                  security: bool) -> tuple[list[datetime], list[datetime]]: ...
    # Tickets with an escalation in [start, end), at their first one there (detail: its kind), oldest first.
    async def breaches(self, start: datetime, end: datetime, *, product: str | None,
                       security: bool) -> Sequence[TicketLine]: ...
    # Open normal tickets without a priority, oldest first (at: opened), up to `limit`; and how many there are.
    async def untriaged(self, *, product: str | None, limit: int) -> tuple[Sequence[TicketLine], int]: ...


class OutboxSink(Protocol):
    async def add(self, item: OutboxItem) -> None: ...


class HasOutbox(Protocol):
    """What queueing a message needs: a unit of work, or a batch that collects its items."""

    @property
    def outbox(self) -> OutboxSink: ...


class UnitOfWork(Protocol):
    """One transaction: everything done inside commits together or not at all."""

    tickets: TicketRepository
    events: EventRepository
    messages: MessageRepository
    outbox: OutboxRepository
    handoffs: HandoffRepository
    keeps: KeepRepository
    handled: HandledRepository
    dead_letters: DeadLetterRepository
    ratings: RatingRepository
    web: WebAccessRepository
    public: PublicViews
    board: BoardViews
    ops: OpsViews
    digest: DigestViews
    github: GithubRepository

    async def __aenter__(self) -> UnitOfWork: ...
    async def __aexit__(self, *exc: object) -> None: ...
    async def commit(self) -> None: ...
    async def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...


class Clock(Protocol):
    def now(self) -> datetime: ...


class OnCallLookup(Protocol):
    """Who is on call, as the use cases that tag people need it."""

    def engineers(self, now: datetime) -> tuple[Person, ...]: ...
    def team(self) -> tuple[Person, ...]: ...
    async def refresh(self, uow: UnitOfWork, now: datetime) -> None: ...


class SystemClock:
    """The real time, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)
