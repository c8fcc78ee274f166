"""Operations: /healthz (JSON, 503 when something needs a person) and /metrics (Prometheus text format).

The runtime's view (the sweep, the platforms) and the adapters' counters come in `WebContext.extras` under
HEALTH and TELEMETRY; the ticket and outbox figures are asked of the database at each scrape."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Iterator
from datetime import timedelta

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from supportbot.services import health as health_service
from supportbot.services.health import Health
from supportbot.services.telemetry import Telemetry
from supportbot.services.web_ports import Tally
from supportbot.web import metrics_page
from supportbot.web.server import CONTEXT, WebContext

log = logging.getLogger(__name__)

HEALTH = "health"  # WebContext.extras key: the runtime's services.health.Health
TELEMETRY = "telemetry"  # WebContext.extras key: the adapters' services.telemetry.Telemetry
DEFAULT_SWEEP_INTERVAL = timedelta(seconds=15)  # when no runtime said (an app made without one)
ESCALATION_EVENT = "escalation"
METRICS_UNAVAILABLE = "database unreachable"

def register(app: web.Application) -> None:
    """Add /healthz, /metrics and the metrics page."""
    app[REGISTRY] = OpsRegistry()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    metrics_page.register(app)


def runtime_health(ctx: WebContext) -> Health:
    """The runtime's health view; an app started without one gets its own (no platforms, no sweep yet)."""
    found = ctx.extras.get(HEALTH)
    if not isinstance(found, Health):
        found = ctx.extras[HEALTH] = Health(ctx.clock, sweep_interval=DEFAULT_SWEEP_INTERVAL)
    return found


def telemetry(ctx: WebContext) -> Telemetry:
    """The adapters' counters (empty when none were given)."""
    found = ctx.extras.get(TELEMETRY)
    if not isinstance(found, Telemetry):
        found = ctx.extras[TELEMETRY] = Telemetry()
    return found


async def healthz(request: web.Request) -> web.Response:
    """200 with the figures when all is well; 503 with the same and the problems otherwise."""
    ctx = request.app[CONTEXT]
    report = await health_service.check(ctx.uow, runtime_health(ctx))
    return web.json_response(report.as_json(), status=503 if report.problems else 200,
                             headers={"Cache-Control": "no-store"})


async def metrics(request: web.Request) -> web.Response:
    """Every metric, the database's figures counted now."""
    ctx = request.app[CONTEXT]
    ops = request.app[REGISTRY]
    ops.adapters.source = telemetry(ctx)
    async with ops.lock:  # one scrape at a time fills the database collector
        try:
            ops.database.families = await asyncio.wait_for(database_families(ctx),
                                                           health_service.DATABASE_TIMEOUT)
        except Exception as err:
            log.warning("metrics: the database does not answer (%s)", type(err).__name__)
            return web.Response(status=503, text=METRICS_UNAVAILABLE)
        body = generate_latest(ops.registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"})


async def database_families(ctx: WebContext) -> list[Metric]:
    """Tickets, broken promises, escalations and the outbox, as the database counts them now."""
    async with ctx.uow() as uow:
        tickets = await uow.ops.ticket_counts()
        breached = await uow.ops.breached(ctx.clock.now())
        escalations = await uow.ops.event_count(ESCALATION_EVENT)
        outbox = await uow.ops.outbox_states()
        chats = await uow.ops.outbox_chats(0)
    sent = CounterMetricFamily("supportbot_escalations_sent", "Escalation notices the sweep has written.")
    sent.add_metric([], escalations)
    return [
        _gauge("supportbot_tickets", "Tickets by product, status and severity.",
               ("product", "status", "severity"), tickets),
        _gauge("supportbot_sla_breached_tickets", "Open tickets whose SLA promise is broken now.",
               ("product", "severity"), breached),
        sent,
        _gauge("supportbot_outbox_messages", "Outbox messages by platform and state (failed: pending a retry).",
               ("platform", "state"), outbox),
        _gauge("supportbot_outbox_largest_chat_backlog",
               "Messages waiting for the chat with the most, per platform ([outbox] max_per_chat bounds it).",
               ("platform",), _largest(chats)),
    ]


def _largest(chats: Iterable[Tally]) -> list[Tally]:
    """Per platform, the most messages waiting for one chat."""
    most: dict[str, int] = {}
    for tally in chats:
        most[tally.labels[0]] = max(most.get(tally.labels[0], 0), tally.count)
    return [Tally((platform,), count) for platform, count in sorted(most.items())]


def _gauge(name: str, doc: str, labels: tuple[str, ...], tallies: Iterable[Tally]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, doc, labels=list(labels))
    for tally in tallies:
        family.add_metric(list(tally.labels), tally.count)
    return family


class DatabaseFigures(Collector):
    """The families the scrape under way has just read from the database."""

    def __init__(self) -> None:
        self.families: list[Metric] = []

    def collect(self) -> Iterator[Metric]:
        yield from self.families


class AdapterCounters(Collector):
    """The adapters' API errors and update handling times, read from their in-memory counters."""

    def __init__(self) -> None:
        self.source = Telemetry()

    def collect(self) -> Iterator[Metric]:
        errors = CounterMetricFamily("supportbot_platform_api_errors", "Failed platform API calls by code.",
                                     labels=["platform", "code"])
        for (platform, code), count in sorted(self.source.api_errors.items()):
            errors.add_metric([platform, code], count)
        yield errors
        latency = HistogramMetricFamily("supportbot_update_handling_seconds",
                                        "Time to handle one incoming update, per platform.", labels=["platform"])
        for platform, histogram in sorted(self.source.latency.items()):
            buckets = [(_le(bound), count) for bound, count in histogram.cumulative()]
            latency.add_metric([platform], buckets, sum_value=histogram.total)
        yield latency


def _le(bound: float) -> str:
    return "+Inf" if bound == float("inf") else repr(bound)


class OpsRegistry:
    """The app's own registry (never the process-wide one): apps in one process never share figures."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.database = DatabaseFigures()
        self.adapters = AdapterCounters()
        self.registry.register(self.database)
        self.registry.register(self.adapters)
        self.lock = asyncio.Lock()


REGISTRY: web.AppKey[OpsRegistry] = web.AppKey("supportbot_ops", OpsRegistry)
