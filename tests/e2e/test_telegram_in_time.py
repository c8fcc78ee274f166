"""Telegram scenarios where time matters, in this process against the fake Bot API on a manual clock:
flood limits over a simulated minute, a 429 storm, emergencies escalating period after period."""

from __future__ import annotations

import pytest

from tests.e2e.burst_world import NUMBER, seen
from tests.e2e.inprocess_fixtures import telegram, telegram_bot  # noqa: F401 (pytest fixtures)
from tests.e2e.support_telegram import (
    ALICE,
    BOB,
    COURT,
    DAVE,
    EMERGENCY,
    ERIN,
    FRANK,
    NO_TICKET_LIMIT,
    TEAM,
    acks_for,
    texts_in,
)
from tests.fakes.telegram_api import FakeTelegram, RateLimits

pytestmark = pytest.mark.e2e
REPORTERS = [DAVE, ERIN, FRANK]


def card_of(fake: FakeTelegram, chat_id: int, message_id: int) -> dict:
    return next(m for m in fake.bot_messages(chat_id) if m["message_id"] == message_id)


def answer_to(fake: FakeTelegram, chat_id: int, command_id: int) -> str:
    """The bot's answer to one command message (sent before its update was confirmed)."""
    return next(m["text"] for m in fake.bot_messages(chat_id) if m["reply_to"] == command_id)


async def test_emergency_tags_on_call_at_once_and_escalates_once_per_level(telegram, telegram_bot):
    fake, bot = telegram, await telegram_bot(emergency="4s")
    fake.post_message(EMERGENCY, ERIN, "Court contract is down: every stake reverts on mainnet since 10 minutes")
    posted = bot.seconds()
    await bot.handled()
    notice = next(m for m in fake.bot_messages(TEAM) if "🚨 Emergency #1" in (m["text"] or ""))
    assert notice["sent_at"] - posted < 3
    assert "@alice" in notice["text"] and "@carol" in notice["text"]  # on-call engineer and product owner
    assert any(e["type"] == "mention" for e in notice["entities"])
    assert any("Ticket #1" in t for t in texts_in(fake, EMERGENCY))

    def escalations() -> list[dict]:
        return [m for m in fake.bot_messages(TEAM) if "On-call team" in (m["text"] or "")]

    for _ in range(9):  # the sweep runs every second, as in production
        await bot.wait(seconds=1)
    assert len(escalations()) >= 2
    first = escalations()[0]
    assert "no response" in first["text"] and "@alice" in first["text"]
    links = [e for e in first["entities"] if e["type"] == "text_link"]
    assert links and links[0]["url"] == f"tg://user?id={BOB}"  # Bob has no username: tagged by id
    assert 3 <= first["sent_at"] - posted <= 9
    resolved = fake.post_message(TEAM, ALICE, "/resolve 1 fixed")
    await bot.handled()
    assert answer_to(fake, TEAM, resolved)
    count = len(escalations())
    for _ in range(9):  # two more periods: a resolved emergency is not escalated again
        await bot.wait(seconds=1)
    sent = escalations()
    assert len(sent) == count
    gaps = [b["sent_at"] - a["sent_at"] for a, b in zip(sent, sent[1:], strict=False)]
    assert all(gap > 2 for gap in gaps), gaps  # each level once, not twice in one period
    in_chat = [m for m in fake.bot_messages(EMERGENCY) if "On-call team" in (m["text"] or "")]
    assert len(in_chat) == len(sent)


async def test_429_storm_and_server_errors_deliver_each_message_exactly_once(telegram, telegram_bot):
    fake = telegram
    fake.set_rate_limits(True)
    fake.random_429(0.4, seed=11)
    fake.fail_next("sendMessage", 502, count=3)
    fake.fail_next("sendMessage", 500)
    fake.fail_next("editMessageText", 503, count=2)
    bot = await telegram_bot()
    count = 10
    reports = [fake.post_message(COURT, REPORTERS[i % 3], f"Report {i}: staking fails on the court page, error {i}")
               for i in range(count)]
    await bot.handled()
    assert all(acks_for(fake, COURT, r) for r in reports)
    first_card = acks_for(fake, COURT, reports[0])[0]
    fake.press_button(COURT, first_card["message_id"], ALICE, "t:1:in_progress")
    await bot.handled()  # the outbox is empty: anything sent twice has been sent by now
    assert card_of(fake, COURT, first_card["message_id"])["text"].startswith("⭕️")

    assert [len(acks_for(fake, COURT, r)) for r in reports] == [1] * count
    numbers = sorted(int(m["text"].split("#")[1].split()[0]) for r in reports for m in acks_for(fake, COURT, r))
    assert numbers == list(range(1, count + 1))
    # Each ticket once in the team chat: in a notice of its own, or in one the notices held back went out as.
    assert sorted(int(n) for t in texts_in(fake, TEAM) for n in NUMBER.findall(t)) == list(range(1, count + 1))
    storm = fake.count("sendMessage", 429) + fake.count("editMessageText", 429)
    errors = sum(fake.count(m, s) for m in ("sendMessage", "editMessageText") for s in (500, 502, 503))
    sent = fake.count("sendMessage", 200)
    print(f"delivery: {sent} messages sent, {storm} answered 429, {errors} answered 5xx")
    assert storm >= 3 and errors == 6


async def test_a_busy_group_gets_at_most_20_bot_messages_a_minute(telegram, telegram_bot):
    fake = telegram
    fake.set_rate_limits(RateLimits())  # Telegram's limits, enforced by the fake too (on the same clock)
    bot = await telegram_bot(extra=NO_TICKET_LIMIT)  # eight reports each: no ticket limit
    reports = [fake.post_message(COURT, REPORTERS[i % 3], f"Report {i}: the court page fails to load, error {i}")
               for i in range(24)]
    started = bot.seconds()
    await bot.handled()  # a simulated minute and more passes here, at once
    assert all(acks_for(fake, COURT, r) for r in reports)
    assert seen(fake) >= set(range(1, 25))  # each ticket's number in the team chat, folded or not
    assert bot.seconds() - started >= 60  # the 21st message to the group had to wait for the minute
    for chat_id in (COURT, TEAM):
        times = sorted(m["sent_at"] for m in fake.bot_messages(chat_id))
        busiest = max(sum(1 for t in times if start <= t < start + 60) for start in times)
        assert busiest <= 20, (chat_id, busiest)
        assert max(sum(1 for t in times if start <= t < start + 1) for start in times) <= 3
    assert fake.count("sendMessage", 429) == 0  # our limiter kept within Telegram's limits on its own
    assert [len(acks_for(fake, COURT, r)) for r in reports] == [1] * 24
