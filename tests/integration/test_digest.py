"""The weekly digest and the morning summary on the real database (SQLite, and PostgreSQL when configured):
a seeded fortnight with every figure worked out by hand, once-only across replicas, catch-up after downtime."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from support.databases import migrated  # noqa: F401  (fixture)
from supportbot import cli_report
from supportbot.bootstrap import App, build_app
from supportbot.bootstrap_rules import CONSOLE_PRODUCT_BASE, CONSOLE_TEAM
from supportbot.config import load_settings
from supportbot.db.engine import Database
from supportbot.db.tables import outbox
from supportbot.domain import commands as cmd
from supportbot.domain import metrics
from supportbot.domain.digest_schedule import parse_when, reported_week
from supportbot.domain.people import Sender
from supportbot.domain.satisfaction import Rating
from supportbot.runtime import periodic_jobs
from supportbot.services.digest import DigestPlan, WeeklyDigest, build
from supportbot.services.digest_chart import chart_png
from supportbot.services.morning_summary import MorningSummary
from supportbot.services.outbox import Chart, OutboxKind
from supportbot.services.ports import IncomingMessage
from tests.unit.test_digest_chart import png_header

PARIS = ZoneInfo("Europe/Paris")
COURT = CONSOLE_PRODUCT_BASE
ERIN = Sender("console", 4343, "erin")
SLOT = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)  # Mon 7 Dec 09:00 in Paris: the digest of 30 Nov - 6 Dec
REPORTS = {
    1: "On the court page I click Stake and get an error",
    2: "The juror dashboard shows no cases since this morning",
    3: "Appeal button does nothing when I click it",
    4: "Evidence upload fails with a timeout error",
    5: "Voting page crashes after I connect my wallet",
    6: "Cannot withdraw my rewards, the button is greyed out",
    7: "The court list does not load on mobile",
}


def paris(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=PARIS).astimezone(UTC)


class Desk:
    """The console desk on a database, driven as people use it, the sweep running at each step."""

    def __init__(self, app: App, clock) -> None:
        self.app, self.clock, self.ids = app, clock, iter(range(1, 10_000))

    async def at(self, instant: datetime) -> None:
        self.clock.set(instant)
        await self.app.sweeper.sweep()

    async def report(self, instant: datetime, number: int) -> None:
        await self.at(instant)
        await self.app.desk.handle_message(IncomingMessage(
            "console", COURT, next(self.ids), ERIN, REPORTS[number], instant))

    async def team(self, instant: datetime, text: str, who: str = "Alice"):
        await self.at(instant)
        person = self.app.deps.directory.person(who)
        sender = Sender("console", 1000 + len(who), person.name, person=person)
        reply = await self.app.desk.handle_message(IncomingMessage(
            "console", CONSOLE_TEAM, next(self.ids), sender, text, instant))
        assert reply is not None and reply.ok, reply
        return reply


def app_on(database: Database, clock, settings_text: str | None = None, tmp_path: Path | None = None) -> App:
    if settings_text is None:
        return build_app(load_settings(None, env={}), {"console"}, clock=clock, database=database)
    assert tmp_path is not None
    path = tmp_path / "config.toml"
    path.write_text(settings_text, encoding="utf-8")
    return build_app(load_settings(path, env={}), {"telegram", "discord"}, clock=clock, database=database)


async def seed_fortnight(desk: Desk) -> None:
    """Two weeks of tickets in Paris time (UTC+1). The week before: 23-29 Nov; the week: 30 Nov - 6 Dec."""
    await desk.report(paris(11, 24, 10), 1)  # #1, the week before
    await desk.team(paris(11, 24, 11), "/take 1")  # answered in 1h
    await desk.report(paris(11, 30, 9, 30), 2)  # #2, never answered
    await desk.report(paris(11, 30, 10), 3)  # #3
    await desk.team(paris(11, 30, 10, 30), "/take 3")  # answered in 30m
    await desk.team(paris(11, 30, 12), "/resolve 3")  # resolved in 2h
    await desk.at(paris(12, 1, 9, 30))  # #2's first response is a business day late: escalated
    await desk.at(paris(12, 1, 11))  # #1 untouched for 5 business days: stagnant, escalated
    await desk.team(paris(12, 2, 10), "/resolve 1")  # #1 resolved, 8 days after it was opened
    await desk.report(paris(12, 2, 14), 4)  # #4
    await desk.team(paris(12, 2, 16), "/take 4")  # answered in 2h
    await desk.report(paris(12, 4, 16), 5)  # #5, its first response due Mon 7 Dec 16:00: not late yet
    await desk.report(paris(12, 6, 23, 30), 6)  # #6, Sunday night in Paris (22:30 UTC): still this week
    await desk.report(paris(12, 7, 0, 30), 7)  # #7, Monday 00:30 in Paris but Sunday 23:30 UTC: next week
    # Ratings given this week: #3 a 5 (happy), #1 a 2; none the week before.
    async with desk.app.database() as uow:
        for number, score, at in ((3, 5, paris(11, 30, 13)), (1, 2, paris(12, 2, 11))):
            ticket = await uow.tickets.by_number(number)
            await uow.ratings.save(Rating(ticket.stored_id, score, at, at))
        await uow.commit()


@pytest.fixture
def desk(migrated: Database, clock) -> Desk:
    return Desk(app_on(migrated, clock), clock)


async def test_the_weeks_figures_against_the_week_before_worked_out_by_hand(desk: Desk) -> None:
    await seed_fortnight(desk)
    await desk.at(SLOT)
    week = reported_week(SLOT, PARIS)

    digest = await build(desk.app.deps, week, product=None, top_untriaged=3)

    lines = digest.text.splitlines()
    assert lines[0] == "📬 Weekly digest: Mon 30 Nov – Sun 6 Dec, against the week before"
    assert lines[1:9] == [
        "Issues opened: 5 (week before: 1)",  # #2-#6 (#6 on Sunday night in Paris; #7 is Monday's); #1
        "Resolved (whenever opened): 2 (week before: 0)",  # #3 on Monday, #1 on Wednesday
        "Backlog at the end: 4 (week before: 1)",  # #2, #4, #5, #6 open at Monday 00:00; #1 a week earlier
        "First response time (median): 1h 15m (week before: 1h 00m)",  # (30m + 2h) / 2; #1's 1h
        "Average resolution time: 2h 00m (week before: 8d 0h)",  # #3 only; #1 opened the week before
        "Resolution rate of the week's issues: 20% (week before: 100%)",  # 1 of 5; 1 of 1
        # Due by Monday 09:00 or answered: #2 (late), #3 and #4 (on time); #5 and #6 not due yet. #1 on time.
        "First responses on time: 67% (week before: 100%)",
        "Satisfaction (CSAT: ratings of 4 or 5): 50% of 2 rating(s) (week before: —)",  # the 5 of the 5 and 2
    ]
    assert "⏰ Promises broken this week (2):" in lines
    broken = lines[lines.index("⏰ Promises broken this week (2):") + 1:][:2]
    assert broken == [f"#2 {REPORTS[2]} — first response missed", f"#1 {REPORTS[1]} — no activity for too long"]
    # Untriaged: open, normal, no priority, oldest first; three of five listed, ages at Mon 09:00.
    assert lines[-5:] == [
        "🗂 Untriaged (no priority yet), oldest first (5 open):",
        f"#2 {REPORTS[2]} — 6d 23h old",  # since Mon 30 Nov 09:30
        f"#4 {REPORTS[4]} — 4d 19h old",  # since Wed 2 Dec 14:00
        f"#5 {REPORTS[5]} — 2d 17h old",  # since Fri 4 Dec 16:00
        "… and 2 more",
    ]
    # The chart's days are Paris days: opened, resolved, and open at each day's end (from #1 alone).
    series = digest.chart.series
    assert series.days == tuple(date(2026, 11, 30 + n) if n < 1 else date(2026, 12, n) for n in range(7))
    assert series.opened == (2, 0, 1, 0, 1, 0, 1)
    assert series.resolved == (1, 0, 1, 0, 0, 0, 0)
    assert series.backlog == (2, 2, 2, 2, 3, 3, 4)
    assert digest.chart.title == "Opened and resolved per day"
    assert png_header(chart_png(series, title=digest.chart.title)) == (800, 450)
    assert digest.caption == "📈 Opened and resolved per day, with the backlog: Mon 30 Nov – Sun 6 Dec"


async def test_a_products_digest_counts_its_own_tickets_only(desk: Desk) -> None:
    await seed_fortnight(desk)
    await desk.at(SLOT)

    court = await build(desk.app.deps, reported_week(SLOT, PARIS), product="court", top_untriaged=5)
    curate = await build(desk.app.deps, reported_week(SLOT, PARIS), product="curate", top_untriaged=5)

    assert court.text.startswith("📬 Weekly digest for Court v2:") and "Issues opened: 5 (week before: 1)" in court.text
    assert "Issues opened: 0 (week before: 0)" in curate.text and "⏰ No promise broken this week." in curate.text
    assert curate.text.endswith("🗂 Every open ticket has a priority.")
    assert curate.chart.series.opened == (0,) * 7 and curate.chart.series.backlog == (0,) * 7


async def queued(database: Database) -> list[tuple[str, int, str, str, dict]]:
    async with database.engine.connect() as conn:
        rows = await conn.execute(sa.select(outbox.c.platform, outbox.c.chat_id, outbox.c.kind, outbox.c.text,
                                            outbox.c.payload, outbox.c.dedupe_key).order_by(outbox.c.id))
        return [(r.platform, r.chat_id, r.kind, r.text, r.payload) for r in rows
                if (r.dedupe_key or "").startswith(("digest:", "morning-summary:"))]


async def test_the_digest_goes_out_once_at_its_slot_even_from_two_replicas(migrated: Database, clock) -> None:
    first, second = app_on(migrated, clock), app_on(migrated, clock)  # two processes on one database
    jobs = [WeeklyDigest(app.deps, DigestPlan(parse_when("mon 09:00"))) for app in (first, second)]
    await Desk(first, clock).report(paris(12, 2, 10), 1)  # an open ticket: the digests have something to say
    clock.set(SLOT)
    assert await jobs[0].send_due() == 1  # the first start: last week's digest was never sent (catch-up)
    clock.set(datetime(2026, 12, 14, 7, 59, tzinfo=UTC))  # a week on, a minute before the next slot
    assert await jobs[0].send_due() == await jobs[1].send_due() == 0
    before = len(await queued(migrated))

    clock.set(datetime(2026, 12, 14, 8, 0, tzinfo=UTC))
    sent = await asyncio.gather(jobs[0].send_due(), jobs[1].send_due())

    assert sorted(sent) == [0, 1]
    rows = (await queued(migrated))[before:]
    assert [(platform, chat, kind) for platform, chat, kind, _, _ in rows] == [
        ("console", CONSOLE_TEAM, OutboxKind.MESSAGE.value), ("console", CONSOLE_TEAM, OutboxKind.PHOTO.value)]
    assert rows[0][3].startswith("📬 Weekly digest: Mon 7 Dec – Sun 13 Dec")
    clock.advance(minutes=1)
    assert await jobs[0].send_due() == await jobs[1].send_due() == 0


async def test_a_desk_with_nothing_to_report_sends_no_scheduled_digest(migrated: Database, clock) -> None:
    app = app_on(migrated, clock)
    job = WeeklyDigest(app.deps)
    clock.set(SLOT)  # just installed: no ticket ever
    assert await job.send_due() == 0
    await Desk(app, clock).report(paris(12, 8, 10), 1)  # the first report comes the day after the slot
    assert await job.send_due() == 0  # last week's slot was settled: its empty digest does not go out late
    assert [kind for _, _, kind, _, _ in await queued(migrated)].count(OutboxKind.PHOTO.value) == 0

    clock.set(datetime(2026, 12, 14, 8, 0, tzinfo=UTC))  # the next slot: now there is a week to report
    assert await job.send_due() == 1


async def test_a_bot_down_at_the_slot_sends_the_digest_once_when_back(migrated: Database, clock) -> None:
    app = app_on(migrated, clock)
    job = WeeklyDigest(app.deps)
    await Desk(app, clock).report(paris(11, 25, 10), 1)  # an open ticket: the digests have something to say
    clock.set(datetime(2026, 12, 7, 7, 0, tzinfo=UTC))  # Mon 08:00 in Paris: last week's digest went out
    assert await job.send_due() == 1

    clock.set(datetime(2026, 12, 16, 13, 0, tzinfo=UTC))  # down from Monday morning until Wednesday afternoon
    assert await job.send_due() == 1
    assert await job.send_due() == 0

    texts = [text for _, _, kind, text, _ in await queued(migrated) if kind == OutboxKind.MESSAGE.value]
    assert [t.splitlines()[0] for t in texts] == [
        "📬 Weekly digest: Mon 23 Nov – Sun 29 Nov, against the week before",
        "📬 Weekly digest: Mon 7 Dec – Sun 13 Dec, against the week before",  # the week of the missed slot
    ]


async def test_the_team_and_each_products_digest_chat_get_their_digest(migrated: Database, clock,
                                                                      tmp_path: Path) -> None:
    from tests.unit.test_config_refusals import BASE, DISCORD_TOKEN, TELEGRAM_TOKEN

    text = BASE.replace('owners = ["Carol"]\ntelegram_chats = [-100101]',
                        'owners = ["Carol"]\ntelegram_chats = [-100101]\ndigest_telegram_chat = 1003') + (
        f'\n[telegram]\ntoken = "{TELEGRAM_TOKEN}"\n[discord]\ntoken = "{DISCORD_TOKEN}"\n')
    app = app_on(migrated, clock, text, tmp_path)
    clock.set(paris(12, 2, 10))  # a court report that week, so each digest has something to say
    erin = Sender("telegram", 5555, "erin")
    await app.desk.handle_message(IncomingMessage("telegram", -100101, 1, erin, REPORTS[1], clock.now()))
    clock.set(SLOT)

    assert await WeeklyDigest(app.deps).send_due() == 3

    rows = await queued(migrated)
    assert [(platform, chat, kind) for platform, chat, kind, _, _ in rows] == [
        ("discord", 3001, "message"), ("discord", 3001, "photo"),
        ("telegram", -100500, "message"), ("telegram", -100500, "photo"),
        ("telegram", 1003, "message"), ("telegram", 1003, "photo"),  # Carol's private chat: court alone
    ]
    assert rows[4][3].startswith("📬 Weekly digest for Court v2:")
    assert rows[5][3].startswith("📈 Opened and resolved per day, with the backlog for Court v2")
    stored = rows[5][4]  # the chart's figures, drawn when sent: a few hundred bytes, not a PNG
    assert stored["filename"] == "digest.png" and set(stored) == {"chart", "filename"}
    assert stored["chart"]["days"][0] == "2026-11-30" and len(str(stored)) < 1000


async def test_a_chart_row_reads_back_with_its_figures(migrated: Database, clock) -> None:
    app = app_on(migrated, clock)
    await Desk(app, clock).report(paris(12, 2, 10), 1)  # open from Wednesday on
    clock.set(SLOT)
    await WeeklyDigest(app.deps).send_due()

    async with migrated() as uow:
        claimed = await uow.outbox.claim("console", clock.now(), clock.now(), 10, per_chat=10)
    photo = next(item for item in claimed if item.kind is OutboxKind.PHOTO)
    assert isinstance(photo.payload, Chart) and photo.payload.filename == "digest.png"
    assert photo.payload.series.days[-1] == date(2026, 12, 6) and photo.payload.series.backlog == (0, 0, 1, 1, 1, 1, 1)


async def test_digest_shows_the_week_so_far_and_queues_its_chart_to_the_caller(desk: Desk) -> None:
    await seed_fortnight(desk)
    await desk.at(paris(12, 9, 15))  # Wednesday afternoon of the next week

    reply = await desk.team(paris(12, 9, 15), "/digest court")

    assert reply.text.startswith(
        "📬 Digest for Court v2, this week so far: Mon 7 Dec – Wed 9 Dec, against the whole week before")
    assert "Issues opened: 1 (week before: 5)" in reply.text  # #7
    rows = await queued(desk.app.database)
    assert rows == []  # the caller's chart carries no once-only key
    async with desk.app.database.engine.connect() as conn:
        photos = (await conn.execute(sa.select(outbox.c.chat_id, outbox.c.text).where(
            outbox.c.kind == OutboxKind.PHOTO.value))).all()
    assert photos == [(CONSOLE_TEAM, "📈 Opened and resolved per day, with the backlog for Court v2: Mon 7 Dec – Wed 9 Dec")]


async def test_digest_is_for_the_team_and_names_a_known_product(desk: Desk) -> None:
    msg = IncomingMessage("console", COURT, 1, ERIN, "/digest", SLOT)
    refused = await desk.app.desk.run(cmd.ShowDigest(None), msg, None)
    assert not refused.ok and refused.text == "Only the support team can use /digest."

    unknown = await desk.app.desk.handle_message(IncomingMessage(
        "console", CONSOLE_TEAM, 2, Sender("console", 1005, "Alice", person=desk.app.deps.directory.person("Alice")),
        "/digest nope", SLOT))
    assert unknown is not None and not unknown.ok and unknown.text.startswith("There is no product 'nope'.")


async def test_each_business_morning_owners_hear_of_untriaged_tickets_once(desk: Desk) -> None:
    await seed_fortnight(desk)
    summary = MorningSummary(desk.app.deps)
    await desk.at(paris(12, 7, 8, 59))
    assert await summary.send_due() == 0  # not open yet
    await desk.at(paris(12, 7, 9))

    assert await summary.send_due() == 1
    assert await summary.send_due() == 0

    [(platform, chat, kind, text, _)] = await queued(desk.app.database)
    assert (platform, chat, kind) == ("console", CONSOLE_TEAM, "message")
    assert text.splitlines() == [
        "☀️ Good morning, Court v2: 5 open ticket(s) have no priority yet. Please triage:",
        f"#2 {REPORTS[2]} — 6d 23h old",
        f"#4 {REPORTS[4]} — 4d 19h old",
        f"#5 {REPORTS[5]} — 2d 17h old",
        f"#6 {REPORTS[6]} — 9h 30m old",
        f"#7 {REPORTS[7]} — 8h 30m old",
    ]
    async with desk.app.database.engine.connect() as conn:
        mentions = (await conn.execute(sa.select(outbox.c.mentions).where(
            outbox.c.dedupe_key.like("morning-summary:%")))).scalar_one()
    assert mentions == [{"name": "Carol"}]  # the product's owner is tagged


async def test_no_morning_summary_on_a_closed_day_or_when_all_is_triaged(desk: Desk) -> None:
    summary = MorningSummary(desk.app.deps)
    await desk.at(paris(12, 5, 10))  # a Saturday
    assert await summary.send_due() == 0
    await desk.at(paris(12, 7, 10))  # Monday, nothing untriaged
    assert await summary.send_due() == 0
    await desk.report(paris(12, 7, 11), 1)  # later that day: the day's summary is done
    assert await summary.send_due() == 0
    await desk.at(paris(12, 8, 9, 5))
    assert await summary.send_due() == 1
    assert await queued(desk.app.database) != []


def test_the_app_runs_the_digest_and_the_morning_summary_every_minute(desk: Desk) -> None:
    jobs = {name: every.total_seconds() for name, _, every in periodic_jobs(desk.app, [])}

    assert jobs["weekly-digest"] == jobs["morning-summary"] == 60



async def test_a_long_digest_goes_out_in_parts_before_its_chart(desk: Desk) -> None:
    for n in range(30):  # thirty untriaged reports with long titles, all listed
        REPORTS[100 + n] = f"Report {n:02d}: the court page fails to load the juror list after I connect my wallet"
        await desk.report(paris(12, 2, 10, 2 * n), 100 + n)  # two minutes apart: within the ticket limit
    job = WeeklyDigest(desk.app.deps, DigestPlan(parse_when("mon 09:00"), top_untriaged=30))
    await desk.at(SLOT)

    assert await job.send_due() == 1

    rows = await queued(desk.app.database)
    kinds = [kind for _, _, kind, _, _ in rows]
    assert kinds == ["message"] * (len(rows) - 1) + ["photo"] and len(rows) >= 3
    parts = [text for _, _, kind, text, _ in rows if kind == "message"]
    assert all(len(part) <= 1900 for part in parts)
    assert "\n".join(parts).count("Report ") == 30 and parts[-1].endswith(  # Wed 10:58 to Mon 09:00
        f"#30 {REPORTS[129]} — 4d 22h old")

    reply = await desk.team(paris(12, 7, 10), "/digest")
    async with desk.app.database.engine.connect() as conn:
        after = (await conn.execute(sa.select(outbox.c.kind, outbox.c.text).where(
            outbox.c.chat_id == CONSOLE_TEAM, outbox.c.dedupe_key.is_(None)).order_by(outbox.c.id))).all()
    assert reply.text.startswith("📬 Digest, this week so far: Mon 7 Dec") and len(reply.text) <= 1900
    assert [kind for kind, _ in after][-1] == "photo"


async def test_the_digest_and_the_report_agree_on_the_same_week(desk: Desk) -> None:
    await seed_fortnight(desk)
    await desk.at(SLOT)
    digest = await build(desk.app.deps, reported_week(SLOT, PARIS), product=None, top_untriaged=3)

    # `supportbot report --from 2026-11-30 --to 2026-12-06`: the same seven days in the business time zone.
    found = await cli_report.figures(desk.app, product=None, period=None, first=date(2026, 11, 30),
                                     last=date(2026, 12, 6), security=False)

    labels = ("Issues opened", "Backlog at the end", "First response time (median)", "Average resolution time",
              "Resolution rate of the week's issues", "First responses on time",
              "Satisfaction (CSAT: ratings of 4 or 5)")
    this_week = {label: line.removeprefix(f"{label}: ").split(" (week before")[0]
                 for line in digest.text.splitlines() for label in labels if line.startswith(f"{label}: ")}
    assert this_week["Issues opened"] == str(found.opened) == "5"
    assert this_week["Backlog at the end"] == str(found.backlog) == "4"
    assert this_week["First response time (median)"] == metrics.span(found.first_response_median)
    assert this_week["Average resolution time"] == metrics.span(found.resolution_mean)
    assert this_week["Resolution rate of the week's issues"] == metrics.percent(found.resolution_rate)
    assert this_week["First responses on time"] == metrics.percent(found.first_response_on_time_rate)
    assert this_week["Satisfaction (CSAT: ratings of 4 or 5)"].startswith(metrics.percent(found.csat))
