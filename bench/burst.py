"""Time until the on-call team chat has seen every ticket number of a burst of emergencies, with the outbox
folding bursts ([outbox] fold_bursts_from = 4) and without (0), on Telegram's 20 messages a minute per group.

The bot runs in this process against the fake Bot API enforcing Telegram's limits, on a manual clock
(tests/e2e/burst_world.py: the emergencies posted over one simulated minute, the outbox beating every
simulated second), so the figures are simulated seconds, the same on any machine:

    .venv/bin/python bench/burst.py [--emergencies 350]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from tests.conftest import ManualClock  # noqa: E402
from tests.e2e.burst_world import emergency_burst  # noqa: E402
from tests.e2e.inprocess_telegram import TelegramBot  # noqa: E402
from tests.e2e.support_telegram import populate  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram, RateLimits  # noqa: E402


async def one_run(emergencies: int, fold_from: int) -> None:
    """One burst against a fresh bot and fake; prints what the team chat saw."""
    with tempfile.TemporaryDirectory() as folder, FakeTelegram(bot_username="supportbot_bench_bot") as fake:
        populate(fake)
        fake.set_rate_limits(RateLimits())
        bot = await TelegramBot(Path(folder), fake, ManualClock()).start()
        bot.pump.sender.folder.burst_from = fold_from  # as [outbox] fold_bursts_from sets it
        started = time.perf_counter()
        try:
            outcome = await emergency_burst(fake, bot, emergencies, over=60, batches=10, give_up_after=3600)
        finally:
            await bot.stop()
        seen = "never" if outcome.seen_after is None else f"{outcome.seen_after:.0f} s"
        print(f"fold_bursts_from = {fold_from}: every one of {emergencies} numbers seen after {seen} "
              f"(simulated), in {outcome.team_messages} team-chat messages; busiest minute "
              f"{outcome.busiest_minute}, 429s {outcome.refused}; {time.perf_counter() - started:.0f} s real")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--emergencies", type=int, default=350)
    args = parser.parse_args()
    for fold_from in (0, 4):  # before (folding off), after
        asyncio.run(one_run(args.emergencies, fold_from))


if __name__ == "__main__":
    main()
