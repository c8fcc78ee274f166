"""What /healthz, /metrics and the metrics page's charts read, added up alike on SQLite and PostgreSQL:
days are UTC days whatever the session's time zone, failed rows are told from new ones, waits fall in buckets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from supportbot.db.engine import Database
from supportbot.domain.ticket_states import Severity, Status
from supportbot.domain.tickets import Ticket
from supportbot.services.outbox import OutboxItem, OutboxKind
from supportbot.services.ports import TicketEvent
from supportbot.services.web_ports import Tally

MIDNIGHT = datetime(2026, 12, 8, tzinfo=UTC)


def ticket(n: int, created: datetime, **fields) -> Ticket:
    return Ticket(number=n, product=fields.pop("product", "court"), severity=fields.pop("severity", Severity.NORMAL),
                  title=f"t{n}", body="b", reporter_platform="console", reporter_id=n, reporter_name="r",
                  created_at=created, source_platform="console", source_chat_id=100, source_message_id=n,
                  last_activity_at=created, **fields)


async def store(database: Database) -> None:
    async with database() as uow:
        late = ticket(1, MIDNIGHT - timedelta(minutes=30), first_response_at=MIDNIGHT + timedelta(minutes=10))
        early = ticket(2, MIDNIGHT + timedelta(minutes=30), first_response_at=MIDNIGHT + timedelta(hours=5))
        resolved = ticket(3, MIDNIGHT + timedelta(hours=1), status=Status.RESOLVED,
                          resolved_at=MIDNIGHT + timedelta(days=1, hours=2), first_response_at=MIDNIGHT + timedelta(hours=2))
        secret = ticket(4, MIDNIGHT + timedelta(hours=2), security=True, product=None)
        overdue = ticket(5, MIDNIGHT + timedelta(hours=3), severity=Severity.EMERGENCY,
                         next_due_at=MIDNIGHT + timedelta(hours=4))
        for t in (late, early, resolved, secret, overdue):
            await uow.tickets.add(t)
        await uow.events.add_many([TicketEvent(overdue.stored_id, MIDNIGHT + timedelta(hours=4), "bot", "escalation", "x"),
                                   TicketEvent(secret.stored_id, MIDNIGHT + timedelta(hours=5), "bot", "escalation", "x")])
        rows = [OutboxItem(platform="telegram", chat_id=1, kind=OutboxKind.MESSAGE, text="new",
                           created_at=MIDNIGHT + timedelta(minutes=5)),
                OutboxItem(platform="telegram", chat_id=1, kind=OutboxKind.MESSAGE, text="retrying", attempts=2,
                           created_at=MIDNIGHT + timedelta(minutes=1)),
                OutboxItem(platform="telegram", chat_id=1, kind=OutboxKind.MESSAGE, text="gone", status="sent",
                           created_at=MIDNIGHT - timedelta(days=1)),
                OutboxItem(platform="discord", chat_id=2, kind=OutboxKind.MESSAGE, text="lost", status="dead",
                           created_at=MIDNIGHT - timedelta(days=1))]
        await uow.outbox.add_many(rows)
        await uow.commit()


async def test_counts_for_health_and_metrics(database: Database) -> None:
    await store(database)
    async with database() as uow:
        backlog = await uow.ops.outbox_backlog()
        states = await uow.ops.outbox_states()
        tickets = await uow.ops.ticket_counts()
        breached = await uow.ops.breached(MIDNIGHT + timedelta(hours=6))
        escalations = await uow.ops.event_count("escalation")
    assert (backlog.pending, backlog.oldest_pending_at) == (2, MIDNIGHT + timedelta(minutes=1))
    assert sorted(states, key=lambda t: t.labels) == [
        Tally(("discord", "dead"), 1), Tally(("telegram", "failed"), 1), Tally(("telegram", "pending"), 1),
        Tally(("telegram", "sent"), 1)]
    assert sorted(tickets, key=lambda t: t.labels) == [
        Tally(("", "received", "normal"), 1), Tally(("court", "received", "emergency"), 1),
        Tally(("court", "received", "normal"), 2), Tally(("court", "resolved", "normal"), 1)]
    assert breached == [Tally(("court", "emergency"), 1)]
    assert escalations == 2


async def test_series_for_the_charts_are_per_utc_day(database: Database) -> None:
    await store(database)
    start = MIDNIGHT - timedelta(days=2)
    async with database() as uow:
        if database.engine.dialect.name == "postgresql":  # a session far from UTC still counts UTC days
            await uow.session.execute(sa.text("SET TIME ZONE 'Pacific/Auckland'"))
        opened = await uow.ops.opened_per_day(start, product="court", security=False)
        everything = await uow.ops.opened_per_day(start, product=None, security=True)
        resolved = await uow.ops.resolved_per_day(start, product=None, security=False)
        breaches = await uow.ops.events_per_day("escalation", start, product=None, security=False)
        spread = await uow.ops.first_response_spread(
            start, [15 * 60 * 10**6, 60 * 60 * 10**6, 4 * 3600 * 10**6], product="court", security=False)
    assert opened == {"2026-12-07": 1, "2026-12-08": 3}
    assert everything == {"2026-12-07": 1, "2026-12-08": 4}
    assert resolved == {"2026-12-09": 1}
    assert breaches == {"2026-12-08": 1}  # the security ticket's escalation is not shown to everyone
    assert spread == [0, 2, 0, 1]  # 40m and exactly 1h; 4h30m is over four hours
