"""Telegram's flood limits shared through PostgreSQL: two replicas' limiters on one database never let
more go together than the one budget Telegram grants the bot; a 429 one of them got holds the other."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from conftest import PG_SKIP_REASON, PG_URL

from supportbot.chat.telegram.limits import TELEGRAM_LIMITS, FloodLimiter, LocalBudget
from supportbot.db import migrate
from supportbot.db.engine import Database
from supportbot.db.send_budgets import SharedFloodLimiter
from supportbot.db.tables import send_budgets
from supportbot.services.outbox import Throttled

GROUP, OTHER_GROUP, USER = -100101, -100102, 5001
UNREACHABLE_URL = "postgresql+asyncpg://supportbot@127.0.0.1:1/nowhere"  # port 1: connection refused at once


class Seconds:
    """The replicas' shared clock, in seconds since the epoch, moved by hand."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def seconds() -> Seconds:
    return Seconds()


@pytest.fixture
async def replicas(pg_database: str, seconds: Seconds) -> AsyncIterator[tuple[SharedFloodLimiter, SharedFloodLimiter]]:
    """Two replicas' limiters, each on its own connection pool to the one PostgreSQL database."""
    if not PG_URL:
        pytest.skip(PG_SKIP_REASON)
    databases = [Database.from_url(pg_database) for _ in range(2)]
    await migrate.upgrade(databases[0].engine)
    try:
        yield tuple(SharedFloodLimiter(db.engine, TELEGRAM_LIMITS, fallback=LocalBudget(FloodLimiter()),
                                       clock=seconds) for db in databases)  # type: ignore[misc]
    finally:
        async with databases[0].engine.begin() as conn:
            await conn.execute(sa.delete(send_budgets))
        for db in databases:
            await db.dispose()


async def goes(limiter: SharedFloodLimiter, chat_id: int) -> bool:
    try:
        await limiter.take(chat_id)
    except Throttled:
        return False
    return True


async def test_thirty_a_second_for_the_bot_whichever_replica_sends(replicas, seconds):
    a, b = replicas
    # 40 chats at the same instant, half through each replica, all at once: 30 go, 10 wait.
    outcomes = await asyncio.gather(*(goes(a if n % 2 else b, -100300 - n) for n in range(40)))
    assert sum(outcomes) == 30
    with pytest.raises(Throttled) as held:
        await a.take(USER)
    assert 0 < held.value.after <= 1 + TELEGRAM_LIMITS.margin

    seconds.now += held.value.after
    assert await goes(b, USER)


async def test_a_group_gets_its_burst_then_at_most_20_a_minute_from_both(replicas, seconds):
    a, b = replicas
    sent: list[float] = []
    start = seconds.now
    while seconds.now < start + 150:
        waits = []
        for limiter in (a, b):  # each replica sends as soon as the budget lets it
            try:
                await limiter.take(GROUP)
                sent.append(seconds.now)
            except Throttled as held:
                waits.append(held.after)
        seconds.now += min(waits, default=0.01)

    assert max(sum(1 for t in sent if s <= t < s + 3) for s in sent) == 3  # ~1 a second, a burst of 3
    assert max(sum(1 for t in sent if s <= t < s + 60) for s in sent) == 20
    assert len(sent) >= 40  # the budget is used, not only kept


async def test_a_429_one_replica_got_holds_the_other(replicas, seconds):
    a, b = replicas
    await a.hold(GROUP, 7)
    with pytest.raises(Throttled) as held:
        await b.take(GROUP)
    assert held.value.after == pytest.approx(7)
    assert await goes(b, OTHER_GROUP)  # another chat is not held back

    await b.hold(None, 2)  # a hold for the whole bot stops every chat, on both
    assert not await goes(a, USER)
    seconds.now += 7
    assert await goes(a, GROUP)


async def test_direct_replies_book_slots_both_replicas_see(replicas, seconds):
    a, b = replicas
    waits = [await (a if n % 2 else b).reserve(USER) for n in range(5)]
    assert waits[:3] == [0, 0, 0]
    assert 0 < waits[3] <= waits[4]  # booked one after another, whichever replica answers
    with pytest.raises(Throttled):
        await a.take(USER)  # the outbox waits behind the booked replies


async def test_an_unreachable_database_leaves_each_replica_its_own_limits(seconds, caplog):
    database = Database.from_url(UNREACHABLE_URL)
    limiter = SharedFloodLimiter(database.engine, TELEGRAM_LIMITS, fallback=LocalBudget(FloodLimiter(clock=seconds)),
                                 clock=seconds)
    try:
        with caplog.at_level(logging.WARNING):
            for _ in range(3):
                await limiter.take(USER)
            with pytest.raises(Throttled):
                await limiter.take(USER)  # the fourth in a second, held by this process's own limiter
    finally:
        await database.dispose()
    warnings = [r.getMessage() for r in caplog.records if "send budget" in r.getMessage()]
    assert len(warnings) == 1 and "limits its own sends" in warnings[0]
