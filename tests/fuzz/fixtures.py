"""Fixtures and hypothesis settings of the fuzzing (tests/fuzz, tests/proof): one desk per test, on
SQLite, its database put back to the same tickets before each example.

Imported by the test modules that use them (a conftest.py would be imported as `conftest` and hide
tests/conftest.py, as in tests/e2e)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

from tests.e2e.support_discord import populate as populate_discord
from tests.e2e.support_telegram import populate as populate_telegram
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.telegram_api import FakeTelegram
from tests.fuzz.discord_harness import DiscordFuzz
from tests.fuzz.harness import scratch_folder
from tests.fuzz.telegram_harness import TelegramFuzz
from tests.fuzz.telegram_updates import BOT_USERNAME

# One desk serves every example of a test (function-scoped fixtures are meant); examples are large by
# design (huge texts); nothing is written into the repository (no example database), and every run draws
# new examples (not derandomized), so CI explores new inputs each time.
HEALTH = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large,
          HealthCheck.large_base_example]
EVERYDAY = settings(max_examples=5, deadline=None, database=None, derandomize=False, suppress_health_check=HEALTH)
PROOF_EXAMPLES = 500  # per proof test; four per platform
PROOF = settings(EVERYDAY, max_examples=PROOF_EXAMPLES)


@pytest.fixture
async def telegram_fuzz(tmp_path, clock):
    """The Telegram side, its Bot API calls answered in memory by the fake's state (never started)."""
    fake = FakeTelegram(bot_username=BOT_USERNAME)
    populate_telegram(fake)
    with scratch_folder(tmp_path) as folder:
        fuzz = await TelegramFuzz(folder, fake, clock).start()
        yield fuzz
        await fuzz.stop()


@pytest.fixture
async def discord_fuzz(tmp_path, clock):
    """The Discord side against the fake gateway and REST server; no rate limit buckets (the fuzzing is
    about what the bot sends, not how fast)."""
    with FakeDiscord(heartbeat_interval=5000, bucket_limit=10**9) as fake, scratch_folder(tmp_path) as folder:
        populate_discord(fake)
        fuzz = await DiscordFuzz(folder, fake, clock).start()
        yield fuzz
        await fuzz.stop()
