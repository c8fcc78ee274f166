"""Proof: 350 emergencies in one minute reach the on-call team chat within 2 minutes under Telegram's
20 messages a minute per group, every ticket number in it, the limits kept (the bot in this process
against the fake Bot API enforcing them, on a manual clock; about a minute of real time)."""

from __future__ import annotations

import pytest

from tests.e2e.burst_world import emergency_burst
from tests.e2e.inprocess_fixtures import telegram, telegram_bot  # noqa: F401 (pytest fixtures)
from tests.fakes.telegram_api import RateLimits

pytestmark = [pytest.mark.proof, pytest.mark.e2e]
EMERGENCIES = 350


async def test_350_emergencies_in_a_minute_reach_the_team_chat_within_two_minutes(telegram, telegram_bot):
    fake = telegram
    fake.set_rate_limits(RateLimits())  # Telegram's limits, enforced by the fake on the same clock
    bot = await telegram_bot()
    outcome = await emergency_burst(fake, bot, EMERGENCIES, over=60, batches=10, give_up_after=180)
    print(f"team chat: every one of {EMERGENCIES} ticket numbers after {outcome.seen_after} s, "
          f"in {outcome.team_messages} messages; busiest minute {outcome.busiest_minute}")
    assert outcome.numbers >= set(range(1, EMERGENCIES + 1))
    assert outcome.seen_after is not None and outcome.seen_after <= 120
    assert outcome.busiest_minute <= 20 and outcome.busiest_second <= 3 and outcome.refused == 0
