"""A compressed soak: a week of support through the real desk, sweep, shift reminder and outbox sender on a
manual clock, with a crash and a restart in the middle (20,000 tickets with SUPPORTBOT_SOAK_TICKETS=20000;
fewer by default, see DEFAULT_TICKETS).

The platform is a recording chat port (soak_world.RecordingPlatform), not the Telegram adapter against the
fake Bot API: see soak_world for why. Checked at the end: memory flat, the outbox drained, no notice
delivered twice, and every ticket's clocks as the auditor (auditor.py) recomputes them from its history."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from supportbot.bootstrap_rules import build_calendar
from supportbot.db import migrate
from supportbot.db.engine import Database
from supportbot.db.tables import outbox, ticket_events
from tests.conftest import ManualClock, reset_pg, sqlite_url
from tests.proof import soak_plan as plan_
from tests.proof import soak_world as world
from tests.proof.auditor import Auditor, BusinessTime
from tests.proof.soak_run import Soak, beat_at_or_after

pytestmark = pytest.mark.proof

# The full week is 20,000 tickets (SUPPORTBOT_SOAK_TICKETS=20000). A ticket costs the bot some 35 ms of CPU
# on SQLite and 65 ms on PostgreSQL (3.5 desk calls and 7.5 deliveries, each its own transaction), so by
# default each engine plays as many as fit a proof's 3 minutes on a 2-core machine shared with other work.
# CI plays the full week on SQLite (.ci/run sets SUPPORTBOT_SOAK_TICKETS=20000: some 13 minutes).
DEFAULT_TICKETS = {"sqlite": 1000, "postgresql": 400}
SIZE_VARIABLE = {"sqlite": "SUPPORTBOT_SOAK_TICKETS", "postgresql": "SUPPORTBOT_SOAK_TICKETS_PG"}
DAY = timedelta(days=1)
CRASH_AT = plan_.WEEK_START + 2 * DAY + timedelta(hours=14)  # Wed 30 Dec 14:00, in business hours
DOWN_FOR = timedelta(minutes=20)
# The week's reports end on Sunday night; the clocks run on to Tuesday evening, so Monday's stagnant tickets
# and the 🟡 tickets of the week's end reach their deadlines too.
END = plan_.WEEK_START + 8 * DAY + timedelta(hours=18)
RSS_TOLERANCE = 0.10


@pytest.fixture(params=["sqlite", "postgresql"])
async def soak_url(request: pytest.FixtureRequest, sqlite_template: Path) -> AsyncIterator[str]:
    """An empty database at the newest schema. SQLite's file lives in /dev/shm where there is one: the soak
    is about memory, the outbox and the clocks, and synchronous=FULL's fsync on a disk shared with other
    jobs costs 0.3-4 ms a commit here, most of the run."""
    if request.param == "sqlite":
        shm = Path("/dev/shm")
        folder = Path(tempfile.mkdtemp(prefix="supportbot-soak-", dir=shm if shm.is_dir() else None))
        shutil.copyfile(sqlite_template, folder / "supportbot.db")
        yield sqlite_url(folder)
        shutil.rmtree(folder, ignore_errors=True)
        return
    url = request.getfixturevalue("pg_database")
    db = Database.from_url(url)
    await migrate.upgrade(db.engine)
    await db.dispose()
    yield url
    async with db.engine.begin() as conn:
        await reset_pg(conn)
    await db.dispose()


async def test_a_week_of_support_keeps_memory_flat_the_outbox_drained_and_every_clock_right(
        soak_url: str, tmp_path: Path) -> None:
    engine = "postgresql" if soak_url.startswith("postgresql") else "sqlite"
    tickets = int(os.environ.get(SIZE_VARIABLE[engine], DEFAULT_TICKETS[engine]))
    settings = world.load_config(tmp_path)
    clock = ManualClock(plan_.WEEK_START.astimezone(plan_.PARIS))
    deliveries = tmp_path / "deliveries.tsv"
    plan = plan_.Plan(tickets, build_calendar(settings))
    with deliveries.open("w", encoding="utf-8") as log:
        soak = Soak(settings, soak_url, clock, world.RecordingPlatform(log, clock))
        await soak.start()
        steps = plan.steps()
        await soak.play_until(steps, plan_.WEEK_START + DAY)
        soak.measure("warm-up (Mon 24:00)")
        await soak.play_until(steps, CRASH_AT)
        await soak.crash_and_restart(DOWN_FOR)
        await soak.play_until(steps, plan_.WEEK_START + 3 * DAY + timedelta(hours=12))
        soak.measure("middle (Thu 12:00)")
        await soak.play_until(steps, END)
        await soak.drain()
        soak.measure("end (Tue 18:00)")
        pending, dead, _ = await soak.rt.outbox_state()
        histories = await _histories(soak.rt.app.database)
        sent_keys = await _sent_keys(soak.rt.app.database)
        await soak.rt.crash()
    figures, platform = soak.figures, soak.platform
    sends = _sends(deliveries)
    summary = (f"{len(histories)} tickets ({plan.emergencies} emergencies), {figures.steps} steps, "
               f"{figures.sweeps} sweeps, {figures.notices} notices and closings, {platform.sent} messages "
               f"and {platform.edited} card edits delivered, {platform.refused} sends refused with a 429; "
               f"RSS MiB {figures.rss}; seconds {figures.seconds}; CPU seconds {figures.cpu_seconds}")
    print("\nsoak:", summary)

    assert len(histories) == tickets, summary
    assert figures.refused == [], figures.refused[:10]
    warm = figures.rss["warm-up (Mon 24:00)"]
    assert all(abs(rss - warm) <= RSS_TOLERANCE * warm for rss in figures.rss.values()), summary
    assert (pending, dead) == (0, 0), f"outbox left {pending} pending and {dead} dead rows; {summary}"
    _assert_no_duplicates(sends)
    _assert_notices_delivered(histories, sent_keys)
    _assert_shift_reminders(sends)

    def auditor() -> Auditor:
        return Auditor(BusinessTime(plan_.PARIS, build_calendar(settings).is_working_day), world.TEAM,
                       beat=beat_at_or_after, downtime=figures.downtime, horizon=clock.now())

    _assert_auditor_sees_a_missing_escalation(auditor(), histories)
    checking = auditor()
    for ticket_id, history in histories.items():
        checking.check(ticket_id, history)
    audit = checking.audit
    print(f"soak audit: {audit.tickets} tickets, {audit.escalations} escalations and {audit.expirations} "
          f"closings checked, {len(audit.problems)} problems")
    assert audit.problems == [], "\n".join(audit.problems[:20])
    assert audit.escalations > 0 and audit.expirations > 0, audit


def _assert_auditor_sees_a_missing_escalation(auditor: Auditor, histories: dict[int, list]) -> None:
    """The auditor is not blind: a history with one escalation taken out is reported."""
    ticket_id, history = next((t, h) for t, h in histories.items() if any(e[2] == "escalation" for e in h))
    auditor.check(ticket_id, [event for event in history if event[2] != "escalation"])
    assert auditor.audit.problems, history


async def _histories(database: Database) -> dict[int, list[tuple[datetime, str, str, str]]]:
    """Every ticket's stored history, oldest first."""
    e = ticket_events.c
    async with database.engine.connect() as db:
        rows = (await db.execute(sa.select(e.ticket_id, e.at, e.actor, e.kind, e.detail)
                                 .order_by(e.ticket_id, e.id))).all()
    found: dict[int, list[tuple[datetime, str, str, str]]] = {}
    for ticket_id, at, actor, kind, detail in rows:
        found.setdefault(ticket_id, []).append((at, actor, kind, detail))
    return found


async def _sent_keys(database: Database) -> list[str]:
    """The keys of the outbox rows sent."""
    async with database.engine.connect() as db:
        return list((await db.execute(sa.select(outbox.c.dedupe_key).where(
            outbox.c.status == "sent", outbox.c.dedupe_key.is_not(None)))).scalars())


def _sends(path: Path) -> list[list[str]]:
    """The messages the platform received: [send, outbox id, chat, ticket, kind, dedupe key, first line, at]."""
    lines = [line.rstrip("\n").split("\t") for line in path.read_text(encoding="utf-8").splitlines()]
    return [line for line in lines if line[0] == "send"]


def _assert_no_duplicates(sends: list[list[str]]) -> None:
    """No outbox row delivered twice, and no notice twice: one per (chat, ticket, kind, its key or its words)."""
    rows = Counter(line[1] for line in sends)
    assert not [row for row, n in rows.items() if n > 1], "outbox rows delivered twice"
    keys = Counter((chat, ticket, kind, dedupe or (re.sub(r"\d+", "#", text) if kind != "card" else ""))
                   for _, _, chat, ticket, kind, dedupe, text, _at in sends if ticket != "None" or dedupe)
    twice = [key for key, n in keys.items() if n > 1]
    assert not twice, f"{len(twice)} notices delivered more than once, e.g. {twice[:5]}"


def _assert_shift_reminders(sends: list[list[str]]) -> None:
    """Each shift ending in the soak is reminded once, an hour before its end (Bob's rotation shift on Mon 28
    Dec; Alice's on Mon 4 Jan, which Bob handed back to her on Saturday)."""
    reminders = [(line[6].split(",")[0], datetime.fromisoformat(line[7]).astimezone(plan_.PARIS))
                 for line in sends if "your on-call shift ends" in line[6]]
    assert reminders == [("⏰ Bob", datetime(2026, 12, 28, 8, tzinfo=plan_.PARIS)),
                         ("⏰ Alice", datetime(2027, 1, 4, 8, tzinfo=plan_.PARIS))], reminders


def _assert_notices_delivered(histories: dict[int, list], sent_keys: list[str]) -> None:
    """Each escalation in a ticket's history was sent to the team chat under its own key. Read from the outbox
    rows marked sent, not from the platform's log: a late run of notices to one chat goes out folded into one
    message, which the log shows under its first row's key."""
    fired = Counter((ticket_id, detail) for ticket_id, history in histories.items()
                    for _at, _actor, kind, detail in history if kind == "escalation")
    told = Counter((int(parts[1]), parts[2]) for parts in (key.split(":") for key in sent_keys)
                   if parts[0] == "ticket" and parts[-2:] == ["team", world.PLATFORM]
                   and parts[2] != "emergency_opened")
    assert fired == told, f"escalations in the history but not in the team chat: {list((fired - told).items())[:5]}"
