"""An in-memory unit of work implementing exactly the storage ports of services/ports.py.

Each unit of work works on a private copy of the committed rows and publishes it on
commit, so a use case that raises half-way leaves nothing behind, as with a database.
One writer at a time, like SQLite: units of work are not meant to overlap.

To fake a new repository, write a class with `empty()`, `copy(rows)` and `__init__(rows)`,
and list it in `FakeUnitOfWork.repositories` (or in a subclass's) under its port name.
"""

from __future__ import annotations

import copy
import dataclasses
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from supportbot.domain import metrics
from supportbot.domain.oncall import Handoff
from supportbot.domain.satisfaction import Rating
from supportbot.domain.ticket_states import Severity, Status
from supportbot.domain.tickets import Ticket
from supportbot.services.outbox import FOLDED_INTO, CardButtons, MessageLink, OutboxItem, OutboxKind, WaitingNotice
from supportbot.services.ports import DeadLetter, DuplicateMessage, TicketEvent


def copy_ticket(ticket: Ticket) -> Ticket:
    """A detached copy of a ticket (its lists copied too)."""
    return dataclasses.replace(ticket, pr_links=list(ticket.pr_links), missing=list(ticket.missing))


def ticket_values(ticket: Ticket) -> dict[str, Any]:
    """Every field of a ticket, for comparing states."""
    return {f.name: getattr(ticket, f.name) for f in dataclasses.fields(ticket)}


# --- tickets ---------------------------------------------------------------------


@dataclass
class TicketRows:
    by_id: dict[int, Ticket] = field(default_factory=dict)
    last_number: int = 0
    last_id: int = 0


class FakeTickets:
    events: list[TicketEvent]  # the history of the same unit of work: /stats reads how tickets were answered
    ratings: dict[int, Rating]  # the ratings of the same unit of work, by ticket id

    def __init__(self, rows: TicketRows) -> None:
        self.rows = rows
        self.events = []
        self.ratings = {}

    @staticmethod
    def empty() -> TicketRows:
        return TicketRows()

    @staticmethod
    def copy(rows: TicketRows) -> TicketRows:
        return TicketRows({i: copy_ticket(t) for i, t in rows.by_id.items()}, rows.last_number, rows.last_id)

    async def next_number(self) -> int:
        self.rows.last_number += 1
        return self.rows.last_number

    async def add(self, ticket: Ticket) -> None:
        if any(t.number == ticket.number for t in self.rows.by_id.values()):
            raise ValueError(f"ticket number {ticket.number} is taken")
        self.rows.last_id += 1
        ticket.id = self.rows.last_id
        self.rows.by_id[ticket.id] = ticket

    async def get(self, ticket_id: int) -> Ticket | None:
        return self.rows.by_id.get(ticket_id)

    async def by_number(self, number: int) -> Ticket | None:
        return next((t for t in self.rows.by_id.values() if t.number == number), None)

    async def list(
        self, *, open_only: bool = True, product: str | None = None, status: str | None = None,
        reporter: tuple[str, int] | None = None, assignee: str | None = None, limit: int = 50,
    ) -> Sequence[Ticket]:
        found = [
            t for t in self.rows.by_id.values()
            if not (open_only and t.status is Status.RESOLVED)
            and (product is None or t.product == product)
            and (status is None or t.status.value == status)
            and (reporter is None or (t.reporter_platform, t.reporter_id) == reporter)
            and (assignee is None or t.assignee == assignee)
        ]
        return sorted(found, key=lambda t: (t.created_at, t.number))[:limit]

    async def opened_by(self, reporter: tuple[str, int], since: datetime, limit: int) -> Sequence[datetime]:
        found = [t.created_at for t in self.rows.by_id.values()
                 if (t.reporter_platform, t.reporter_id) == reporter and t.created_at > since]
        return sorted(found, reverse=True)[:limit]

    async def claim_due(self, now: datetime, limit: int) -> Sequence[Ticket]:
        due = [t for t in self.rows.by_id.values() if t.next_due_at is not None and t.next_due_at <= now]
        # Copies, as the database gives them: what the sweep changes is stored by save_clocks() alone.
        return [copy_ticket(t) for t in sorted(due, key=lambda t: t.next_due_at)[:limit]]

    async def save_clocks(self, claimed: Sequence[Ticket]) -> None:
        for ticket in claimed:
            stored = self.rows.by_id[ticket.stored_id]
            stored.next_due_at, stored.escalation_level = ticket.next_due_at, ticket.escalation_level
            stored.last_escalation_at = ticket.last_escalation_at
            stored.first_response_missed_notified = ticket.first_response_missed_notified

    async def open_numbers(self, prefix: str = "", limit: int = 25) -> Sequence[tuple[int, str]]:
        found = await self.list(open_only=True, limit=len(self.rows.by_id))
        return [(t.number, t.title) for t in found if not t.security and str(t.number).startswith(prefix)][:limit]

    async def backlog(self, *, product: str | None = None, security: bool = False,
                      limit: int = 50) -> Sequence[Ticket]:
        found = [t for t in self.rows.by_id.values()
                 if t.is_open and (product is None or t.product == product) and (security or not t.security)]
        return sorted(found, key=lambda t: (t.priority is None, t.priority or "", t.created_at, t.number))[:limit]

    async def count_open(self, product: str | None = None, security: bool = False) -> int:
        return sum(1 for t in self.rows.by_id.values()
                   if t.is_open and (product is None or t.product == product) and (security or not t.security))

    async def period_figures(self, start: datetime, *, end: datetime | None = None, now: datetime | None = None,
                             product: str | None = None, security: bool = False,
                             resolving_first_responses: Sequence[str] = ()) -> metrics.PeriodFigures:
        """The figures as domain/metrics.py defines them, over the tickets, the history (`events`) and the
        ratings (`ratings`)."""
        def in_scope(t: Ticket) -> bool:
            return (product is None or t.product == product) and (security or not t.security)

        opened = [t for t in self.rows.by_id.values()
                  if t.created_at >= start and (end is None or t.created_at < end) and in_scope(t)]
        at_first = {e.ticket_id for e in self.events
                    if e.kind == "first_response" and e.detail in resolving_first_responses}
        escalated = {e.ticket_id for e in self.events
                     if e.kind == "escalation" and e.detail in ("emergency_unanswered", "emergency_idle")}
        scores = [r.score for r in self.ratings.values() if r.rated_at >= start and (end is None or r.rated_at < end)
                  and in_scope(self.rows.by_id[r.ticket_id])]
        return metrics.figures_of(opened, at_first, now=now, escalated=escalated, scores=scores)

    async def count_open_at(self, at: datetime, product: str | None = None, security: bool = False) -> int:
        return sum(1 for t in self.rows.by_id.values()
                   if t.created_at < at and (t.resolved_at is None or t.resolved_at >= at)
                   and (product is None or t.product == product) and (security or not t.security))


# --- history ---------------------------------------------------------------------


class FakeEvents:
    def __init__(self, rows: list[TicketEvent]) -> None:
        self.rows = rows

    @staticmethod
    def empty() -> list[TicketEvent]:
        return []

    @staticmethod
    def copy(rows: list[TicketEvent]) -> list[TicketEvent]:
        return list(rows)  # events are frozen

    async def add(self, event: TicketEvent) -> None:
        self.rows.append(dataclasses.replace(event, id=len(self.rows) + 1))

    async def add_many(self, events: Sequence[TicketEvent]) -> None:
        for event in events:
            await self.add(event)

    async def for_ticket(self, ticket_id: int) -> Sequence[TicketEvent]:
        return [e for e in self.rows if e.ticket_id == ticket_id]

    async def tickets_with(self, kind: str, details: Sequence[str], ticket_ids: Sequence[int]) -> set[int]:
        return {e.ticket_id for e in self.rows
                if e.kind == kind and e.detail in details and e.ticket_id in ticket_ids}


# --- platform messages -------------------------------------------------------------


class FakeMessages:
    def __init__(self, rows: list[MessageLink]) -> None:
        self.rows = rows

    @staticmethod
    def empty() -> list[MessageLink]:
        return []

    @staticmethod
    def copy(rows: list[MessageLink]) -> list[MessageLink]:
        return list(rows)  # links are frozen

    async def add(self, link: MessageLink) -> None:
        key = (link.platform, link.chat_id, link.message_id)
        if any((r.platform, r.chat_id, r.message_id) == key for r in self.rows):
            raise DuplicateMessage(":".join(map(str, key)))
        self.rows.append(link)

    async def ticket_for(self, platform: str, chat_id: int, message_id: int) -> int | None:
        return next((r.ticket_id for r in self.rows
                     if (r.platform, r.chat_id, r.message_id) == (platform, chat_id, message_id)), None)

    async def ticket_for_thread(self, platform: str, chat_id: int, thread_id: int) -> int | None:
        return next((r.ticket_id for r in self.rows
                     if (r.platform, r.chat_id, r.thread_id) == (platform, chat_id, thread_id)), None)

    async def cards(self, ticket_id: int) -> Sequence[MessageLink]:
        return [r for r in self.rows if r.ticket_id == ticket_id and r.role == "card"]


# --- outbox ------------------------------------------------------------------------


class FakeOutbox:
    def __init__(self, rows: list[OutboxItem]) -> None:
        self.rows = rows
        self.tickets: TicketRows | None = None  # the unit of work hands over its ticket rows (for folding)

    @staticmethod
    def empty() -> list[OutboxItem]:
        return []

    @staticmethod
    def copy(rows: list[OutboxItem]) -> list[OutboxItem]:
        return copy.deepcopy(rows)

    async def add(self, item: OutboxItem) -> None:
        """Queue a row; one whose dedupe key is already queued is silently dropped, as in the database."""
        if item.dedupe_key is not None and any(r.dedupe_key == item.dedupe_key for r in self.rows):
            return
        row = copy.deepcopy(item)
        row.id = len(self.rows) + 1
        row.next_attempt_at = item.next_attempt_at or item.created_at
        self.rows.append(row)

    async def add_many(self, items: Sequence[OutboxItem]) -> None:
        for item in items:
            await self.add(item)

    def _due(self, platform: str, now: datetime, limit: int, per_chat: int, skip: Collection[int]) -> list[OutboxItem]:
        """As the database claims: in queue order, nothing behind a row of its chat that is not due
        (retrying or leased), at most `per_chat` rows of one chat, none of the chats skipped."""
        due: list[OutboxItem] = []
        taken: dict[int, int] = {}
        blocked: set[int] = set(skip)
        for row in sorted(self.rows, key=lambda r: r.id or 0):
            if row.platform != platform or row.status != "pending" or row.chat_id in blocked:
                continue
            assert row.next_attempt_at is not None, "a queued row has its due time"
            if row.next_attempt_at > now:
                blocked.add(row.chat_id)
            elif taken.get(row.chat_id, 0) < per_chat:
                taken[row.chat_id] = taken.get(row.chat_id, 0) + 1
                due.append(row)
        return due[:limit]

    async def claim(self, platform: str, now: datetime, lease_until: datetime, limit: int, *, per_chat: int,
                    skip_chats: Collection[int] = (),
                    starting: Callable[[Sequence[OutboxItem]], Sequence[OutboxItem]] | None = None,
                    ) -> Sequence[OutboxItem]:
        claimed = []
        for row in self._due(platform, now, limit, per_chat, skip_chats):
            item = copy.deepcopy(row)
            item.attempts += 1
            claimed.append(item)
            row.attempts += 1
            row.next_attempt_at = lease_until
        sent_now = {item.id for item in starting(claimed)} if starting is not None and claimed else set()
        for row in self.rows:
            if row.id in sent_now:
                row.sending_at = now
        return claimed

    async def update(self, item: OutboxItem) -> None:
        row = next(r for r in self.rows if r.id == item.id)
        row.status, row.attempts, row.next_attempt_at = item.status, item.attempts, item.next_attempt_at
        row.last_error, row.platform_message_id = item.last_error, item.platform_message_id
        row.sending_at = item.sending_at = None

    async def mark_sending(self, item_ids: Sequence[int], at: datetime) -> None:
        for row in self.rows:
            if row.id in item_ids:
                row.sending_at = at

    async def wait_behind(self, platform: str, chat_id: int, row_id: int, until: datetime) -> None:
        for row in self.rows:
            if (row.platform, row.chat_id, row.status) == (platform, chat_id, "pending") and (row.id or 0) > row_id:
                assert row.next_attempt_at is not None, "a queued row has its due time"
                row.next_attempt_at = max(row.next_attempt_at, until)

    async def put_back(self, item_ids: Sequence[int], until: datetime, reason: str) -> None:
        for row in self.rows:
            if row.id in item_ids:
                row.attempts, row.next_attempt_at, row.last_error, row.sending_at = row.attempts - 1, until, reason, None

    async def waiting_notices(self, platform: str, chat_id: int, *, beyond: int = 0,
                              limit: int) -> Sequence[WaitingNotice]:
        assert self.tickets is not None
        queue = sorted((r for r in self.rows if (r.platform, r.chat_id, r.status) == (platform, chat_id, "pending")),
                       key=lambda r: r.id or 0)[beyond:]
        found = [copy.deepcopy(r) for r in queue
                 if r.kind is OutboxKind.MESSAGE and r.ticket_id is not None and r.reply_to is None
                 and r.thread_id is None and r.sending_at is None and r.payload is None][:limit]
        return [WaitingNotice(r, self.tickets.by_id[r.ticket_id].number,
                              self.tickets.by_id[r.ticket_id].severity is Severity.EMERGENCY)
                for r in found if r.ticket_id is not None]

    async def fold(self, folded: Sequence[int], digests: Sequence[OutboxItem]) -> bool:
        first = len(self.rows) + 1
        await self.add_many(digests)
        rows = [r for r in self.rows if r.id in folded and r.status == "pending" and r.sending_at is None]
        for row in rows:
            row.status, row.next_attempt_at, row.last_error = "sent", None, FOLDED_INTO.format(id=first)
        return len(rows) == len(folded)

    async def crowded_chats(self, platform: str, over: int) -> Sequence[tuple[int, int]]:
        counts = Counter(r.chat_id for r in self.rows if r.platform == platform and r.status == "pending")
        return [(chat, n) for chat, n in counts.items() if n > over]

    async def refresh_pending_cards(self, ticket_id: int, text: str, buttons: CardButtons) -> None:
        for row in self.rows:
            if row.ticket_id == ticket_id and row.kind is OutboxKind.CARD and row.status == "pending":
                row.text, row.payload = text, buttons

    async def card_pending(self, platform: str, ticket_id: int) -> bool:
        return any(row.platform == platform and row.ticket_id == ticket_id and row.kind is OutboxKind.CARD
                   and row.status == "pending" for row in self.rows)


# --- on call ---------------------------------------------------------------------------


class FakeHandoffs:
    """Handoffs, and the open-emergency summary the handoff reads from the tickets."""

    def __init__(self, rows: list[Handoff]) -> None:
        self.rows = rows
        self.tickets: TicketRows | None = None  # the unit of work hands over its ticket rows

    @staticmethod
    def empty() -> list[Handoff]:
        return []

    @staticmethod
    def copy(rows: list[Handoff]) -> list[Handoff]:
        return list(rows)  # handoffs are frozen

    async def add(self, handoff: Handoff) -> int:
        self.rows.append(dataclasses.replace(handoff, id=len(self.rows) + 1))
        return len(self.rows)

    async def active(self, now: datetime) -> Sequence[Handoff]:
        return sorted((h for h in self.rows if h.until > now), key=lambda h: (h.at, h.id))

    async def open_emergencies(self) -> Sequence[tuple[int, str | None]]:
        assert self.tickets is not None
        return sorted((t.number, t.assignee) for t in self.tickets.by_id.values()
                      if t.severity is Severity.EMERGENCY and t.is_open and not t.security)


class FakeKeeps:
    def __init__(self, rows: set[tuple[str, int]]) -> None:
        self.rows = rows

    @staticmethod
    def empty() -> set[tuple[str, int]]:
        return set()

    @staticmethod
    def copy(rows: set[tuple[str, int]]) -> set[tuple[str, int]]:
        return set(rows)

    async def add(self, ticket_id: int, person: str, at: datetime) -> bool:
        added = (person, ticket_id) not in self.rows
        self.rows.add((person, ticket_id))
        return added

    async def of(self, person: str) -> set[int]:
        return {ticket_id for who, ticket_id in self.rows if who == person}

    async def release(self, person: str) -> None:
        self.rows -= {row for row in self.rows if row[0] == person}


class FakeHandled:
    def __init__(self, rows: dict[str, datetime]) -> None:
        self.rows = rows

    @staticmethod
    def empty() -> dict[str, datetime]:
        return {}

    @staticmethod
    def copy(rows: dict[str, datetime]) -> dict[str, datetime]:
        return dict(rows)

    async def add(self, key: str, at: datetime) -> bool:
        if key in self.rows:
            return False
        self.rows[key] = at
        return True

    async def has(self, key: str) -> bool:
        return key in self.rows


class FakeDeadLetters:
    def __init__(self, rows: list[DeadLetter]) -> None:
        self.rows = rows

    @staticmethod
    def empty() -> list[DeadLetter]:
        return []

    @staticmethod
    def copy(rows: list[DeadLetter]) -> list[DeadLetter]:
        return list(rows)

    async def park(self, letter: DeadLetter) -> int | None:
        if any((r.platform, r.kind, r.ref) == (letter.platform, letter.kind, letter.ref) for r in self.rows):
            return None
        self.rows.append(dataclasses.replace(letter, id=len(self.rows) + 1))
        return len(self.rows)

    async def get(self, letter_id: int) -> DeadLetter | None:
        return next((r for r in self.rows if r.id == letter_id), None)

    async def list(self, *, status: str | None = None, platform: str | None = None,
                   limit: int = 100) -> Sequence[DeadLetter]:
        found = [r for r in self.rows if (status is None or r.status == status)
                 and (platform is None or r.platform == platform)]
        return found[:limit]

    async def set_status(self, letter_id: int, status: str, at: datetime | None = None,
                         error: str | None = None) -> None:
        for i, row in enumerate(self.rows):
            if row.id == letter_id:
                self.rows[i] = dataclasses.replace(row, status=status, replayed_at=at or row.replayed_at,
                                                   error=row.error if error is None else error)


class FakeRatings:
    """Ratings by ticket id, one per ticket."""

    def __init__(self, rows: dict[int, Rating]) -> None:
        self.rows = rows

    @staticmethod
    def empty() -> dict[int, Rating]:
        return {}

    @staticmethod
    def copy(rows: dict[int, Rating]) -> dict[int, Rating]:
        return {ticket_id: dataclasses.replace(r) for ticket_id, r in rows.items()}

    async def of(self, ticket_id: int) -> Rating | None:
        found = self.rows.get(ticket_id)
        return dataclasses.replace(found) if found else None

    async def save(self, rating: Rating) -> None:
        stored = self.rows.get(rating.ticket_id)
        rating.id = stored.id if stored else len(self.rows) + 1
        rated_at = stored.rated_at if stored else rating.rated_at
        self.rows[rating.ticket_id] = dataclasses.replace(rating, rated_at=rated_at)


# --- the unit of work ------------------------------------------------------------------


class FakeUnitOfWork:
    """One 'transaction' over a FakeStore: repositories see a private copy until commit()."""

    repositories: ClassVar[dict[str, Any]] = {
        "tickets": FakeTickets, "events": FakeEvents, "messages": FakeMessages, "outbox": FakeOutbox,
        "handoffs": FakeHandoffs, "keeps": FakeKeeps, "handled": FakeHandled, "dead_letters": FakeDeadLetters,
        "ratings": FakeRatings,
    }

    tickets: FakeTickets
    events: FakeEvents
    messages: FakeMessages
    outbox: FakeOutbox
    handoffs: FakeHandoffs
    keeps: FakeKeeps
    handled: FakeHandled
    dead_letters: FakeDeadLetters
    ratings: FakeRatings

    def __init__(self, store: FakeStore) -> None:
        self.store = store
        self.committed = False

    async def __aenter__(self) -> FakeUnitOfWork:
        self._rows = {name: repo.copy(self.store.rows[name]) for name, repo in self.repositories.items()}
        for name, repo in self.repositories.items():
            setattr(self, name, repo(self._rows[name]))
        self.handoffs.tickets = self._rows["tickets"]  # the handoff summary reads open emergencies
        self.outbox.tickets = self._rows["tickets"]  # a digest lists the numbers of the notices' tickets
        self.tickets.events = self._rows["events"]
        self.tickets.ratings = self._rows["ratings"]  # the metrics count the ratings in scope
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._rows = {}

    async def commit(self) -> None:
        self.store.rows = {name: repo.copy(self._rows[name]) for name, repo in self.repositories.items()}
        self.store.commits += 1
        self.committed = True

    async def rollback(self) -> None:
        self._rows = {name: repo.copy(self.store.rows[name]) for name, repo in self.repositories.items()}
        for name, repo in self.repositories.items():
            setattr(self, name, repo(self._rows[name]))
        self.handoffs.tickets = self._rows["tickets"]  # the handoff summary reads open emergencies
        self.outbox.tickets = self._rows["tickets"]  # a digest lists the numbers of the notices' tickets
        self.tickets.events = self._rows["events"]
        self.tickets.ratings = self._rows["ratings"]  # the metrics count the ratings in scope


class FakeStore:
    """The committed state; call it for a unit of work (it is a UnitOfWorkFactory)."""

    unit_of_work: type[FakeUnitOfWork] = FakeUnitOfWork

    def __init__(self) -> None:
        self.rows: dict[str, Any] = {name: repo.empty() for name, repo in self.unit_of_work.repositories.items()}
        self.commits = 0

    def __call__(self) -> FakeUnitOfWork:
        return self.unit_of_work(self)

    # -- reading the committed state in assertions --------------------------------

    @property
    def tickets(self) -> list[Ticket]:
        return sorted(self.rows["tickets"].by_id.values(), key=lambda t: t.number)

    def ticket(self, number: int) -> Ticket:
        return next(t for t in self.tickets if t.number == number)

    @property
    def events(self) -> list[TicketEvent]:
        return list(self.rows["events"])

    @property
    def links(self) -> list[MessageLink]:
        return list(self.rows["messages"])

    @property
    def outbox(self) -> list[OutboxItem]:
        return list(self.rows["outbox"])

    def snapshot(self) -> dict[str, Any]:
        """Everything stored, as plain comparable values: equal snapshots mean nothing changed."""
        return {
            "tickets": [ticket_values(t) for t in self.tickets],
            "events": self.events,
            "links": self.links,
            "outbox": [dataclasses.asdict(r) for r in self.outbox],
            "counter": self.rows["tickets"].last_number,
            "ratings": dict(self.rows["ratings"]),
        }

    def rating(self, number: int) -> Rating | None:
        """The committed rating of ticket `number`, if it has one."""
        found: Rating | None = self.rows["ratings"].get(self.ticket(number).id)
        return found


async def queue(store: FakeStore, *items: OutboxItem) -> None:
    """Put outbox rows in the store, as a committed use case would."""
    async with store() as uow:
        for item in items:
            await uow.outbox.add(item)
        await uow.commit()
