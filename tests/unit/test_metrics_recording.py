"""What the desk records for the metrics as things happen, in the ticket's own transaction: each wait of the
reporter's for the team (business time for a normal ticket, wall clock for an emergency), when the first
response was due, and each reopening. Business hours: Europe/Paris (UTC+1 in December), Mon-Fri 09:00-17:00."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from support.desk_world import COURT, EMERGENCY, DeskWorld, open_report
from supportbot.domain import metrics
from supportbot.services.metrics import figures_for

H = timedelta(hours=1)


@pytest.fixture
def world(clock) -> DeskWorld:
    return DeskWorld(clock)


def us(span: timedelta) -> int:
    return metrics.micros(span)


async def test_a_wait_over_the_weekend_counts_business_time_only(world: DeskWorld, clock) -> None:
    clock.set(datetime(2026, 12, 11, 15, 30, tzinfo=UTC))  # Fri 16:30 Paris, half an hour before closing
    report = await open_report(world)
    ticket = world.ticket(1)
    # 1bd from Fri 16:30 Paris: half an hour on Friday, seven and a half on Monday: Mon 16:30 Paris.
    assert ticket.first_response_due_at == datetime(2026, 12, 14, 15, 30, tzinfo=UTC)
    assert ticket.awaiting_since == ticket.created_at

    clock.set(datetime(2026, 12, 14, 9, 0, tzinfo=UTC))  # Mon 10:00 Paris
    await world.post("Alice", COURT, "Which wallet do you use?", reply_to=report)
    ticket = world.ticket(1)
    assert (ticket.responses, ticket.response_wait_us) == (1, us(1.5 * H))  # 30m Friday + 1h Monday
    assert ticket.awaiting_since is None


async def test_only_the_oldest_unanswered_message_starts_the_wait(world: DeskWorld, clock) -> None:
    report = await open_report(world)  # Mon Dec 7 10:00 Paris
    clock.advance(hours=1)
    await world.post("Bob", COURT, "Looking", reply_to=report)
    clock.advance(hours=1)
    await world.post("dave", COURT, "It also fails on Firefox", reply_to=report)
    clock.advance(hours=1)
    await world.post("dave", COURT, "And on my phone", reply_to=report)  # still the same wait
    clock.advance(hours=2)
    await world.command("Bob", "/status 1 in_progress")  # a team action answers too
    clock.advance(hours=1)
    await world.command("Bob", "/note 1 the reporter is patient")  # a note is no response
    ticket = world.ticket(1)
    assert (ticket.responses, ticket.response_wait_us) == (2, us(1 * H + 3 * H))


async def test_an_emergency_waits_in_wall_clock_time(world: DeskWorld, clock) -> None:
    clock.set(datetime(2026, 12, 12, 22, 0, tzinfo=UTC))  # Saturday night
    await world.post("dave", EMERGENCY, "Everything is down, the court page does not load at all")
    ticket = world.ticket(1)
    assert ticket.first_response_due_at == datetime(2026, 12, 12, 23, 0, tzinfo=UTC)
    clock.advance(minutes=40)
    await world.command("Alice", "/take 1")
    assert (world.ticket(1).responses, world.ticket(1).response_wait_us) == (1, us(timedelta(minutes=40)))


async def test_a_reopening_is_counted_and_starts_a_wait(world: DeskWorld, clock) -> None:
    await open_report(world)
    clock.advance(hours=1)
    await world.command("Alice", "/resolve 1 fixed")
    clock.advance(hours=1)
    await world.command("dave", "/reopen 1", chat_id=COURT)
    clock.advance(hours=2)
    await world.command("Alice", "/status 1 in_progress")
    ticket = world.ticket(1)
    assert ticket.reopens == 1
    assert (ticket.responses, ticket.response_wait_us) == (2, us(1 * H + 2 * H))

    start, end = metrics.period_bounds(clock.now(), "week")
    m = await figures_for(world.deps, product=None, start=start, end=end, security=False)
    assert (m.reopened, m.reopen_rate, m.responses, m.response_mean) == (1, 1.0, 2, 1.5 * H)
