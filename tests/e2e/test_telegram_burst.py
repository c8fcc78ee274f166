"""A burst of emergencies does not leave the team chat minutes behind Telegram's 20 messages a minute: the
notices waiting for it go out folded into one message that lists every ticket number, emergencies first
(the bot in this process against the fake Bot API enforcing the limits, on a manual clock). The proof with
350 emergencies in a minute is tests/proof/test_burst.py."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from supportbot.db.tables import outbox
from tests.e2e.burst_world import emergency_burst
from tests.e2e.inprocess_fixtures import telegram, telegram_bot  # noqa: F401 (pytest fixtures)
from tests.e2e.support_telegram import EMERGENCY, TEAM
from tests.fakes.telegram_api import RateLimits

pytestmark = pytest.mark.e2e


async def test_24_emergencies_at_once_reach_the_team_chat_in_seconds_within_the_group_limit(telegram, telegram_bot):
    fake = telegram
    fake.set_rate_limits(RateLimits())  # Telegram's limits, enforced by the fake on the same clock
    bot = await telegram_bot()
    outcome = await emergency_burst(fake, bot, 24, over=1, batches=1, give_up_after=60)
    assert outcome.numbers >= set(range(1, 25))
    assert outcome.seen_after is not None and outcome.seen_after <= 5  # one at a time: 24 s, and 20 a minute
    assert outcome.busiest_second <= 3 and outcome.refused == 0
    digest = next(m for m in fake.bot_messages(TEAM) if m["text"].startswith("📨"))
    assert "notices in one" in digest["text"] and digest["text"].endswith("/ticket <number> shows one.\n@alice")
    assert await folded_in(bot, TEAM) == 24 - 3  # three went on their own before the limit; the others, folded
    # Acknowledgements and the tags in each emergency's conversation are replies: never folded.
    assert await folded_in(bot, EMERGENCY) == 0


async def folded_in(bot, chat_id: int) -> int:
    """Outbox rows to the chat settled as folded into a digest."""
    async with bot.app.database.engine.connect() as db:
        return (await db.execute(sa.select(sa.func.count()).where(
            outbox.c.chat_id == chat_id, outbox.c.status == "sent",
            outbox.c.last_error.like("folded into the digest%")))).scalar_one()
