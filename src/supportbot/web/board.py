"""The team board: the tickets in status columns per product with their SLA countdowns, a fragment of it the
page fetches every few seconds, and a ticket's page with its whole history (its actions: board_actions.py).
Sign-in: signin.py; /board/metrics is the metrics page's own."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aiohttp import web

from supportbot.domain import texts
from supportbot.domain.people import Directory, Person
from supportbot.domain.ticket_states import SUB_STATES, Resolution, Severity, Status
from supportbot.services import satisfaction, web_access
from supportbot.services.web_ports import BoardCard, BoardFilter
from supportbot.web import auth, board_actions, signin
from supportbot.web.server import CONTEXT, render

COLUMNS = (Status.RECEIVED, Status.IN_PROGRESS, Status.FIX_PROVIDED, Status.RESOLVED)
REFRESH_SECONDS = 10  # board.js fetches the columns this often
YES = frozenset({"1", "on", "true", "yes"})


@dataclass(frozen=True)
class Filters:
    """The board's filters as the query string gives them."""

    product: str | None = None
    severity: str | None = None
    mine: bool = False
    breached: bool = False


def read_filters(request: web.Request, directory: Directory) -> tuple[Filters, list[str]]:
    """The filters asked for; an unknown product or severity is dropped and said."""
    problems = []
    product = request.query.get("product", "").strip()
    known = directory.product(product) if product else None
    if product and known is None:
        problems.append(texts.NO_SUCH_FILTER.format(what="product", value=product[:40]))
    severity = request.query.get("severity", "").strip().lower()
    if severity and severity not in {s.value for s in Severity}:
        problems.append(texts.NO_SUCH_FILTER.format(what="severity", value=severity[:40]))
        severity = ""
    return Filters(product=known.key if known else None, severity=severity or None,
                   mine=request.query.get("mine", "").lower() in YES,
                   breached=request.query.get("breached", "").lower() in YES), problems


@dataclass
class Column:
    status: Status
    cards: list[tuple[BoardCard, web_access.Countdown]] = field(default_factory=list)


@dataclass
class Section:
    """One product's row of columns."""

    key: str | None
    name: str
    columns: dict[Status, Column]

    @property
    def count(self) -> int:
        return sum(len(c.cards) for c in self.columns.values())


async def _sections(request: web.Request, person: Person, filters: Filters) -> list[Section]:
    ctx = request.app[CONTEXT]
    deps = ctx.desk.deps
    now = ctx.clock.now()
    wanted = BoardFilter(resolved_since=now - timedelta(days=web_access.BOARD_DAYS), product=filters.product,
                         severity=filters.severity, assignee=person.name if filters.mine else None,
                         breached_at=now if filters.breached else None)
    cards = await web_access.board_cards(deps, person, wanted)
    return group(cards, deps.directory, filters, now)


def group(cards: Sequence[BoardCard], directory: Directory, filters: Filters,
          now: datetime) -> list[Section]:
    """The cards in their product's section and status column (every product shown unless one is chosen)."""
    def section(key: str | None, name: str) -> Section:
        return Section(key, name, {status: Column(status) for status in COLUMNS})

    sections = {p.key: section(p.key, p.name) for p in directory.products
                if filters.product is None or p.key == filters.product}
    for card in cards:
        home = sections.get(card.product or "") or sections.setdefault(
            card.product or "", section(card.product, card.product or "No product"))
        home.columns[Status(card.status)].cards.append((card, web_access.countdown(card, now)))
    return list(sections.values())


async def board_page(request: web.Request) -> web.Response:
    """The board with its filters; the columns refresh themselves (static/board.js)."""
    person = await auth.require_team(request)
    directory = request.app[CONTEXT].desk.directory
    filters, problems = read_filters(request, directory)
    return render(request, "board/board.html", status=400 if problems else 200, person=person, filters=filters,
                  problems=problems, sections=await _sections(request, person, filters),
                  products=directory.products, severities=list(Severity), columns=COLUMNS,
                  csrf=auth.csrf_token(request), refresh=REFRESH_SECONDS)


async def board_fragment(request: web.Request) -> web.Response:
    """The columns alone, for the page to swap in; 401 once the session is gone (the page then reloads)."""
    person = await auth.signed_in(request)
    if person is None:
        raise web.HTTPUnauthorized(text="Signed out.")
    filters, _ = read_filters(request, request.app[CONTEXT].desk.directory)
    return render(request, "board/columns.html", sections=await _sections(request, person, filters),
                  columns=COLUMNS)


async def ticket_page(request: web.Request) -> web.Response:
    """A ticket's page: its report, clocks and whole history, and the forms that act on it."""
    person = await auth.require_team(request)
    ctx = request.app[CONTEXT]
    deps = ctx.desk.deps
    found = await web_access.ticket_with_history(deps, person, board_actions.ticket_number(request))
    if found is None:  # a security ticket is not there for those who may not see it
        raise web.HTTPNotFound(text="No such ticket.")
    ticket, history = found
    flash = board_actions.read_flash(request)
    response = render(
        request, "board/ticket.html", person=person, ticket=ticket, history=history, flash=flash,
        rating=await satisfaction.rating_of(deps, ticket), status_words=texts.status_words(ticket),
        sub_states=SUB_STATES,
        local=deps.clocks.calendar.format_local, deadlines=deps.clocks.deadlines(ticket),
        people=[p.name for p in deps.directory.people], statuses=list(Status), severities=list(Severity),
        resolutions=list(Resolution), csrf=auth.csrf_token(request))
    if flash is not None:
        board_actions.clear_flash(response)
    return response


def register(app: web.Application) -> None:
    """Add this module's routes: the board, its fragment, a ticket's page and actions, signing in and out."""
    signin.register(app)
    app.router.add_get("/board", board_page)
    app.router.add_get("/board/fragment", board_fragment)
    app.router.add_get("/board/tickets/{number}", ticket_page)
    board_actions.register(app)
