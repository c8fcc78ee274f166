"""Every playbook metric on a small history with known instants, worked out by hand, on SQLite and PostgreSQL.

The history goes through the real desk (reports, replies, commands, the sweep), so the figures recorded
as things happen (each wait for the team, first-response deadlines, reopenings) are recorded as they
would be in use. Business hours are the embedded defaults: Europe/Paris (UTC+1 in December), Monday to
Friday 09:00-17:00. All instants below are UTC.

    #1 normal    Mon Dec 7 09:00 Erin reports; Alice replies 11:00; Erin replies 15:00; Alice replies
                 Tue 09:00; Alice resolves it (fixed) Tue 10:00. Rated 5 on Tue 11:00.
    #2 emergency Tue Dec 8 20:00 Erin: /emergency; the sweep escalates it at 21:05 (nobody answered within
                 the hour); Alice replies 21:30, resolves it 22:00. Rated 4 on Wed 08:00.
    #3 normal    Wed Dec 9 10:00 Dave reports; nobody ever answers (due Thu 10:00).
    #4 emergency Thu Dec 10 12:00 Erin: /emergency; Bob resolves it at 12:20 (his first response).
    #5 normal    Fri Dec 11 15:30 Dave reports (16:30 in Paris, half an hour before closing); Bob replies
                 Mon Dec 14 09:00, resolves it (answered) 09:30; Dave reopens it 12:00; Bob replies 14:00.
                 Rated 2 on Mon 10:00, between the answer and the reopening.

Figures are read on Mon Dec 14 at 16:00.
"""

from __future__ import annotations

import io
import itertools
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from supportbot import cli_report
from supportbot.bootstrap import App, build_app
from supportbot.bootstrap_rules import console_chat_ids
from supportbot.config import load_settings
from supportbot.db.engine import Database
from supportbot.db.tables import ratings, tickets
from supportbot.domain import metrics
from supportbot.domain.people import Sender
from supportbot.services.metrics import figures_for
from supportbot.services.ports import IncomingMessage

MESSAGE_IDS = itertools.count(1000)
NOW = datetime(2026, 12, 14, 16, 0, tzinfo=UTC)
H = timedelta(hours=1)
M = timedelta(minutes=1)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC)


class History:
    """The desk on the database, spoken to in the court chat as the people above."""

    def __init__(self, app: App, clock) -> None:
        self.app, self.clock = app, clock
        self.chat = console_chat_ids(app.settings)["court"]

    def sender(self, name: str) -> Sender:
        person = self.app.desk.directory.person(name)
        return Sender("console", {"Alice": 1, "Bob": 2, "Erin": 11, "Dave": 12}[name], name, person=person)

    async def say(self, when: datetime, name: str, text: str, *, reply_to: int | None = None) -> int:
        """Post `text` as `name` at `when` (a reply to message `reply_to`); the message id."""
        self.clock.set(when)
        message_id = next(MESSAGE_IDS)
        await self.app.desk.handle_message(IncomingMessage(
            "console", self.chat, message_id, self.sender(name), text, when, reply_to=reply_to))
        return message_id

    async def sweep(self, when: datetime) -> None:
        self.clock.set(when)
        assert self.app.sweeper is not None
        await self.app.sweeper.sweep()

    async def rate(self, number: int, score: int, when: datetime) -> None:
        async with self.app.database.engine.begin() as conn:
            ticket_id = (await conn.execute(sa.select(tickets.c.id).where(tickets.c.number == number))).scalar_one()
            await conn.execute(sa.insert(ratings).values(ticket_id=ticket_id, score=score, rated_at=when,
                                                         updated_at=when))


@pytest.fixture
async def history(database: Database, clock) -> AsyncIterator[History]:
    app = build_app(load_settings(None, env={}), {"console"}, clock=clock, database=database)
    h = History(app, clock)
    one = await h.say(at(7, 9), "Erin", "Court v2: the vote button does nothing on dispute 12, Chrome desktop")
    await h.say(at(7, 11), "Alice", "Looking into it, which wallet do you use?", reply_to=one)
    await h.say(at(7, 15), "Erin", "MetaMask, latest version", reply_to=one)
    await h.say(at(8, 9), "Alice", "Found it, a fix is deployed", reply_to=one)
    await h.say(at(8, 10), "Alice", "/resolve 1 fixed")
    await h.say(at(8, 20), "Erin", "/emergency Court v2 is down for everyone, the page does not load")
    await h.sweep(at(8, 21, 5))
    await h.say(at(8, 21, 30), "Alice", "On it, the RPC node is down", reply_to=await _report_of(h, 2))
    await h.say(at(8, 22), "Alice", "/resolve 2 fixed")
    await h.say(at(9, 10), "Dave", "Court v2: the juror page shows the wrong stake amount, Firefox")
    await h.say(at(10, 12), "Erin", "/emergency Court v2 rewards are not paid out since this morning")
    await h.say(at(10, 12, 20), "Bob", "/resolve 4 fixed")
    five = await h.say(at(11, 15, 30), "Dave", "Court v2: where do I see my past disputes? Safari on iPhone")
    await h.say(at(14, 9), "Bob", "Your past disputes are under Profile > History", reply_to=five)
    await h.say(at(14, 9, 30), "Bob", "/resolve 5 answered")
    await h.say(at(14, 12), "Dave", "/reopen 5")
    await h.say(at(14, 14), "Bob", "The History tab needs a wallet connected, does that help?", reply_to=five)
    await h.rate(1, 5, at(8, 11))
    await h.rate(2, 4, at(9, 8))
    await h.rate(5, 2, at(14, 10))
    clock.set(NOW)
    yield h


async def _report_of(h: History, number: int) -> int:
    """The platform message id of ticket `number`'s report (a reply to it is a follow-up)."""
    async with h.app.database.engine.connect() as conn:
        return int((await conn.execute(sa.select(tickets.c.source_message_id)
                                       .where(tickets.c.number == number))).scalar_one())


async def test_every_metric_of_the_month_as_worked_out_by_hand(history: History) -> None:
    start, end = metrics.period_bounds(NOW, "month")
    m = await figures_for(history.app.deps, product=None, start=start, end=end, security=False)

    assert m.opened == 5
    assert m.per_day == 5 / 30  # a month is 30 days
    assert m.backlog == 2  # #3 never answered, #5 reopened
    # First responses (wall clock): #4 20m, #2 1h30, #1 2h, #5 Fri 15:30 -> Mon 09:00 = 65h30.
    assert m.answered == 4
    assert m.first_response_median == (90 * M + 2 * H) / 2  # 1h45, between the middle two
    assert m.first_response_mean == (20 * M + 90 * M + 2 * H + 65.5 * H) / 4  # 17h20
    assert m.first_response_p90 == 65.5 * H  # nearest rank: ceil(0.9 x 4) = the 4th
    # Resolved and still so: #1 (25h), #2 (2h), #4 (20m); #5 was reopened.
    assert m.resolved == 3 and m.resolution_rate == 3 / 5
    assert m.resolution_mean == (25 * H + 2 * H + 20 * M) / 3  # 9h06m40s
    assert m.first_response_resolution_rate == 1 / 3  # #4: its first response was the resolution
    # Every wait for the team, business time for normal tickets (Paris 09:00-17:00), wall clock for emergencies:
    # #1 Mon 10:00-12:00 Paris = 2h, then Mon 16:00 -> Tue 10:00 Paris = 1h + 1h; #2 1h30; #4 20m;
    # #5 Fri 16:30 -> Mon 10:00 Paris = 30m + 1h, then reopened Mon 13:00 -> 15:00 Paris = 2h.
    assert m.responses == 6
    assert m.response_mean == (2 * H + 2 * H + 90 * M + 20 * M + 90 * M + 2 * H) / 6  # 1h33m20s
    # Reports, replies, commands: #1 1+3+1, #2 1+1+1, #3 1, #4 1+1, #5 1+1+1+1+1 = 16 over 5 tickets.
    assert m.interactions_mean == 16 / 5
    # First responses due by then: #1 (Tue 09:00, answered Mon 11:00), #2 (21:00, answered 21:30: late),
    # #3 (Thu 10:00, never), #4 (13:00, answered 12:20), #5 (1bd from Fri 16:30 Paris = Mon 16:30 Paris, 15:30 UTC,
    # answered 09:00): 3 of 5 on time.
    assert (m.first_response_due, m.first_response_on_time_rate) == (5, 3 / 5)
    # Emergencies judged: #2 escalated by the sweep, #4 answered within the hour and never left alone.
    assert (m.emergencies_judged, m.emergency_deadlines_met_rate) == (2, 1 / 2)
    assert (m.reopened, m.reopen_rate) == (1, 1 / 5)
    # Ratings given in the month: 5, 4, 2.
    assert (m.ratings, m.satisfaction_mean, m.csat) == (3, 11 / 3, 2 / 3)


async def test_a_span_of_days_counts_its_tickets_its_ratings_and_the_backlog_at_its_end(history: History) -> None:
    # Tue Dec 8 to Fri Dec 11 in Paris: from Mon Dec 7 23:00 UTC to Fri Dec 11 23:00 UTC, four days.
    found = await cli_report.figures(history.app, product=None, period=None, first=datetime(2026, 12, 8).date(),
                                     last=datetime(2026, 12, 11).date(), security=False)

    assert (found.start, found.end) == (at(7, 23), at(11, 23))
    assert found.opened == 4 and found.per_day == 1.0  # #2 to #5
    assert found.backlog == 2  # open on Friday night: #3 and #5 (answered only on Monday)
    assert (found.ratings, found.satisfaction_mean, found.csat) == (2, 4.5, 1.0)  # given Tue (#1) and Wed (#2)
    assert found.first_response_median == 90 * M  # #4 20m, #2 1h30, #5 65h30
    assert metrics.label(found) == "2026-12-07 23:00 to 2026-12-11 23:00 UTC"


async def test_stats_the_report_and_figures_for_agree(history: History) -> None:
    start, end = metrics.period_bounds(NOW, "month")
    shared = await figures_for(history.app.deps, product=None, start=start, end=end, security=False)

    stats = await history.app.desk.handle_message(IncomingMessage(
        "console", console_chat_ids(history.app.settings)["team"], next(MESSAGE_IDS), history.sender("Alice"),
        "/stats month", NOW))
    assert stats is not None
    assert stats.text == metrics.render(shared, "").replace(metrics.label(shared), "last month")
    for name, value in metrics.lines(shared):
        assert f"{name}: {value}" in stats.text

    out = io.StringIO()
    found = await cli_report.figures(history.app, product=None, period="month", first=None, last=None, security=False)
    cli_report.write_report(found, "json", None, out)
    report = json.loads(out.getvalue())
    assert report == {"product": None, **json.loads(json.dumps(metrics.as_record(shared)))}
    assert report["opened"] == 5 and report["first_response_p90_s"] == 65.5 * 3600 and report["csat"] == 2 / 3
    assert "Satisfaction: 3.7 / 5, CSAT 67% (3 ratings)" in stats.text
    assert "Average response time: 1h 33m (6 responses)" in stats.text


async def test_the_export_streams_every_ticket_with_its_history(history: History) -> None:
    out = io.StringIO()
    await cli_report.write_export(history.app, "jsonl", out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]

    assert [t["number"] for t in lines] == [1, 2, 3, 4, 5]
    five = lines[4]
    assert (five["status"], five["reopens"], five["responses"], five["rating_score"]) == ("received", 1, 2, 2)
    kinds = [e["kind"] for e in five["history"]]
    assert kinds[0] == "created" and "reopen" in kinds and kinds.count("reply") == 2
    assert lines[1]["first_response_due_at"].startswith("2026-12-08T21:00")

    out = io.StringIO()
    await cli_report.write_export(history.app, "csv", out)
    rows = out.getvalue().splitlines()
    assert rows[0].startswith("id,number,product,") and rows[0].endswith(",history")
    assert len([r for r in rows[1:] if r[:1].isdigit()]) == 5
