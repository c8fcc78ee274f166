"""The combined send rate of two replicas, each limiting itself (as before) and sharing one budget through
PostgreSQL (as now).

The scenario of tests/proof/test_two_replicas.py: two replicas of `supportbot run` in Telegram webhook mode
in this process, on one PostgreSQL database (a fresh one, dropped at the end) and one fake Bot API that
enforces Telegram's limits on a manual clock; 300 emergencies from 100 groups come in through both webhooks,
become overdue, and both replicas sweep and send until their outbox is empty. "own limiter" gives each
replica the in-process FloodLimiter a single instance uses; "shared budget" is what bootstrap wires on
PostgreSQL. Measured on the fake: the peak of calls in any one second (sent or refused with 429), the
peak of sends Telegram took, the 429s, and the real seconds the run took.

    SUPPORTBOT_TEST_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/test python bench/two_replicas.py
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "src"), str(ROOT / "tests")]

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.ext.asyncio import create_async_engine  # noqa: E402

from supportbot.chat.telegram.limits import FloodLimiter, LocalBudget  # noqa: E402
from supportbot.db import migrate  # noqa: E402
from tests.conftest import ManualClock  # noqa: E402
from tests.e2e.support_telegram import add_court_groups, populate  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402
from tests.proof.test_two_replicas import GROUPS, SEND_METHODS, Replica, peak, play, rates  # noqa: E402

PATIENCE = 900.0  # real seconds a run may take (each replica on its own limiter collects 429s and waits)


async def admin(url: str, statement: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(sa.text(statement))
    await engine.dispose()


async def run(server_url: str, shared: bool) -> dict[str, float]:
    """One run on a fresh database; returns what was measured on the fake."""
    name = f"supportbot_bench_{uuid.uuid4().hex[:10]}"
    await admin(server_url, f'CREATE DATABASE "{name}"')
    url = sa.make_url(server_url).set(database=name).render_as_string(hide_password=False)
    try:
        engine = create_async_engine(url)
        await migrate.upgrade(engine)
        await engine.dispose()
        with tempfile.TemporaryDirectory() as folder, FakeTelegram(bot_username="supportbot_test_bot") as fake:
            clock = ManualClock()
            populate(fake)
            groups = add_court_groups(fake, GROUPS)
            fake.clock = lambda: clock.now().timestamp()
            replicas = [Replica(Path(folder) / n, fake, clock, url, groups) for n in ("a", "b")]
            if not shared:  # as before: each replica counts only its own sends
                for replica in replicas:
                    replica.adapter.platform.limiter = LocalBudget(FloodLimiter(clock=fake.clock))
            for replica in replicas:
                await replica.start()
            started = time.monotonic()
            try:
                await play(fake, *replicas, groups, patience=PATIENCE)
            finally:
                for replica in replicas:
                    await replica.stop()
            calls = sorted(r["time"] for r in fake.request_log() if r["method"] in SEND_METHODS)
            return {"calls_per_second_peak": peak(calls, 1.0), **rates(fake),
                    "429s": sum(fake.count(m, 429) for m in SEND_METHODS), "seconds": time.monotonic() - started}
    finally:
        await admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def main() -> None:
    server_url = os.environ.get("SUPPORTBOT_TEST_DATABASE_URL")
    if not server_url:
        sys.exit("set SUPPORTBOT_TEST_DATABASE_URL to a PostgreSQL server (postgresql+asyncpg://...)")
    for label, shared in (("own limiter", False), ("shared budget", True)):
        measured = await run(server_url, shared)
        print(f"{label:14} " + ", ".join(f"{k} {v:.0f}" for k, v in measured.items()), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
