"""The public tracker: which tickets and which lines of their history anyone may read, and in what words.

Reads go through the unit of work's public views, which never select a reporter, a security ticket or an
internal note; on the way out every text is redacted again (secrets, account addresses), in case a
stored one slipped past intake. Nothing here names a team member: their replies are the support team's."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from supportbot.domain import texts
from supportbot.domain.people import Directory
from supportbot.domain.secret_detection import redact
from supportbot.domain.ticket_states import Resolution, Severity, Status
from supportbot.domain.tickets import MAX_TICKET_NUMBER

if TYPE_CHECKING:
    from supportbot.services.ports import UnitOfWork, UnitOfWorkFactory

RECENT = timedelta(days=14)  # resolved tickets stay listed this long
PAGE_SIZE = 200
MAX_PAGE = 1000  # deeper pages are refused rather than read through an ever longer offset
FEED_SIZE = 50

SUPPORT_TEAM = "Support team"
ADDRESS_REDACTED = "0x…[address]"
BAD_PRODUCT = "Unknown product {given!r}; products: {known}."
BAD_STATUS = "Unknown status {given!r}; statuses: {known}."
BAD_PAGE = "The page must be a whole number from 1 to {most}."
NO_PRODUCT = "Other"  # the heading of tickets no product was found for (the emergency channel's)

# History kinds shown whoever acted (a reporter may reopen their own ticket), and the team's replies in
# the ticket's public conversation (services/intake.message_kind). Every other kind (notes, assignments,
# escalations, edits, the reporter's own messages, the team talking in its own chats) is the team's business.
STATUS_KINDS = ("status", "resolve", "reopen")
PUBLIC_KINDS = ("created", *STATUS_KINDS, "severity", "reply")

_ADDRESS = re.compile(r"(?<![0-9A-Za-z])0[xX][0-9a-fA-F]{40}(?![0-9A-Za-z])")


@dataclass(frozen=True)
class PublicTicket:
    """What of a ticket is public: no reporter, no assignee, no report body."""

    id: int
    number: int
    product: str | None
    severity: Severity
    status: Status
    resolution: Resolution | None
    title: str
    created_at: datetime
    resolved_at: datetime | None


@dataclass(frozen=True)
class PublicEvent:
    """A history line the public may see (its kind says what it is; no actor)."""

    ticket_id: int
    id: int
    at: datetime
    kind: str
    detail: str


@dataclass(frozen=True)
class Entry:
    """One line of a ticket's public timeline."""

    at: datetime
    kind: str  # opened | status | severity | reply
    text: str
    id: int = 0


@dataclass(frozen=True)
class Row:
    """A ticket as a list shows it: the ticket, its age, and its latest public update."""

    ticket: PublicTicket
    title: str
    age: str
    last_update: Entry


@dataclass(frozen=True)
class Group:
    product: str | None
    name: str
    rows: list[Row]


class BadFilter(ValueError):
    """A filter the tracker does not know; its message is the one-line reason."""


@dataclass(frozen=True)
class Filters:
    product: str | None = None
    status: Status | None = None
    page: int = 1

    def query(self, **changes: object) -> dict[str, str]:
        """These filters (with `changes`) as query-string values; defaults left out."""
        values: dict[str, object] = {"product": self.product, "status": self.status.value if self.status else None, "page": self.page}
        values.update(changes)
        return {key: str(value) for key, value in values.items() if value not in (None, "", 1)}


@dataclass(frozen=True)
class Listing:
    """One page of the tracker: open tickets oldest first, then (page one) the recently resolved."""

    filters: Filters
    open: list[Row]
    resolved: list[Row]
    more_open: bool  # a next page holds more
    more_resolved: bool  # more resolved than shown here: ?status=resolved pages through them
    now: datetime
    products: Mapping[str, str] = field(default_factory=dict)

    def groups(self, rows: Sequence[Row]) -> list[Group]:
        """The rows per product, in the configured order (tickets without a product last)."""
        order = {key: i for i, key in enumerate(self.products)}
        keys = sorted({row.ticket.product for row in rows}, key=lambda k: (k is None, order.get(k or "", len(order)), k or ""))
        return [Group(key, self.products.get(key, key) if key else NO_PRODUCT,
                      [row for row in rows if row.ticket.product == key]) for key in keys]


@dataclass(frozen=True)
class FeedEntry:
    ticket: PublicTicket
    title: str
    entry: Entry


def public_text(text: str) -> str:
    """The text with secrets and account addresses taken out: the last check before anything is shown."""
    return _ADDRESS.sub(ADDRESS_REDACTED, redact(text))


def age(since: datetime, now: datetime) -> str:
    """'12 min', '3 h', '2 d': how long ago, in the largest whole unit."""
    minutes = max(0, int((now - since).total_seconds()) // 60)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 24 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} d"


def parse_filters(query: Mapping[str, str], products: Collection[str]) -> Filters:
    """The filters of a query string (`product`, `status`, `page`); raises BadFilter for an unknown one."""
    product = query.get("product", "").strip()
    known = {key.casefold(): key for key in products}
    if product and product.casefold() not in known:
        raise BadFilter(BAD_PRODUCT.format(given=product[:40], known=", ".join(products) or "none"))
    status_given = query.get("status", "").strip().lower()
    statuses = [s.value for s in Status]
    if status_given and status_given not in statuses:
        raise BadFilter(BAD_STATUS.format(given=status_given[:40], known=", ".join(statuses)))
    page_given = query.get("page", "1").strip()
    if not page_given.isdigit() or not 1 <= int(page_given) <= MAX_PAGE:
        raise BadFilter(BAD_PAGE.format(most=MAX_PAGE))
    return Filters(known[product.casefold()] if product else None, Status(status_given) if status_given else None,
                   int(page_given))


def timeline(ticket: PublicTicket, events: Sequence[PublicEvent]) -> list[Entry]:
    """The ticket's public timeline, oldest first: opened, status and severity changes, resolution, replies."""
    entries = [Entry(ticket.created_at, "opened", "Reported")]
    severity: str | None = None
    for event in sorted(events, key=lambda e: (e.at, e.id)):
        if event.ticket_id != ticket.id:
            continue
        entry = _entry(event)
        if event.kind == "created":  # "normal ticket from telegram": what it was opened as
            severity = event.detail.split(" ", 1)[0]
            continue
        if entry is None:
            continue
        if event.kind == "severity":  # /severity to what it already was is recorded, but changes nothing
            if event.detail == severity:
                continue
            severity = event.detail
        entries.append(entry)
    return entries


def _entry(event: PublicEvent) -> Entry | None:
    """The public words for one history line; None for one it cannot read (nothing shown beats a guess)."""
    head = event.detail.split(":", 1)[0].strip()  # "in_progress: note": the note is the team's
    head, _, waits_on = head.partition(" · ")  # "in_progress · PR in review": what it waits on is public
    text: str | None = None
    if event.kind == "status" and head in Status._value2member_map_:
        status = Status(head)
        known = waits_on in texts.SUB_STATE_WORDS and status is Status.IN_PROGRESS
        text = f"{status.marker} {status.label}" + (f" · {waits_on}" if known else "")
    elif event.kind == "resolve" and head in Resolution._value2member_map_:
        text = f"{Status.RESOLVED.marker} resolved as {Resolution(head).value.replace('_', ' ')}"
    elif event.kind == "reopen" and head in Status._value2member_map_:
        status = Status(head)
        text = f"{status.marker} reopened ({status.label})"
    elif event.kind == "severity" and head in Severity._value2member_map_:
        severity = Severity(head)
        return Entry(event.at, "severity", f"Severity: {severity.icon} {severity.value}", event.id)
    elif event.kind == "reply":
        return Entry(event.at, "reply", public_text(event.detail), event.id)
    return Entry(event.at, "status", text, event.id) if text else None


def _row(ticket: PublicTicket, events: Sequence[PublicEvent], now: datetime) -> Row:
    return Row(ticket, public_text(ticket.title), age(ticket.created_at, now), timeline(ticket, events)[-1])


async def listing(uow: UnitOfWorkFactory, *, filters: Filters, directory: Directory, now: datetime) -> Listing:
    """One page of the tracker under `filters`."""
    offset = (filters.page - 1) * PAGE_SIZE
    status = filters.status
    async with uow() as tx:
        opened: Sequence[PublicTicket] = []
        resolved: Sequence[PublicTicket] = []
        if status is not Status.RESOLVED:
            opened = await tx.public.open_tickets(product=filters.product, status=status.value if status else None,
                                                  offset=offset, limit=PAGE_SIZE + 1)
        if status is Status.RESOLVED or (status is None and filters.page == 1):
            resolved = await tx.public.resolved_since(now - RECENT, product=filters.product,
                                                      offset=offset if status else 0, limit=PAGE_SIZE + 1)
        shown = [*opened[:PAGE_SIZE], *resolved[:PAGE_SIZE]]
        events = await _events(tx, [t.id for t in shown], PUBLIC_KINDS)
    by_ticket: dict[int, list[PublicEvent]] = {}
    for event in events:
        by_ticket.setdefault(event.ticket_id, []).append(event)
    rows = [_row(ticket, by_ticket.get(ticket.id, []), now) for ticket in shown]
    count = len(opened[:PAGE_SIZE])
    return Listing(filters, rows[:count], rows[count:], more_open=len(opened) > PAGE_SIZE,
                   more_resolved=len(resolved) > PAGE_SIZE, now=now,
                   products={product.key: product.name for product in directory.products})


async def ticket_page(uow: UnitOfWorkFactory, number: int) -> tuple[PublicTicket, list[Entry]] | None:
    """A public ticket and its timeline; None when there is no such ticket or it is not public."""
    if not 1 <= number <= MAX_TICKET_NUMBER:
        return None
    async with uow() as tx:
        ticket = await tx.public.ticket(number)
        if ticket is None:
            return None
        events = await _events(tx, [ticket.id], PUBLIC_KINDS)
    return ticket, timeline(ticket, events)


async def feed(uow: UnitOfWorkFactory, product: str, *, now: datetime) -> list[FeedEntry]:
    """The latest status changes of a product's listed tickets (open, or resolved lately), newest first."""
    async with uow() as tx:
        tickets = [*await tx.public.open_tickets(product=product, status=None, offset=0, limit=PAGE_SIZE),
                   *await tx.public.resolved_since(now - RECENT, product=product, offset=0, limit=PAGE_SIZE)]
        events = await _events(tx, [t.id for t in tickets], STATUS_KINDS)
    by_id = {t.id: t for t in tickets}
    entries = [FeedEntry(by_id[e.ticket_id], public_text(by_id[e.ticket_id].title), entry)
               for e in events if (entry := _entry(e)) is not None]
    entries.sort(key=lambda f: (f.entry.at, f.entry.id), reverse=True)
    return entries[:FEED_SIZE]


async def _events(tx: UnitOfWork, ticket_ids: Sequence[int], kinds: Collection[str]) -> Sequence[PublicEvent]:
    return await tx.public.events(ticket_ids, kinds=kinds)
