"""/board/metrics: the /stats figures for a chosen product and period, with charts drawn on the server
(tickets opened per day, backlog over time, first-response times, broken promises per day)."""

from __future__ import annotations

from aiohttp import web
from markupsafe import Markup

from supportbot.domain import metrics
from supportbot.services import metrics as stats
from supportbot.services import metrics_history, web_access
from supportbot.web import auth, charts
from supportbot.web.server import CONTEXT, render

DEFAULT_PERIOD = "week"
BAD_PRODUCT = "Unknown product {value!r}; pick one of: {keys}."
BAD_PERIOD = "Unknown period {value!r}; pick one of: {periods}."
ALL = "all products"


async def metrics_page(request: web.Request) -> web.Response:
    """The page, for signed-in team members; an unknown product or period is a 400 that says which."""
    person = await auth.require_team(request)
    deps = request.app[CONTEXT].desk.deps
    product_key = request.query.get("product", "").strip()
    period = request.query.get("period", DEFAULT_PERIOD).strip().lower() or DEFAULT_PERIOD
    product = deps.directory.product(product_key) if product_key else None
    if product_key and product is None:
        keys = ", ".join(p.key for p in deps.directory.products) or "none"
        return web.Response(status=400, text=BAD_PRODUCT.format(value=product_key[:40], keys=keys))
    if period not in metrics.PERIOD_DAYS:
        return web.Response(status=400, text=BAD_PERIOD.format(value=period[:20], periods=", ".join(metrics.PERIOD_DAYS)))
    key = product.key if product else None
    security = web_access.sees_security(person)
    figures = await stats.period_metrics(deps, product=key, period=period, security=security)
    history = await metrics_history.period_history(deps, product=key, period=period, security=security)
    where = product.name if product else ALL
    days = [day.strftime("%b %d") for day in history.days]
    series = [
        (f"Tickets opened per day, {where}", charts.bar_chart, list(zip(days, history.opened, strict=True))),
        (f"Backlog at the end of each day, {where}", charts.line_chart, list(zip(days, history.backlog, strict=True))),
        (f"First response time of the tickets opened, {where}", charts.bar_chart, list(history.first_response)),
        (f"SLA breaches (escalation notices) per day, {where}", charts.bar_chart,
         list(zip(days, history.breaches, strict=True))),
    ]
    # The chart module escapes every label it draws: its SVG goes into the page as it is.
    drawn = [(title, Markup(draw(title, values))) for title, draw, values in series]
    return render(request, "metrics/page.html", person=person, csrf=auth.csrf_token(request),
                  products=deps.directory.products, periods=list(metrics.PERIOD_DAYS), chosen_product=key or "",
                  period=period, where=where, figures=figures, lines=_lines(figures), charts=drawn)


def _lines(m: metrics.Metrics) -> list[tuple[str, str]]:
    """The /stats figures as (what, value) rows, spelled as /stats spells them."""
    return metrics.lines(m)


def register(app: web.Application) -> None:
    """Add the metrics page."""
    app.router.add_get("/board/metrics", metrics_page)
