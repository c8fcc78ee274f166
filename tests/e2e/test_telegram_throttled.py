"""A team chat held by Telegram's flood limits never delays an acknowledgement elsewhere: the bot in this
process against the fake Bot API enforcing the limits, on a manual clock (each beat is one outbox flush,
as `[scheduler] outbox_interval` runs it in production)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from supportbot.db.tables import outbox
from tests.e2e.inprocess import until
from tests.e2e.inprocess_fixtures import telegram, telegram_bot  # noqa: F401 (pytest fixtures)
from tests.e2e.support_telegram import (
    COURT,
    DAVE,
    ERIN,
    NO_TICKET_LIMIT,
    TEAM,
    acks_for,
    add_court_groups,
    texts_in,
)
from tests.fakes.telegram_api import FakeTelegram, RateLimits

pytestmark = pytest.mark.e2e
GROUPS = 50
GROUP_LIMIT = 20  # Telegram: bot messages a minute in one group


def team_notices(fake: FakeTelegram) -> list[int]:
    """The ticket numbers of the "New ticket" notices in the team chat, in the order they arrived."""
    return [int(t.split("#")[1].split()[0]) for t in texts_in(fake, TEAM) if "New ticket #" in t]


async def queued_for(bot, chat_id: int) -> int:
    async with bot.app.database.engine.connect() as db:
        return (await db.execute(sa.select(sa.func.count()).where(
            outbox.c.chat_id == chat_id, outbox.c.status == "pending"))).scalar_one()


async def beat(bot, seconds: float = 1.0) -> None:
    """One outbox beat, once the flushes the last commits started are over; then the clock moves on."""
    await bot.pump.idle()
    await bot.pump.flush()
    await bot.pump.idle()
    bot.clock.advance(seconds=seconds)


async def report_in_court(fake: FakeTelegram, bot, n: int) -> int:
    """A report in the court group, handled: stored and confirmed to Telegram (no beat yet)."""
    message_id = fake.post_message(COURT, DAVE, f"Report {n}: the court page shows a blank dispute, error {n}")
    await fake.wait_for_async(lambda: not fake.pending_updates())
    return message_id


async def test_30_notices_queued_for_a_held_team_chat_do_not_delay_an_ack_elsewhere(telegram, telegram_bot):
    fake = telegram
    fake.set_rate_limits(RateLimits())  # Telegram's limits, enforced by the fake on the same clock
    groups = add_court_groups(fake, GROUPS)
    # Erin reports in each of the 50 groups at once: no ticket limit for this flood.
    bot = await telegram_bot(more_court_chats=groups, extra=NO_TICKET_LIMIT)
    # The held chat's own backlog, a notice each: folding it into one message is test_telegram_burst.py's.
    bot.pump.sender.folder.burst_from = 0
    commits: list[int] = []
    sa.event.listen(bot.app.database.engine.sync_engine, "commit", lambda _conn: commits.append(1))

    # One report in each of 50 groups: 50 acknowledgements, and 50 "New ticket" notices for the team chat.
    for n, group in enumerate(groups):
        fake.post_message(group, ERIN, f"Report {n}: my stake is stuck on the court page, error {n}")
    await fake.wait_for_async(lambda: not fake.pending_updates())
    first_notice_at = bot.seconds()
    while len(team_notices(fake)) < GROUP_LIMIT:  # about 1 a second into the team chat, up to its 20 a minute
        await beat(bot)
    assert all(m["reply_to"] for group in groups for m in fake.bot_messages(group))
    assert await queued_for(bot, TEAM) == GROUPS - GROUP_LIMIT == 30  # the team chat is held, 30 waiting

    report = await report_in_court(fake, bot, 1)
    posted = bot.seconds()
    await beat(bot, seconds=0)
    await until(lambda: acks_for(fake, COURT, report), "the acknowledgement")
    assert bot.seconds() == posted  # within one beat: no time passed
    assert len(team_notices(fake)) == GROUP_LIMIT and await queued_for(bot, TEAM) == 30 + 1

    # The hold ends just as another report comes in: its ack still goes in that beat, and the team
    # chat's backlog is not leased and put back row by row (a few transactions, not one per notice).
    bot.clock.set(datetime.fromtimestamp(first_notice_at + 61, tz=UTC))
    before = len(commits)
    report = await report_in_court(fake, bot, 2)
    await beat(bot, seconds=0)
    await until(lambda: acks_for(fake, COURT, report), "the second acknowledgement")
    assert len(team_notices(fake)) > GROUP_LIMIT  # the team chat's next notice went out too
    assert len(commits) - before <= 10  # intake, claims, outcomes, one put-back: not one per notice

    for _ in range(5 * 60):  # the simulated minutes the rest take at 20 a minute
        if not await queued_for(bot, TEAM):
            break
        await beat(bot)
    assert team_notices(fake) == list(range(1, GROUPS + 3))  # every notice once, in order
    assert fake.count("sendMessage", 429) == 0
