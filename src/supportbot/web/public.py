"""The public issue tracker: /, /tickets/<n>, their JSON twins under /api/public/ and an Atom feed per product.

Off (every route 404) with `[web] public_tracker = false`. A security ticket answers exactly like a number
that does not exist."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from supportbot.domain.ticket_states import Status
from supportbot.services import public_tracker as tracker
from supportbot.web.server import CONTEXT, WebContext, render

NOT_FOUND = "There is no public ticket #{number}."
NO_FEED = "There is no product {product!r}."
TICKET_ROUTE = r"{number:\d{1,12}}"


def register(app: web.Application) -> None:
    """Add this module's routes, unless the public tracker is off."""
    if not app[CONTEXT].options.public_tracker:
        return
    app.router.add_get("/", index)
    app.router.add_get(f"/tickets/{TICKET_ROUTE}", ticket_page)
    app.router.add_get("/api/public/tickets", api_tickets)
    app.router.add_get(f"/api/public/tickets/{TICKET_ROUTE}", api_ticket)
    app.router.add_get("/feeds/{name}", product_feed)


def _products(ctx: WebContext) -> dict[str, str]:
    return {product.key: product.name for product in ctx.desk.directory.products}


async def _listing(request: web.Request) -> tracker.Listing:
    """The page the query string asks for; raises BadFilter for an unknown filter."""
    ctx = request.app[CONTEXT]
    filters = tracker.parse_filters(request.query, _products(ctx))
    return await tracker.listing(ctx.uow, filters=filters, directory=ctx.desk.directory, now=ctx.clock.now())


def _link(path: str, filters: tracker.Filters, **changes: object) -> str:
    query = filters.query(**changes)
    return f"{path}?{urlencode(query)}" if query else path


async def index(request: web.Request) -> web.Response:
    try:
        listing = await _listing(request)
    except tracker.BadFilter as bad:
        raise web.HTTPBadRequest(text=str(bad)) from None
    filters = listing.filters
    return render(request, "public/index.html", listing=listing, statuses=list(Status),
                  age=tracker.age, prev_page=_link("/", filters, page=filters.page - 1) if filters.page > 1 else None,
                  next_page=_link("/", filters, page=filters.page + 1) if listing.more_open else None,
                  more_resolved=_link("/", filters, status="resolved", page=2) if listing.more_resolved else None,
                  recent_days=tracker.RECENT.days)


async def ticket_page(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT]
    ticket, entries = await _public_ticket(request)
    return render(request, "public/ticket.html", ticket=ticket, title=tracker.public_text(ticket.title),
                  entries=entries, now=ctx.clock.now(), age=tracker.age,
                  product_name=_products(ctx).get(ticket.product or "", ticket.product or tracker.NO_PRODUCT))


async def _public_ticket(request: web.Request) -> tuple[tracker.PublicTicket, list[tracker.Entry]]:
    """The ticket the path names, with its timeline; 404 when there is none or it is not public."""
    ctx = request.app[CONTEXT]
    number = int(request.match_info["number"])
    found = await tracker.ticket_page(ctx.uow, number)
    if found is None:
        raise web.HTTPNotFound(text=NOT_FOUND.format(number=number))
    return found


async def api_tickets(request: web.Request) -> web.Response:
    try:
        listing = await _listing(request)
    except tracker.BadFilter as bad:
        return _json({"error": str(bad)}, status=400)
    base = request.app[CONTEXT].options.public_url
    filters = listing.filters
    return _json({
        "filters": {"product": filters.product, "status": filters.status.value if filters.status else None,
                    "page": filters.page},
        "open": [_row_json(base, row) for row in listing.open],
        "recently_resolved": [_row_json(base, row) for row in listing.resolved],
        "next": base + _link("/api/public/tickets", filters, page=filters.page + 1) if listing.more_open else None,
    })


async def api_ticket(request: web.Request) -> web.Response:
    ticket, entries = await _public_ticket(request)
    base = request.app[CONTEXT].options.public_url
    return _json({**_ticket_json(base, ticket, tracker.public_text(ticket.title)),
                  "timeline": [{"at": _iso(e.at), "kind": e.kind, "text": e.text} for e in entries]})


async def product_feed(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT]
    name = request.match_info["name"]
    product = ctx.desk.directory.product(name.removesuffix(".atom")) if name.endswith(".atom") else None
    if product is None:
        raise web.HTTPNotFound(text=NO_FEED.format(product=name.removesuffix(".atom")[:40]))
    entries = await tracker.feed(ctx.uow, product.key, now=ctx.clock.now())
    updated = entries[0].entry.at if entries else ctx.clock.now()
    return render(request, "public/feed.xml", product=product, entries=entries, updated=_iso(updated), iso=_iso)


def _row_json(base: str, row: tracker.Row) -> dict[str, Any]:
    return {**_ticket_json(base, row.ticket, row.title), "age": row.age,
            "last_update": {"at": _iso(row.last_update.at), "kind": row.last_update.kind, "text": row.last_update.text}}


def _ticket_json(base: str, ticket: tracker.PublicTicket, title: str) -> dict[str, Any]:
    return {
        "number": ticket.number, "url": f"{base}/tickets/{ticket.number}", "product": ticket.product,
        "status": ticket.status.value, "marker": ticket.status.marker, "severity": ticket.severity.value,
        "resolution": ticket.resolution.value if ticket.resolution else None, "title": title,
        "created_at": _iso(ticket.created_at), "resolved_at": _iso(ticket.resolved_at) if ticket.resolved_at else None,
    }


def _iso(at: datetime) -> str:
    return at.isoformat(timespec="seconds").replace("+00:00", "Z")


def _json(data: dict[str, Any], status: int = 200) -> web.Response:
    # <, > and & as escapes: a report's markup stays inert even if a browser is talked into reading this as HTML.
    body = json.dumps(data, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return web.Response(text=body, status=status, content_type="application/json", charset="utf-8")
