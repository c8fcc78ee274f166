"""The weekly digest as the chats receive it: a photo on Telegram (sendPhoto, multipart), an attachment on
Discord (payload_json and files[0]), a PNG file's path on the console; on a manual clock."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from supportbot.domain.digest_schedule import parse_when
from supportbot.services.digest import DigestPlan, WeeklyDigest
from supportbot.services.morning_summary import MorningSummary
from tests.e2e.inprocess_fixtures import discord, discord_bot, telegram, telegram_bot  # noqa: F401 (fixtures)
from tests.e2e.support_discord import ALICE as DISCORD_ALICE
from tests.e2e.support_discord import COURT as DISCORD_COURT
from tests.e2e.support_discord import DAVE as DISCORD_DAVE
from tests.e2e.support_discord import TEAM as DISCORD_TEAM
from tests.e2e.support_telegram import ALICE, COURT, DAVE, TEAM
from tests.e2e.test_console import console_session
from tests.unit.test_digest_chart import png_header

pytestmark = pytest.mark.e2e

FRIDAY = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)  # the e2e business hours are in UTC
SLOT = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)  # "mon 09:30"
REPORT = "On the court page I click Stake and get an error"


async def test_telegram_gets_the_chart_as_a_photo_at_the_digests_time(telegram, telegram_bot, clock) -> None:
    clock.set(FRIDAY)
    fake, bot = telegram, await telegram_bot()
    job = WeeklyDigest(bot.app.deps, DigestPlan(parse_when("mon 09:30")))
    assert await job.send_due() == 0  # started mid-week on an empty desk: last week's digest has nothing to say
    await bot.say(COURT, DAVE, REPORT)  # ticket #1, this week
    clock.set(SLOT.replace(second=0, minute=29))
    assert await job.send_due() == 0
    await bot.settle()
    assert fake.bot_photos(TEAM) == []

    clock.set(SLOT)
    assert await job.send_due() == 1
    await bot.settle()

    photo = fake.bot_photos(TEAM)[-1]
    assert photo["caption"] == "📈 Opened and resolved per day, with the backlog: Mon 30 Nov – Sun 6 Dec"
    assert (photo["photo"]["width"], photo["photo"]["height"]) == (800, 450) == png_header(photo["data"])
    assert photo["filename"] == "digest.png" and photo["sent_at"] >= SLOT.timestamp()
    upload = [e for e in fake.request_log() if e["method"] == "sendPhoto"][-1]
    assert upload["status"] == 200 and upload["params"]["parse_mode"] == "HTML"
    text = [m["text"] for m in fake.bot_messages(TEAM) if "Weekly digest" in (m["text"] or "")][-1]
    assert text.splitlines()[:2] == ["📬 Weekly digest: Mon 30 Nov – Sun 6 Dec, against the week before",
                                     "Issues opened: 1 (week before: 0)"]
    assert f"#1 {REPORT}" in text  # untriaged, listed with its age


async def test_telegram_digest_command_answers_and_posts_the_chart_in_that_chat(telegram, telegram_bot) -> None:
    fake, bot = telegram, await telegram_bot()
    await bot.say(COURT, DAVE, REPORT)

    asked = await bot.say(TEAM, ALICE, "/digest court")

    assert bot.answer_to(TEAM, asked).startswith("📬 Digest for Court v2, this week so far:")
    [photo] = fake.bot_photos(TEAM)
    assert photo["caption"].startswith("📈 Opened and resolved per day, with the backlog for Court v2")
    assert png_header(photo["data"]) == (800, 450)


async def test_discord_gets_the_chart_as_an_attachment(discord, discord_bot, clock) -> None:
    fake, bot = discord, await discord_bot()
    clock.set(FRIDAY)
    await bot.handled(fake.post_message(DISCORD_COURT, DISCORD_DAVE, REPORT))  # a week with a ticket to report
    clock.set(SLOT)

    assert await WeeklyDigest(bot.app.deps, DigestPlan(parse_when("mon 09:30"))).send_due() == 1
    await bot.settle()

    posted = [m for m in fake.messages(DISCORD_TEAM) if m["attachments"]]
    assert len(posted) == 1
    [attachment] = posted[0]["attachments"]
    assert attachment["filename"] == "digest.png"
    assert posted[0]["content"] == "📈 Opened and resolved per day, with the backlog: Mon 30 Nov – Sun 6 Dec"
    assert png_header(fake.attachment(attachment["url"])) == (800, 450)
    upload = [e for e in fake.request_log(f"POST /channels/{DISCORD_TEAM}/messages") if e["files"]][-1]
    assert upload["file_fields"] == ["files[0]"] and upload["json"]["attachments"][0]["filename"] == "digest.png"
    digest = next(m for m in fake.messages(DISCORD_TEAM) if m["content"].startswith("📬 Weekly digest"))
    assert digest["id"] < posted[0]["id"]  # the text first, then its chart


async def test_discord_digest_slash_command(discord, discord_bot) -> None:
    bot = await discord_bot()

    answer = await bot.slash(DISCORD_TEAM, DISCORD_ALICE, "digest")

    assert answer["content"].startswith("📬 Digest, this week so far:") and not answer["ephemeral"]
    chart = await bot.posted(DISCORD_TEAM, "📈 Opened and resolved per day")
    assert chart["attachments"][0]["filename"] == "digest.png"


def test_digest_on_the_console_prints_the_path_of_a_png(tmp_path: Path) -> None:
    printed = console_session(tmp_path, f"/in court\n/as dave\n{REPORT}\n/as Alice\n/in team\n/digest\n")

    assert "📬 Digest, this week so far:" in printed
    found = re.search(r"🖼 image saved: (\S+\.png)", printed)
    assert found, printed
    path = Path(found.group(1))
    assert path.is_file() and path.parent == tmp_path / "supportbot-images"  # beside the database
    assert png_header(path.read_bytes()) == (800, 450)


async def test_the_morning_summary_tags_the_owner_in_the_telegram_team_chat(telegram, telegram_bot, clock) -> None:
    bot = await telegram_bot()
    await bot.say(COURT, DAVE, REPORT)  # ticket #1, normal, no priority yet
    clock.set(clock.now().replace(hour=0, minute=0) + timedelta(days=1))  # the next business day opens (UTC, 00:00)

    assert await MorningSummary(bot.app.deps).send_due() == 1
    await bot.settle()

    summary = bot.shows(TEAM, "☀️ Good morning, Court v2")
    assert f"#1 {REPORT}" in summary["text"] and "@carol" in summary["text"]
    assert any(e["type"] == "mention" for e in summary["entities"])
