"""/stats added up by the database gives exactly the figures domain/metrics.py defines over the tickets.

A year and more of varied history (answered or not, in different ways; resolved for different reasons,
reopened; security tickets; spans with microseconds, from seconds to months) is stored through the
repositories, then every period, product and audience of /stats is computed both ways and compared,
on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from supportbot.db.engine import Database
from supportbot.db.tables import ratings
from supportbot.domain import metrics
from supportbot.domain.ticket_states import Resolution, Severity, Status
from supportbot.domain.tickets import Ticket
from supportbot.services.metrics import RESOLVING_FIRST_RESPONSES
from supportbot.services.ports import TicketEvent

HOW = ("", "faq", "resolve", "status", "assign")  # how the team first answered
REASONS = tuple(Resolution)


@dataclass
class History:
    tickets: list[Ticket]
    first_answers: dict[int, str]  # ticket id -> how it was first answered
    escalated: set[int] = field(default_factory=set)  # emergencies escalated for silence
    ratings: list[tuple[int, int, datetime]] = field(default_factory=list)  # (ticket id, score, rated at)


COUNT = 330


def varied_ticket(n: int, now) -> Ticket:
    """Ticket n of COUNT, one every 30 hours up to an hour ago (411 days back); its fate varies with n."""
    created = now - timedelta(hours=(COUNT - n) * 30 + 1, seconds=n * 13, microseconds=n * 7919 % 1_000_000)
    ticket = Ticket(number=n, product=("court", "curate", None)[n % 3], severity=Severity.NORMAL, title=f"t{n}",
                    body="b", reporter_platform="console", reporter_id=n, reporter_name="r", created_at=created,
                    source_platform="console", source_chat_id=100, source_message_id=n, security=n % 11 == 0,
                    interactions=n % 7, last_activity_at=created)
    if n % 4 == 0:
        ticket.severity = Severity.EMERGENCY
    # What the desk records as things happen: waits for the team, the first response's deadline, reopenings.
    ticket.responses, ticket.response_wait_us = n % 4, (n % 4) * (n * 1_234_567 + 89)
    ticket.first_response_due_at = None if n % 8 == 1 else created + timedelta(hours=n * 13 % 900, microseconds=n)
    ticket.reopens = n % 9 == 0
    if n % 6 == 0:
        return ticket  # never answered
    # From seconds to about three months, with microseconds.
    ticket.first_response_at = created + timedelta(seconds=(n * 7_777) % 8_000_000, microseconds=n * 31 % 1_000_000)
    ticket.first_response_how = HOW[n % len(HOW)]
    if n % 5 == 0:
        ticket.status = Status.IN_PROGRESS
    elif n % 9 == 0:  # resolved once, then reopened: no resolution any more
        ticket.status, ticket.resolved_at = Status.RECEIVED, None
    else:
        ticket.status, ticket.resolution = Status.RESOLVED, REASONS[n % len(REASONS)]
        ticket.resolved_at = ticket.first_response_at + timedelta(hours=n % 90, microseconds=n * 977 % 1_000_000)
    return ticket


async def store(database: Database, now) -> History:
    history = History([], {})
    async with database() as uow:
        for n in range(1, COUNT + 1):
            ticket = varied_ticket(n, now)
            await uow.tickets.add(ticket)
            history.tickets.append(ticket)
            events = [TicketEvent(ticket.stored_id, ticket.created_at, "r", "created", "faq")]  # a detail, not a response
            if ticket.first_response_at:
                history.first_answers[ticket.stored_id] = HOW[n % len(HOW)]
                events.append(TicketEvent(ticket.stored_id, ticket.first_response_at, "Alice", "first_response",
                                          HOW[n % len(HOW)]))
            events.append(TicketEvent(ticket.stored_id, ticket.created_at, "Alice", "note", "resolve"))
            # Escalations: only an emergency's for silence count against its deadlines.
            silence = ("emergency_unanswered", "emergency_idle", "stagnant", "first_response_missed")[n % 4]
            if n % 3 == 0:
                events.append(TicketEvent(ticket.stored_id, ticket.created_at, "bot", "escalation", silence))
                if silence.startswith("emergency"):
                    history.escalated.add(ticket.stored_id)
            await uow.events.add_many(events)
            if n % 5 in (1, 2):  # rated a while after opening, 1 to 5
                rated = ticket.created_at + timedelta(days=n % 40, microseconds=n)
                history.ratings.append((ticket.stored_id, 1 + n % 5 + n % 2, rated))
        await uow.commit()
    async with database.engine.begin() as conn:
        await conn.execute(sa.insert(ratings), [
            {"ticket_id": i, "score": min(score, 5), "rated_at": when, "updated_at": when}
            for i, score, when in history.ratings])
    history.ratings = [(i, min(score, 5), when) for i, score, when in history.ratings]
    return history


def defined(history: History, start, product: str | None, security: bool, *, end=None,
            now=None) -> metrics.PeriodFigures:
    """The figures as domain/metrics.py defines them, over the tickets as they were stored."""
    def in_scope(t: Ticket) -> bool:
        return (product is None or t.product == product) and (security or not t.security)

    opened = [t for t in history.tickets if t.created_at >= start and (end is None or t.created_at < end)
              and in_scope(t)]
    at_first = {i for i, how in history.first_answers.items() if how in RESOLVING_FIRST_RESPONSES}
    by_id = {t.stored_id: t for t in history.tickets}
    scores = [score for i, score, when in history.ratings
              if when >= start and (end is None or when < end) and in_scope(by_id[i])]
    return metrics.figures_of(opened, at_first, now=now, escalated=history.escalated, scores=scores)


@pytest.mark.parametrize("period", list(metrics.PERIOD_DAYS))
async def test_the_database_adds_up_the_defined_figures(database: Database, clock, period: str) -> None:
    history = await store(database, clock.now())
    start = metrics.period_start(clock.now(), period)

    # Up to now, and a span ending earlier (a report's --from/--to) judged now; deadlines judged or not.
    for end, now in ((None, None), (clock.now(), clock.now()), (start + (clock.now() - start) / 2, clock.now())):
        for product in (None, "court", "curate", "vault"):
            for security in (False, True):
                async with database() as uow:
                    figures = await uow.tickets.period_figures(
                        start, end=end, now=now, product=product, security=security,
                        resolving_first_responses=RESOLVING_FIRST_RESPONSES)
                assert figures == defined(history, start, product, security, end=end, now=now), (
                    period, end, product, security)


async def test_the_figures_cover_what_they_claim(database: Database, clock) -> None:
    """The history is varied enough for the comparison to mean something."""
    history = await store(database, clock.now())
    year = defined(history, metrics.period_start(clock.now(), "year"), None, True)

    assert year.opened > 100 and 0 < year.answered < year.opened and 0 < year.resolved < year.answered
    assert 0 < year.resolved_at_first_response < year.resolved
    assert len(year.first_response_middle_us) in (1, 2) and year.first_response_us % 1_000_000
    judged = defined(history, metrics.period_start(clock.now(), "year"), None, True, now=clock.now())
    assert 0 < judged.first_response_on_time < judged.first_response_due and judged.first_response_p90_us
    assert 0 < judged.emergencies_escalated < judged.emergencies_judged and 0 < judged.reopened < judged.opened
    assert judged.ratings > 10 and 0 < judged.ratings_happy < judged.ratings and judged.responses
    week = defined(history, metrics.period_start(clock.now(), "week"), None, True)
    assert week.opened >= 3 and week.answered  # the short periods are not empty


async def test_an_empty_period_has_no_figures(database: Database, clock) -> None:
    async with database() as uow:
        figures = await uow.tickets.period_figures(clock.now(), resolving_first_responses=RESOLVING_FIRST_RESPONSES)

    assert figures == metrics.PeriodFigures()
