"""/healthz and /metrics as an operator's probe and Prometheus read them, fed by the runtime's sweep job, the
console chat and a platform adapter's failures."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import discord
import pytest
from prometheus_client.parser import text_string_to_metric_families
from telegram.error import Forbidden, NetworkError

from supportbot import runtime
from supportbot.bootstrap import outbox_sender
from supportbot.bootstrap_serving import web_extras
from supportbot.chat.discord.delivery import translated
from supportbot.chat.outbox_pump import OutboxPump
from supportbot.chat.telegram.delivery import TelegramPlatform
from supportbot.db.engine import Database
from supportbot.services.outbox import OutboxItem, OutboxKind, PermanentFailure, PlatformDown
from tests.web.conftest import WebWorld

STUCK = "My stake is stuck since the upgrade on Chrome, the button does nothing"
SWEEP_EVERY = 15  # seconds: the embedded defaults' [scheduler] sweep_interval


@pytest.fixture
async def world(web_world: WebWorld) -> WebWorld:
    """The web world wired as `supportbot run` wires it: the runtime's health view and the adapters' counters."""
    web_world.ctx.extras.update(web_extras(web_world.app))
    return web_world


async def sweep(world: WebWorld) -> None:
    """Run the scheduler's sweep job once, as its beat would."""
    [job] = [run for name, run, _ in runtime.periodic_jobs(world.app, []) if name == "sweep"]
    await job()


async def health(world: WebWorld, status: int) -> dict:
    response = await world.client.get("/healthz")
    assert response.status == status, await response.text()
    assert response.headers["Content-Type"].startswith("application/json")
    return await response.json()


async def scrape(world: WebWorld) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """/metrics parsed by prometheus_client: {(sample name, sorted labels): value}."""
    response = await world.client.get("/metrics")
    assert response.status == 200, await response.text()
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    text = await response.text()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


async def test_healthz_answers_200_with_the_figures_when_all_is_well(world: WebWorld, clock) -> None:
    first = await health(world, 200)
    assert first == {"database": "ok", "last_sweep_seconds_ago": None,
                     "outbox": {"pending": 0, "oldest_pending_seconds": None}, "platforms": {"console": "console"}}
    await world.say("/as Erin", "/in court", STUCK)
    await sweep(world)
    clock.advance(seconds=10)
    body = await health(world, 200)
    assert body["last_sweep_seconds_ago"] == 10.0
    assert body["outbox"] == {"pending": 0, "oldest_pending_seconds": None}  # the console sent the acknowledgement
    assert "problems" not in body


async def test_a_stale_sweep_makes_healthz_503(world: WebWorld, clock) -> None:
    await sweep(world)
    clock.advance(seconds=3 * SWEEP_EVERY)
    assert (await health(world, 200))["last_sweep_seconds_ago"] == 45.0  # three intervals: still fine
    clock.advance(seconds=1)
    body = await health(world, 503)
    assert body["problems"] == ["sweep stale: none for 46s (runs every 15s)"]
    assert body["database"] == "ok"
    await sweep(world)
    await health(world, 200)


async def test_a_sweep_that_never_ran_is_stale_three_intervals_after_start(world: WebWorld, clock) -> None:
    clock.advance(seconds=3 * SWEEP_EVERY + 1)
    body = await health(world, 503)
    assert body["last_sweep_seconds_ago"] is None and body["problems"][0].startswith("sweep stale")


async def test_a_message_pending_over_five_minutes_makes_healthz_503(world: WebWorld, clock) -> None:
    async with world.app.database() as uow:  # a notice for a platform that is not sending
        await uow.outbox.add(OutboxItem(platform="telegram", chat_id=-1001, kind=OutboxKind.MESSAGE, text="hello",
                                        created_at=clock.now()))
        await uow.commit()
    clock.advance(minutes=5)
    await sweep(world)
    body = await health(world, 200)
    assert body["outbox"] == {"pending": 1, "oldest_pending_seconds": 300.0}
    clock.advance(seconds=1)
    await sweep(world)
    body = await health(world, 503)
    assert body["problems"] == ["outbox stuck: the oldest pending message waits for 301s"]
    async with world.app.database() as uow:  # it goes out at last
        [row] = await uow.outbox.claim("telegram", clock.now(), clock.now() + timedelta(minutes=1), 10, per_chat=10)
        row.status = "sent"
        await uow.outbox.update(row)
        await uow.commit()
    await health(world, 200)


async def test_an_unreachable_database_makes_healthz_503(world: WebWorld, tmp_path) -> None:
    broken = Database.from_url(f"sqlite+aiosqlite:///{tmp_path / 'no-such-folder' / 'gone.db'}")
    world.ctx.uow = broken
    try:
        body = await health(world, 503)
        assert body["database"] == "unreachable" and body["outbox"] == {"pending": None, "oldest_pending_seconds": None}
        assert body["problems"][0] == "database unreachable"
        response = await world.client.get("/metrics")
        assert (response.status, await response.text()) == (503, "database unreachable")
    finally:
        await broken.dispose()


async def test_metrics_show_a_posted_ticket_by_product_status_and_severity(world: WebWorld) -> None:
    before = await scrape(world)
    assert not [k for k in before if k[0] == "supportbot_tickets"]
    await world.say("/as Erin", "/in court", STUCK)
    after = await scrape(world)
    labels = (("product", "court"), ("severity", "normal"), ("status", "received"))
    assert after[("supportbot_tickets", labels)] == 1
    assert after[("supportbot_escalations_sent_total", ())] == 0
    sent = after[("supportbot_outbox_messages", (("platform", "console"), ("state", "sent")))]
    assert sent >= 1


async def test_metrics_count_broken_promises_and_escalations_after_the_sweep(world: WebWorld, clock) -> None:
    await world.say("/as Erin", "/in court", STUCK)
    clock.advance(days=2)  # past the business day the first response was due in
    await sweep(world)
    metrics = await scrape(world)
    assert metrics[("supportbot_escalations_sent_total", ())] == 1
    assert metrics[("supportbot_sla_breached_tickets", (("product", "court"), ("severity", "normal")))] == 1


async def test_update_handling_latency_is_counted_per_handled_update(world: WebWorld) -> None:
    await world.say("/as Erin", "/in court", STUCK, "And it still fails after a restart")
    metrics = await scrape(world)
    assert metrics[("supportbot_update_handling_seconds_count", (("platform", "console"),))] == 2
    assert metrics[("supportbot_update_handling_seconds_bucket", (("le", "+Inf"), ("platform", "console")))] == 2


class FailingBot:
    """A Bot API whose sends fail with the given errors, one per call."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)

    async def send_message(self, chat_id, text, **params):
        raise self.errors.pop(0)


async def test_platform_api_errors_are_counted_by_code(world: WebWorld) -> None:
    telegram = TelegramPlatform(FailingBot(Forbidden("bot was blocked by the user"), NetworkError("502 Bad Gateway")),
                                telemetry=world.app.telemetry)
    item = OutboxItem(platform="telegram", chat_id=-1001, kind=OutboxKind.MESSAGE, text="hello", id=1)
    with pytest.raises(PermanentFailure):
        await telegram.send(item)
    with pytest.raises(PlatformDown):
        await telegram.send(item)
    metrics = await scrape(world)
    assert metrics[("supportbot_platform_api_errors_total", (("code", "403"), ("platform", "telegram")))] == 1
    assert metrics[("supportbot_platform_api_errors_total", (("code", "network"), ("platform", "telegram")))] == 1


async def test_discord_api_errors_are_counted_by_status(world: WebWorld) -> None:
    failures = [discord.HTTPException(SimpleNamespace(status=503, reason="Service Unavailable"), "upstream"),
                discord.Forbidden(SimpleNamespace(status=403, reason="Forbidden"), "Missing Access"),
                TimeoutError()]
    for failure in failures:
        with pytest.raises((PlatformDown, PermanentFailure)), translated("send to 3101", world.app.telemetry):
            raise failure
    metrics = await scrape(world)
    assert {labels: value for (name, labels), value in metrics.items()
            if name == "supportbot_platform_api_errors_total"} == {
        (("code", "403"), ("platform", "discord")): 1, (("code", "503"), ("platform", "discord")): 1,
        (("code", "timeout"), ("platform", "discord")): 1}


async def test_two_apps_in_one_process_keep_their_own_figures(world: WebWorld, make_web_world) -> None:
    other = await make_web_world()
    other.ctx.extras.update(web_extras(other.app))
    await world.say("/as Erin", "/in court", STUCK)
    assert ("supportbot_update_handling_seconds_count", (("platform", "console"),)) in await scrape(world)
    assert ("supportbot_update_handling_seconds_count", (("platform", "console"),)) not in await scrape(other)


class DownPlatform:
    """A platform whose every send fails as when its servers are down."""

    name = "telegram"

    async def send(self, item):
        raise PlatformDown("sendMessage: 502 Bad Gateway")

    async def edit(self, item, card):
        raise PlatformDown("editMessageText: 502 Bad Gateway")

    async def delete(self, item):
        raise PlatformDown("deleteMessage: 502 Bad Gateway")


async def test_a_platform_is_connecting_until_started_then_down_while_its_sends_fail(world: WebWorld, clock) -> None:
    pump = OutboxPump(outbox_sender(world.app, DownPlatform()), held=True)
    world.app.health.platform("telegram", pump.state)  # as runtime.serve reports each platform
    assert (await health(world, 200))["platforms"] == {"console": "console", "telegram": "connecting"}
    async with world.app.database() as uow:
        await uow.outbox.add(OutboxItem(platform="telegram", chat_id=-1001, kind=OutboxKind.MESSAGE, text="hello",
                                        created_at=clock.now()))
        await uow.commit()
    pump.release()
    await pump.idle()
    await pump.flush()
    body = await health(world, 200)  # down alone is no 503: its messages waiting over five minutes are
    assert body["platforms"] == {"console": "console", "telegram": "down"}
    await pump.close()
