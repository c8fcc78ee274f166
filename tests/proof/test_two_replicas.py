"""Two replicas of `supportbot run` in webhook mode on one PostgreSQL database, against one fake Bot API
that enforces Telegram's flood limits: 300 emergencies come in through both webhooks while nothing is sent
yet, become overdue, and both replicas sweep and send at once. Every escalation is written and sent once, no
message goes twice, and together the replicas stay within Telegram's limits as measured on the fake: per
chat, 20 a minute per group, 30 a second overall (no 429 either).

Each replica is wired as `supportbot run` wires it (bootstrap's build_app and platform_adapters, so the
shared send budget too), in this event loop; the replicas, the fake and the budget read one manual clock."""

from __future__ import annotations

import asyncio
import bisect
import re
from collections import Counter
from datetime import datetime
from pathlib import Path

import aiohttp
import pytest
import sqlalchemy as sa
from conftest import PG_SKIP_REASON, PG_URL, reset_pg

from supportbot import runtime
from supportbot.bootstrap import build_app, outbox_sender
from supportbot.bootstrap_serving import platform_adapters
from supportbot.config import load_settings
from supportbot.db import migrate
from supportbot.db.engine import Database
from supportbot.db.send_budgets import SharedFloodLimiter
from supportbot.db.tables import outbox, ticket_events
from supportbot.services.send_budget import FloodLimits
from tests.e2e.inprocess import STEP, InProcessBot
from tests.e2e.support_telegram import TEAM, add_court_groups, config_text, free_port, populate
from tests.fakes.telegram_api import FakeTelegram, RateLimits

pytestmark = [pytest.mark.proof, pytest.mark.skipif(not PG_URL, reason=PG_SKIP_REASON)]

EMERGENCIES = 300
GROUPS = 100  # the emergencies come from 100 support groups, 3 each: their acks fit each group's burst
SECRET = "two-replicas-webhook-secret"
REPORTERS = 700_000  # the reporters' user ids, one each
SEND_METHODS = {"sendMessage", "sendPhoto", "editMessageText", "editMessageReplyMarkup"}
ESCALATION = re.compile(r"Emergency #(\d+) \(.*?\) has had no response")
LIMITS = FloodLimits()
SETTLE_REAL_SECONDS = 150.0


class Replica(InProcessBot):
    """One `supportbot run` in webhook mode: its own app, Telegram adapter, webhook port and outbox pump."""

    def __init__(self, folder: Path, fake: FakeTelegram, clock, database_url: str, groups: tuple[int, ...]) -> None:
        folder.mkdir()
        self.port = free_port()
        webhook = (f'mode = "webhook"\nwebhook_url = "https://replica.example.org/telegram"\n'
                   f'webhook_listen = "127.0.0.1"\nwebhook_port = {self.port}\nwebhook_secret = "{SECRET}"')
        path = folder / "config.toml"
        path.write_text(config_text(folder, fake, now=clock.now(), telegram_extra=webhook, more_court_chats=groups),
                        encoding="utf-8")
        app = build_app(load_settings(path, env={}), {"telegram"}, clock=clock,
                        database=Database.from_url(database_url, pool_size=10))
        [served] = platform_adapters(app)
        assert isinstance(served.adapter.platform.limiter, SharedFloodLimiter), "PostgreSQL shares the budget"
        super().__init__(app, clock, served.adapter)
        # Nothing goes out before both replicas are up and every emergency is in.
        self.pump = runtime.OutboxPump(outbox_sender(app, served.adapter.platform), held=True)

    async def deliver(self, session: aiohttp.ClientSession, update: dict) -> None:
        """Telegram POSTs one update to this replica's webhook."""
        async with session.post(f"http://127.0.0.1:{self.port}/telegram", json=update,
                                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as answer:
            assert answer.status == 200, await answer.text()


@pytest.fixture
async def database_url(pg_database: str):
    """The test run's PostgreSQL database, migrated, emptied again at the end (the replicas write to it)."""
    database = Database.from_url(pg_database)
    await migrate.upgrade(database.engine)
    try:
        yield pg_database
    finally:
        async with database.engine.begin() as conn:
            await reset_pg(conn)
        await database.dispose()


def take_updates(fake: FakeTelegram) -> list[dict]:
    """The updates the fake holds for the bot, taken as a webhook delivery takes them."""
    with fake.lock:
        updates, fake.updates = list(fake.updates), []
    return updates


async def waiting(replica: Replica) -> tuple[int, datetime | None]:
    """How many outbox rows are still to send, and the earliest time one of them is due after now (rows
    queued behind an earlier one to their chat are due now but wait for it)."""
    now = replica.clock.now()
    async with replica.app.database.engine.connect() as db:
        count, due = (await db.execute(sa.select(
            sa.func.count(), sa.func.min(outbox.c.next_attempt_at).filter(outbox.c.next_attempt_at > now))
            .where(outbox.c.status == "pending"))).one()
    return count, due


async def settle_both(a: Replica, b: Replica, patience: float = SETTLE_REAL_SECONDS) -> int:
    """Both replicas sweep, then flush everything they may send now, at each beat; then the clock moves to
    the next time a row is due. Returns the number of beats."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + patience
    beats = 0
    while True:
        beats += 1
        await asyncio.gather(a._idle(), b._idle(), a.pump.idle(), b.pump.idle())
        await asyncio.gather(a.app.sweeper.sweep(), b.app.sweeper.sweep())
        await asyncio.gather(a.pump.flush(), b.pump.flush())
        # A flush called while others run leaves the work to them: the clock moves once every one is over.
        await asyncio.gather(a.pump.idle(), b.pump.idle())
        count, due = await waiting(a)
        if count == 0:
            return beats
        assert loop.time() < deadline, f"{count} outbox rows still pending"
        # A millisecond past it: float seconds in the budget against microseconds in the database.
        a.clock.set((due or a.clock.now()) + STEP)


def sends(fake: FakeTelegram) -> list[dict]:
    """The bot's sends and edits Telegram took, in order."""
    return [r for r in fake.request_log() if r["method"] in SEND_METHODS and r["status"] == 200]


def peak(times: list[float], seconds: float) -> int:
    """The most sends in any `seconds` long window (times sorted)."""
    return max((bisect.bisect_left(times, t + seconds) - i for i, t in enumerate(times)), default=0)


def rates(fake: FakeTelegram) -> dict[str, float]:
    """Measured on the fake: the peaks per second overall, per 3 s in one chat, per minute in one group."""
    taken = sends(fake)
    by_chat: dict[int, list[float]] = {}
    for r in taken:
        by_chat.setdefault(int(r["params"]["chat_id"]), []).append(r["time"])
    return {
        "overall_per_second": peak(sorted(r["time"] for r in taken), 1.0),
        "chat_per_3_seconds": max(peak(sorted(t), 3.0) for t in by_chat.values()),
        "group_per_minute": max(peak(sorted(t), 60.0) for c, t in by_chat.items() if c < 0),
    }


async def test_two_replicas_escalate_each_emergency_once_within_telegrams_limits(tmp_path, clock, database_url):
    with FakeTelegram(bot_username="supportbot_test_bot") as fake:
        populate(fake)
        groups = add_court_groups(fake, GROUPS)
        fake.clock = lambda: clock.now().timestamp()
        replicas = [Replica(tmp_path / name, fake, clock, database_url, groups) for name in ("a", "b")]
        for replica in replicas:
            await replica.start()
        a, b = replicas
        try:
            await run_the_proof(fake, a, b, groups)
        finally:
            for replica in replicas:
                await replica.stop()


async def play(fake: FakeTelegram, a: Replica, b: Replica, groups: tuple[int, ...],
               patience: float = SETTLE_REAL_SECONDS) -> int:
    """The emergencies come in through both webhooks, become overdue, and both replicas sweep and send until
    their outbox is empty (within `patience` real seconds); returns the beats it took."""
    fake.set_rate_limits(RateLimits())  # Telegram's limits, on the manual clock
    for n in range(EMERGENCIES):  # 300 people, each reporting the outage once
        fake.add_user(REPORTERS + n, f"Validator {n}")
        fake.post_message(groups[n % GROUPS], REPORTERS + n, f"/emergency validators in region {n} stopped signing")
    updates = take_updates(fake)
    async with aiohttp.ClientSession() as session:  # the load balancer alternates between the replicas
        for batch in range(0, len(updates), 20):
            await asyncio.gather(*((a if u["update_id"] % 2 else b).deliver(session, u)
                                   for u in updates[batch:batch + 20]))

    a.clock.advance(hours=1, minutes=1)  # nobody answered: all 300 are overdue at once
    for replica in (a, b):
        replica.pump.release()
    return await settle_both(a, b, patience)


async def run_the_proof(fake: FakeTelegram, a: Replica, b: Replica, groups: tuple[int, ...]) -> None:
    beats = await play(fake, a, b, groups)
    async with a.app.database.engine.connect() as db:
        escalations = (await db.execute(sa.select(ticket_events.c.ticket_id, sa.func.count())
                                        .where(ticket_events.c.kind == "escalation")
                                        .group_by(ticket_events.c.ticket_id))).all()
        notices = (await db.execute(sa.select(outbox.c.status, sa.func.count())
                                    .where(outbox.c.dedupe_key.like("%:emergency_unanswered:%"))
                                    .group_by(outbox.c.status))).all()
        unsent = (await db.execute(sa.select(sa.func.count()).where(outbox.c.status != "sent"))).scalar_one()
    assert len(escalations) == EMERGENCIES and {count for _, count in escalations} == {1}  # one sweep won each
    assert notices == [("sent", 2 * EMERGENCIES)] and unsent == 0  # in its chat and the team chat, each sent

    # Each ticket's group read its escalation once; the team chat names every ticket (its backlog may
    # go out folded into one message); no message went twice anywhere.
    in_groups = Counter(int(n) for group in groups for m in fake.bot_messages(group)
                        for n in ESCALATION.findall(m["text"] or ""))
    assert set(in_groups) == set(range(1, EMERGENCIES + 1)) and set(in_groups.values()) == {1}
    named = {int(n) for m in fake.bot_messages(TEAM) for n in re.findall(r"#(\d+)", m["text"] or "")}
    assert named >= set(range(1, EMERGENCIES + 1))
    sent = Counter((m["chat_id"], m["text"]) for m in fake.bot_messages())
    assert [key for key, times in sent.items() if times > 1] == []

    measured = rates(fake)
    print(f"\ntwo replicas, {len(sends(fake))} sends and edits in {beats} beats: {measured}")
    assert fake.count("sendMessage", 429) == fake.count("editMessageText", 429) == 0
    assert measured["overall_per_second"] <= LIMITS.overall.limit
    assert measured["chat_per_3_seconds"] <= LIMITS.per_chat.limit
    assert measured["group_per_minute"] <= LIMITS.per_group.limit
