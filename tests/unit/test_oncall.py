"""On call: the rotation with handoffs, /oncall, /handoff, /keep and the end-of-shift reminder, on fakes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from support.desk_world import COURT, DIRECTORY, EMERGENCY, ROTATION, TEAM, DeskWorld
from supportbot.domain import texts
from supportbot.domain.oncall import Handoff, Rotation, Schedule
from supportbot.services.escalation import Sweeper
from supportbot.services.oncall_roster import Roster
from supportbot.services.outbox import OutboxKind
from supportbot.services.shift_reminder import ShiftReminder

BOB_SHIFT_ENDS = datetime(2026, 12, 14, 8, 0, tzinfo=UTC)  # Mon 14 Dec 09:00 Paris
ONCALL_NOW = ("📟 On call now: Bob until Mon 14 Dec 09:00 (Europe/Paris).\n"
              "Next: Alice from Mon 14 Dec 09:00 (Europe/Paris).")


@pytest.fixture
def world(clock) -> DeskWorld:
    return DeskWorld(clock)


async def report(world: DeskWorld, text: str = "On the court page I click Stake and get an error") -> int:
    """dave reports in the Court channel; returns the new ticket's number."""
    await world.post("dave", COURT, text)
    return world.store.tickets[-1].number


def on_call(world: DeskWorld) -> list[str]:
    return [p.name for p in world.deps.oncall.engineers(world.clock.now())]


def fresh_reminder(world: DeskWorld) -> ShiftReminder:
    """The reminder of another process, which has read no handoff yet."""
    return ShiftReminder(world.deps, Roster(DIRECTORY, ROTATION))


def team_messages(world: DeskWorld, prefix: str) -> list:
    return [r for r in world.store.outbox if r.chat_id == TEAM and r.kind is OutboxKind.MESSAGE
            and r.text.startswith(prefix)]


# --- the schedule --------------------------------------------------------------------------


def test_the_rotation_goes_round_before_and_after_its_start() -> None:
    rotation = Rotation(("Alice", "Bob", "Carol"), timedelta(days=7), datetime(2026, 11, 30, 8, tzinfo=UTC))

    assert rotation.shift_at(datetime(2026, 12, 1, tzinfo=UTC)).person == "Alice"
    assert rotation.shift_at(datetime(2026, 12, 7, 8, tzinfo=UTC)).person == "Bob"  # a shift starts on the dot
    assert rotation.shift_at(datetime(2026, 11, 30, 7, 59, tzinfo=UTC)).person == "Carol"
    assert rotation.shift_at(datetime(2026, 11, 16, 8, tzinfo=UTC)).person == "Bob"


def test_the_latest_handoff_wins_until_the_handed_shift_ends() -> None:
    at = datetime(2026, 12, 8, 12, tzinfo=UTC)
    first = Handoff(at, "Bob", "Alice", "", BOB_SHIFT_ENDS, id=1)
    second = Handoff(at + timedelta(hours=5), "Alice", "Carol", "", BOB_SHIFT_ENDS, id=2)
    schedule = Schedule.of(ROTATION, [second, first])

    assert schedule.shift_at(at - timedelta(seconds=1)).person == "Bob"
    assert schedule.shift_at(at).person == "Alice"
    shift = schedule.shift_at(at + timedelta(hours=6))
    assert (shift.person, shift.starts, shift.ends, shift.handoff) == ("Carol", second.at, BOB_SHIFT_ENDS, second)
    assert schedule.shift_at(BOB_SHIFT_ENDS).person == "Alice"  # the rotation takes over again
    assert schedule.following(shift).person == "Alice"


# --- /oncall ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["Carol", "dave"])
async def test_oncall_says_who_is_on_call_until_when_and_who_is_next(world: DeskWorld, who: str) -> None:
    reply = await world.command(who, "/oncall", chat_id=COURT)

    assert reply.ok and reply.text == ONCALL_NOW


async def test_oncall_names_who_handed_the_shift_over(world: DeskWorld) -> None:
    await world.command("Bob", "/handoff Carol")

    reply = await world.command("dave", "/oncall", chat_id=COURT)

    assert reply.text == ("📟 On call now: Carol until Mon 14 Dec 09:00 (Europe/Paris) (handed over by Bob).\n"
                          "Next: Alice from Mon 14 Dec 09:00 (Europe/Paris).")


# --- /handoff --------------------------------------------------------------------------------


async def test_handoff_moves_the_outgoing_engineers_open_tickets_with_the_notes(world: DeskWorld, clock) -> None:
    for _ in range(3):
        await report(world)
    await world.command("Bob", "/take 1")
    await world.command("Bob", "/take 2")
    await world.command("Bob", "/resolve 2")
    await world.command("Alice", "/take 3")
    clock.advance(hours=2)
    before = world.ticket(1)

    reply = await world.command("Bob", "/handoff Alice watch the RPC provider, it is flaky")

    assert reply.ok and reply.text == ("🔁 Alice is on call now, until Mon 14 Dec 09:00 (Europe/Paris). "
                                       "The summary is in the team chat.")
    assert [world.ticket(n).assignee for n in (1, 2, 3)] == ["Alice", "Bob", "Alice"]  # resolved ones stay
    moved = world.store.events[-1]
    assert (moved.ticket_id, moved.kind, moved.actor, moved.detail) == (
        world.ticket(1).id, "handoff", "Bob", "Bob → Alice: watch the RPC provider, it is flaky")
    assert world.history(3)[-1] != "handoff"
    # A reassignment by the rotation is no answer to the reporter: the clocks run on.
    after = world.ticket(1)
    assert (after.last_activity_at, after.next_due_at) == (before.last_activity_at, before.next_due_at)
    assert on_call(world) == ["Alice"]
    [edit] = [r for r in world.queued(OutboxKind.EDIT_CARD) if r.ticket_id == after.id][-1:]
    assert "Assigned to Alice" in edit.text


async def test_the_handoff_summary_goes_to_the_team_chat(world: DeskWorld) -> None:
    await report(world)
    await report(world)
    await world.post("erin", EMERGENCY, "Court v2 is down: every vote transaction reverts on mainnet")
    for n in (1, 2, 3):
        await world.command("Bob", f"/take {n}")
    await world.command("Bob", "/keep 2")

    await world.command("Bob", "/handoff alice going offline")

    [summary] = team_messages(world, "🔁")
    assert summary.text == (
        "🔁 Bob handed the on-call shift over to Alice until Mon 14 Dec 09:00 (Europe/Paris).\n"
        "Notes: going offline\n"
        "Handed over: #1, #3\n"
        "Kept by Bob: #2\n"
        "Open emergencies: #3 (Alice)"
    )
    assert [m.name for m in summary.mentions] == ["Alice"]


async def test_an_admin_may_hand_over_someone_elses_shift(world: DeskWorld) -> None:
    await report(world)
    await world.command("Bob", "/take 1")

    reply = await world.command("Alice", "/handoff Carol Bob is ill")

    assert reply.ok and on_call(world) == ["Carol"]
    assert world.ticket(1).assignee == "Carol"
    [summary] = team_messages(world, "🔁")
    assert summary.text.startswith("🔁 Alice handed Bob's on-call shift over to Carol until Mon 14 Dec 09:00")


async def test_a_kept_ticket_stays_through_one_handoff_only(world: DeskWorld) -> None:
    await report(world)
    await report(world)
    await world.command("Bob", "/take 1")
    await world.command("Bob", "/take 2")
    keep = await world.command("Bob", "/keep 2")
    assert keep.ok and keep.text == "📌 Ticket #2 stays with you through your next handoff."
    assert world.history(2)[-1] == "keep"

    await world.command("Bob", "/handoff Alice")
    assert [world.ticket(n).assignee for n in (1, 2)] == ["Alice", "Bob"]

    await world.command("Alice", "/handoff Bob")  # Alice's tickets go to Bob...
    await world.command("Bob", "/handoff Carol")  # ...and this time nothing is kept
    assert [world.ticket(n).assignee for n in (1, 2)] == ["Carol", "Carol"]


async def test_the_handoff_lasts_until_the_handed_shift_ends(world: DeskWorld, clock) -> None:
    await world.command("Bob", "/handoff Carol")
    assert on_call(world) == ["Carol"]

    clock.set(BOB_SHIFT_ENDS - timedelta(seconds=1))
    assert on_call(world) == ["Carol"]
    clock.set(BOB_SHIFT_ENDS)
    assert on_call(world) == ["Alice"]
    assert (await world.command("dave", "/oncall", chat_id=COURT)).text.startswith(
        "📟 On call now: Alice until Mon 21 Dec 09:00 (Europe/Paris).")


async def test_after_a_handoff_emergencies_tag_the_incoming_engineer(world: DeskWorld, clock) -> None:
    await world.command("Bob", "/handoff Carol")

    await world.post("erin", EMERGENCY, "Court v2 is down: every vote transaction reverts on mainnet")
    clock.advance(hours=1)
    await Sweeper(world.deps).sweep()

    opened, escalated = team_messages(world, "🚨")
    assert [m.name for m in opened.mentions] == ["Carol"]  # on call, and Court's owner
    assert [m.name for m in escalated.mentions] == ["Carol", "Alice", "Bob"]  # on call, then the rotation


async def test_another_process_sees_a_handoff_once_it_reads_the_store(world: DeskWorld) -> None:
    await world.command("Bob", "/handoff Alice")
    elsewhere = Roster(DIRECTORY, ROTATION)
    assert [p.name for p in elsewhere.engineers(world.clock.now())] == ["Bob"]  # nothing read yet

    await ShiftReminder(world.deps, elsewhere).remind()  # as every scheduled run does

    assert [p.name for p in elsewhere.engineers(world.clock.now())] == ["Alice"]


@pytest.mark.parametrize(("who", "command", "reason"), [
    ("Carol", "/handoff Alice", "Only the on-call engineer (Bob) or an admin can hand the shift over."),
    ("dave", "/handoff Alice", "Only the on-call engineer (Bob) or an admin can hand the shift over."),
    ("Bob", "/handoff zed", "I don't know anyone called 'zed'. Team members: Alice, Bob, Carol, Sam."),
    ("Bob", "/handoff Bob", "Bob is already on call; name who takes the shift over."),
    ("Alice", "/handoff @bob", "Bob is already on call; name who takes the shift over."),
])
async def test_a_refused_handoff_says_why_in_one_line_and_changes_nothing(
    world: DeskWorld, who: str, command: str, reason: str,
) -> None:
    await report(world)
    await world.command("Bob", "/take 1")
    before = world.store.snapshot()

    reply = await world.command(who, command)

    assert (reply.ok, reply.text) == (False, reason)
    assert "\n" not in reply.text
    assert world.store.snapshot() == before
    assert on_call(world) == ["Bob"]


# --- /keep -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "number", "reason"), [
    ("Alice", 1, "Ticket #1 is assigned to Bob; you can only keep a ticket you hold (/take 1 first)."),
    ("Bob", 2, "Ticket #2 is not assigned; you can only keep a ticket you hold (/take 2 first)."),
    ("Bob", 3, texts.KEEP_RESOLVED.format(number=3)),
    ("Bob", 9, "There is no ticket #9."),
    ("dave", 1, "Only the support team can use /keep."),
])
async def test_a_refused_keep_says_why_and_changes_nothing(
    world: DeskWorld, who: str, number: int, reason: str,
) -> None:
    for _ in range(3):
        await report(world)
    await world.command("Bob", "/take 1")
    await world.command("Bob", "/take 3")
    await world.command("Bob", "/resolve 3")
    before = world.store.snapshot()

    reply = await world.command(who, f"/keep {number}")

    assert (reply.ok, reply.text) == (False, reason)
    assert world.store.snapshot() == before


async def test_keeping_twice_is_harmless(world: DeskWorld) -> None:
    await report(world)
    await world.command("Bob", "/take 1")
    await world.command("Bob", "/keep 1")

    reply = await world.command("Bob", "/keep 1")

    assert reply.ok and reply.text == "📌 Ticket #1 already stays with you through your next handoff."
    assert world.history(1).count("keep") == 1


# --- the end-of-shift reminder -----------------------------------------------------------------


async def test_the_on_call_engineer_is_reminded_once_an_hour_before_the_shift_ends(world: DeskWorld, clock) -> None:
    await report(world)
    await report(world)
    await world.command("Bob", "/take 1")
    await world.command("Bob", "/take 2")
    oncall = world.reminder

    clock.set(BOB_SHIFT_ENDS - timedelta(hours=1, seconds=1))
    assert await oncall.remind() == 0
    clock.set(BOB_SHIFT_ENDS - timedelta(hours=1))
    assert await oncall.remind() == 1
    for minutes in (1, 30, 59):
        clock.set(BOB_SHIFT_ENDS - timedelta(minutes=60 - minutes))
        assert await oncall.remind() == 0

    [reminder] = team_messages(world, "⏰")
    assert reminder.text == (
        "⏰ Bob, your on-call shift ends Mon 14 Dec 09:00 (Europe/Paris); Alice is next. "
        "You hold 2 open ticket(s): #1, #2.\n"
        "Hand over with /handoff <person> [notes]; keep a ticket with /keep <id>."
    )
    assert [m.name for m in reminder.mentions] == ["Bob"]


async def test_a_restart_does_not_repeat_the_reminder(world: DeskWorld, clock) -> None:
    clock.set(BOB_SHIFT_ENDS - timedelta(minutes=30))
    await world.reminder.remind()

    await fresh_reminder(world).remind()  # a fresh process remembers nothing

    assert len(team_messages(world, "⏰")) == 1


async def test_after_a_handoff_the_incoming_engineer_gets_the_reminder(world: DeskWorld, clock) -> None:
    await world.command("Bob", "/handoff Carol")
    clock.set(BOB_SHIFT_ENDS - timedelta(minutes=10))

    assert await world.reminder.remind() == 1

    [reminder] = team_messages(world, "⏰")
    assert reminder.text.startswith("⏰ Carol, your on-call shift ends Mon 14 Dec 09:00 (Europe/Paris); Alice is next. "
                                    "You hold no open tickets.")


async def test_a_second_replica_or_a_restart_sends_no_second_reminder(world: DeskWorld, clock) -> None:
    clock.set(BOB_SHIFT_ENDS - timedelta(minutes=30))
    assert await world.reminder.remind() == 1

    again = [await fresh_reminder(world).remind() for _ in range(2)]  # fresh processes remember nothing

    assert again == [0, 0]
    assert len(team_messages(world, "⏰")) == 1


# --- /keep tells the product owner ------------------------------------------------------------


async def test_keep_tells_the_product_owner_in_the_team_chat(world: DeskWorld) -> None:
    await report(world)
    await world.command("Bob", "/take 1")

    await world.command("Bob", "/keep 1")

    [told] = team_messages(world, "📌")
    assert told.text == texts.keep_notice(1, "Bob", ["Carol"])
    assert "Bob" in told.text and "#1" in told.text and "Carol" in told.text
    assert [m.name for m in told.mentions] == ["Carol"]


async def test_keeping_twice_tells_the_owner_once(world: DeskWorld) -> None:
    await report(world)
    await world.command("Bob", "/take 1")

    await world.command("Bob", "/keep 1")
    await world.command("Bob", "/keep 1")

    assert len(team_messages(world, "📌")) == 1
