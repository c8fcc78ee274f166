"""The ticket limit at intake: a reporter who opens too many tickets lately gets one answer and no ticket."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from support.desk_world import COURT, DeskWorld
from supportbot.domain import texts
from supportbot.domain.limits import TicketLimit
from supportbot.services.outbox import OutboxKind

SEED = "legal winner thank year wave sausage worth useful legal winner thank yellow"  # BIP-39 test vector
LIMIT = TicketLimit(per_user=5, window=timedelta(minutes=10))
T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
# Dave's first report is at 09:01 UTC: he may post again once it is ten minutes old, at 10:11 in Paris.
REFUSAL = texts.ticket_limit_reached(5, timedelta(minutes=10), "Mon 7 Dec 10:11 (Europe/Paris)")


@pytest.fixture
def world(clock) -> DeskWorld:
    world = DeskWorld(clock)
    world.rewire(ticket_limit=LIMIT)
    return world


async def report_each_minute(world: DeskWorld, clock, who: str, count: int) -> list[int]:
    """`who` posts `count` reports in the Court channel, a minute apart; their message ids."""
    posted = []
    for n in range(count):
        clock.advance(minutes=1)
        posted.append((await world.post(who, COURT, f"Staking on the court page fails, attempt {n + 1}")).message_id)
    return posted


def refusals(world: DeskWorld) -> list:
    return [r for r in world.store.outbox if r.text.startswith("You have opened")]


def test_the_limit_frees_a_reporter_when_the_oldest_counted_ticket_leaves_the_window() -> None:
    recent = [T0 + timedelta(minutes=m) for m in (4, 3, 2, 1, 0)]

    assert LIMIT.back_at(recent) == T0 + timedelta(minutes=10)
    assert LIMIT.back_at(recent[:4]) is None
    assert TicketLimit(per_user=0).back_at(recent) is None


async def test_seven_reports_in_ten_minutes_open_five_tickets_and_get_one_answer(world: DeskWorld, clock) -> None:
    posted = await report_each_minute(world, clock, "dave", 7)

    assert len(world.store.tickets) == 5
    [refusal] = refusals(world)
    assert refusal.text == REFUSAL and refusal.reply_to == posted[5] and refusal.chat_id == COURT
    assert "The team sees your earlier tickets" in refusal.text


async def test_after_the_window_a_new_report_opens_a_ticket_and_a_new_flood_gets_a_new_answer(
        world: DeskWorld, clock) -> None:
    await report_each_minute(world, clock, "dave", 7)  # 09:01-09:07: five tickets, the sixth refused
    clock.set(T0 + timedelta(minutes=11))  # the 09:01 ticket leaves the window

    await world.post("dave", COURT, "Staking on the court page fails again")
    await world.post("dave", COURT, "And the curate page too")

    assert len(world.store.tickets) == 6
    assert [r.text for r in refusals(world)] == [REFUSAL, REFUSAL.replace("10:11", "10:12")]


async def test_a_redelivered_refused_message_gets_no_second_answer(world: DeskWorld, clock) -> None:
    await report_each_minute(world, clock, "dave", 6)
    sixth = world.message("dave", COURT, "once more", message_id=999)
    await world.desk.handle_message(sixth)
    await world.desk.handle_message(sixth)

    assert len(refusals(world)) == 1


async def test_other_reporters_follow_ups_chatter_and_the_team_are_not_limited(world: DeskWorld, clock) -> None:
    await report_each_minute(world, clock, "dave", 6)
    card = world.store.links[0].message_id  # dave's first report

    await world.post("dave", COURT, "thanks!")
    await world.post("dave", COURT, "Here is my account: 0x52908400098527886E0F7030069857D2E4169EE7",
                     reply_to=card)
    await world.post("erin", COURT, "Curate page shows an error when I submit")
    for n in range(6):
        assert (await world.command("Alice", f"/report The court page fails, seen by the team {n}", COURT)).ok

    assert len(world.store.tickets) == 5 + 1 + 6
    assert "message" in world.history(1)  # the follow-up reached dave's ticket
    assert len(refusals(world)) == 1


async def test_a_secret_over_the_limit_is_still_taken_out_of_view(world: DeskWorld, clock) -> None:
    await report_each_minute(world, clock, "dave", 5)

    posted = await world.post("dave", COURT, f"my wallet words are {SEED}")

    [removal] = world.queued(OutboxKind.DELETE)
    assert removal.payload.message_id == posted.message_id
    assert not refusals(world)


async def test_report_over_the_limit_is_answered_once_where_silence_is_allowed(world: DeskWorld, clock) -> None:
    await report_each_minute(world, clock, "dave", 5)

    first = await world.command("dave", "/report The court page fails yet again", COURT)
    second = await world.command("dave", "/emergency Everything is down", COURT)

    assert not first.ok and first.text == REFUSAL and not first.quiet
    assert not second.ok and second.text == REFUSAL and second.quiet  # only Discord, which must answer, says it
    assert len(world.store.tickets) == 5


async def test_no_limit_when_it_is_off(world: DeskWorld, clock) -> None:
    world.rewire(ticket_limit=TicketLimit(per_user=0))

    await report_each_minute(world, clock, "dave", 7)

    assert len(world.store.tickets) == 7 and not refusals(world)
