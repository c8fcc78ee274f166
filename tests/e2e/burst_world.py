"""A burst of emergencies against the fake Bot API enforcing Telegram's limits, on the manual clock: how long
until the team chat has seen every ticket number (shared by the everyday test, the proof and the bench)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tests.e2e.support_telegram import EMERGENCY, TEAM
from tests.fakes.telegram_api import FakeTelegram

FIRST_REPORTER = 700_000  # one reporter per emergency: the per-person ticket limit is not what is tested
NUMBER = re.compile(r"#(\d+)")


@dataclass
class BurstOutcome:
    seen_after: float | None  # seconds from the first report until the team chat had seen every number
    numbers: set[int]  # ticket numbers the team chat has seen
    team_messages: int
    busiest_minute: int  # most bot messages in the team chat in any 60 s
    busiest_second: int
    refused: int  # sendMessage calls the fake answered 429


def seen(fake: FakeTelegram) -> set[int]:
    """Every ticket number the team chat has seen, in a notice of its own or in a digest."""
    return {int(n) for m in fake.bot_messages(TEAM) for n in NUMBER.findall(m["text"] or "")}


def busiest(times: list[float], window: float) -> int:
    return max((sum(1 for t in times if start <= t < start + window) for start in times), default=0)


async def beat(bot, seconds: float) -> None:
    """One outbox beat once the flushes started by the last commits are over; then the clock moves on."""
    await bot.pump.idle()
    await bot.pump.flush()
    await bot.pump.idle()
    bot.clock.advance(seconds=seconds)


async def emergency_burst(fake: FakeTelegram, bot, count: int, *, over: float = 60.0, batches: int = 10,
                          give_up_after: float = 600.0) -> BurstOutcome:
    """`count` emergencies posted in the emergency chat over `over` simulated seconds (in `batches`), the
    outbox beating every second; until the team chat has seen every ticket number or `give_up_after`."""
    for n in range(count):
        fake.add_user(FIRST_REPORTER + n, f"Reporter {n}")
    started = bot.seconds()
    per_batch = -(-count // batches)
    for start in range(0, count, per_batch):
        for n in range(start, min(count, start + per_batch)):
            fake.post_message(EMERGENCY, FIRST_REPORTER + n, f"Emergency {n}: withdrawals fail with error {n}")
        await fake.wait_for_async(lambda: not fake.pending_updates(), timeout=60)
        for _ in range(round(over / batches)):
            await beat(bot, 1.0)
    wanted = set(range(1, count + 1))
    while not wanted <= seen(fake) and bot.seconds() - started < give_up_after:
        await beat(bot, 1.0)
    team = fake.bot_messages(TEAM)
    times = sorted(m["sent_at"] for m in team)
    numbers = seen(fake)
    done = None
    if wanted <= numbers:
        so_far: set[int] = set()
        for message in sorted(team, key=lambda m: m["sent_at"]):
            so_far |= {int(n) for n in NUMBER.findall(message["text"] or "")}
            if wanted <= so_far:
                done = message["sent_at"] - started
                break
    return BurstOutcome(done, numbers, len(team), busiest(times, 60.0), busiest(times, 1.0),
                        fake.count("sendMessage", 429))
