"""SLA clocks on the desk and the escalation sweep, on in-memory fakes with a hand-moved clock."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from support.desk_world import COURT, EMERGENCY, SECURITY, TEAM, DeskWorld
from supportbot.domain import texts
from supportbot.domain.durations import parse_duration
from supportbot.domain.sla import EscalationKind, Policy
from supportbot.services.clocks import Clocks
from supportbot.services.escalation import Sweeper
from supportbot.services.outbox import Mention, OutboxItem, OutboxKind

PARIS = ZoneInfo("Europe/Paris")
REPORT = "On the court page I click Stake and get an error"
OUTAGE = "Court v2 is down: every vote transaction reverts on mainnet"
SEED = "legal winner thank year wave sausage worth useful legal winner thank yellow"
NOTICE_KEY = re.compile(r"^ticket:(\d+):([a-z_]+):(\d+):")


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


@pytest.fixture
def world(clock) -> DeskWorld:
    return DeskWorld(clock)


@pytest.fixture
def sweeper(world: DeskWorld) -> Sweeper:
    return Sweeper(world.deps)


def notices(world: DeskWorld, kind: EscalationKind | None = None, chat_id: int | None = None) -> list[OutboxItem]:
    """Escalation notices queued so far (of one kind, to one chat, when given)."""
    found = []
    for row in world.store.outbox:
        match = NOTICE_KEY.match(row.dedupe_key or "")
        if match and match.group(2) in {k.value for k in EscalationKind}:
            if (kind is None or match.group(2) == kind.value) and (chat_id is None or row.chat_id == chat_id):
                found.append(row)
    return found


def levels(world: DeskWorld) -> list[tuple[int, str, int]]:
    """(ticket id, kind, level) of every escalation, once per notice, in order."""
    seen = []
    for row in notices(world, chat_id=TEAM) + notices(world, chat_id=SECURITY):
        ticket, kind, level = NOTICE_KEY.match(row.dedupe_key).groups()
        seen.append((int(ticket), kind, int(level)))
    return sorted(seen)


async def open_report(world: DeskWorld, text: str = REPORT) -> int:
    return (await world.post("dave", COURT, text)).message_id


async def open_emergency(world: DeskWorld) -> int:
    return (await world.post("erin", EMERGENCY, OUTAGE)).message_id


# --- what the acknowledgement promises ---------------------------------------------------


@pytest.mark.parametrize(("opened", "back", "due"), [
    (paris(2026, 12, 7, 10, 0), None, "Tue 8 Dec 10:00"),  # inside business hours
    (paris(2026, 12, 4, 18, 0), "Mon 7 Dec 09:00", "Mon 7 Dec 17:00"),  # Friday after close
    (paris(2026, 12, 24, 18, 0), "Mon 28 Dec 09:00", "Mon 28 Dec 17:00"),  # Christmas Day, then the weekend
])
async def test_the_acknowledgement_says_when_the_first_response_is_due_and_when_the_team_is_back(
    world: DeskWorld, clock, opened: datetime, back: str | None, due: str,
) -> None:
    clock.set(opened)

    await open_report(world)

    [card] = world.queued(OutboxKind.CARD)
    assert f"First response due by {due} (Europe/Paris)." in card.text
    if back:
        assert f"The team is away now and back {back} (Europe/Paris)." in card.text
    else:
        assert "away" not in card.text


async def test_an_emergency_at_night_is_due_in_an_hour_and_never_says_away(world: DeskWorld, clock) -> None:
    clock.set(paris(2026, 12, 5, 2, 0))  # Saturday night

    await open_emergency(world)

    [card] = world.queued(OutboxKind.CARD)
    assert "First response due by Sat 5 Dec 03:00 (Europe/Paris)." in card.text
    assert "away" not in card.text
    assert world.ticket().next_due_at == paris(2026, 12, 5, 3, 0)


# --- every change that moves a deadline stores the new one -----------------------------------


async def test_a_reporter_message_keeps_the_first_response_deadline(world: DeskWorld, clock) -> None:
    report = await open_report(world)
    assert world.ticket().next_due_at == paris(2026, 12, 8, 10, 0)  # one business day after Mon 10:00
    clock.advance(hours=2)

    await world.post("dave", COURT, "it also fails on the staking page", reply_to=report)

    assert world.ticket().next_due_at == paris(2026, 12, 8, 10, 0)


async def test_a_team_response_switches_to_the_stagnation_clock(world: DeskWorld, clock) -> None:
    report = await open_report(world)
    clock.advance(minutes=20)

    await world.post("Bob", COURT, "Looking into it", reply_to=report)

    assert world.ticket().next_due_at == paris(2026, 12, 14, 10, 20)  # 5 business days later


async def test_a_reporter_message_after_the_response_restarts_the_stagnation_clock(world: DeskWorld, clock) -> None:
    report = await open_report(world)
    await world.post("Bob", COURT, "Looking into it", reply_to=report)
    clock.set(paris(2026, 12, 9, 15, 0))

    await world.post("dave", COURT, "any news?", reply_to=report)

    assert world.ticket().next_due_at == paris(2026, 12, 16, 15, 0)


@pytest.mark.parametrize("command", [
    "/status 1 in_progress", "/take 1", "/assign 1 Bob", "/pr 1 https://github.com/kleros/kleros-v2/pull/1",
])
async def test_a_team_action_is_the_response_and_restarts_the_clock(world: DeskWorld, clock, command: str) -> None:
    await open_report(world)
    clock.set(paris(2026, 12, 7, 16, 0))

    assert (await world.command("Bob", command)).ok

    assert world.ticket().next_due_at == paris(2026, 12, 14, 16, 0)


async def test_a_note_moves_no_deadline(world: DeskWorld, clock) -> None:
    await open_report(world)
    clock.advance(hours=3)

    await world.command("Bob", "/note 1 probably the RPC")

    assert world.ticket().next_due_at == paris(2026, 12, 8, 10, 0)


async def test_raising_severity_puts_the_ticket_on_the_emergency_hour(world: DeskWorld, clock) -> None:
    await open_report(world)
    clock.set(paris(2026, 12, 7, 18, 30))  # after hours: the emergency clock does not care

    await world.command("Alice", "/severity 1 emergency")

    assert world.ticket().next_due_at == paris(2026, 12, 7, 19, 30)


async def test_lowering_severity_goes_back_to_business_days(world: DeskWorld, clock) -> None:
    await open_emergency(world)
    clock.set(paris(2026, 12, 7, 11, 0))

    await world.command("Alice", "/severity 1 normal")

    assert world.ticket().next_due_at == paris(2026, 12, 14, 11, 0)


async def test_resolving_stops_the_clock_and_reopening_restarts_it(world: DeskWorld, clock) -> None:
    await open_report(world)
    await world.command("Alice", "/resolve 1")
    assert world.ticket().next_due_at is None
    clock.set(paris(2026, 12, 10, 14, 0))

    await world.command("dave", "/reopen 1", chat_id=COURT)

    assert world.ticket().next_due_at == paris(2026, 12, 17, 14, 0)


async def test_a_reopened_emergency_is_watched_for_an_hour_of_silence(world: DeskWorld, clock) -> None:
    await open_emergency(world)
    await world.command("Bob", "/resolve 1")
    clock.set(paris(2026, 12, 12, 23, 0))

    await world.command("Bob", "/reopen 1")

    assert world.ticket().next_due_at == paris(2026, 12, 13, 0, 0)


# --- the sweep ---------------------------------------------------------------------------------


async def test_an_unanswered_emergency_tags_the_on_call_team_after_an_hour(
    world: DeskWorld, sweeper: Sweeper, clock,
) -> None:
    report = await open_emergency(world)
    clock.advance(minutes=59)
    assert await sweeper.sweep() == 0

    clock.advance(minutes=1)
    assert await sweeper.sweep() == 1

    [in_channel] = notices(world, chat_id=EMERGENCY)
    [in_team] = notices(world, chat_id=TEAM)
    for notice in (in_channel, in_team):
        assert notice.text == (f"🚨 Emergency #1 (Court v2) has had no response for 1h. "
                               f"On-call team, please take it: {world.ticket().title}")
        assert [m.name for m in notice.mentions] == ["Bob", "Alice"]  # on call first, then the rotation
    assert in_channel.reply_to == report
    ticket = world.ticket()
    assert ticket.escalation_level == 1 and ticket.last_escalation_at == clock.now()
    assert ticket.next_due_at == clock.now() + timedelta(hours=1)
    assert world.history() == ["created", "escalation"]
    assert world.store.events[-1].detail == "emergency_unanswered"


async def test_the_sweep_fires_once_per_level(world: DeskWorld, sweeper: Sweeper, clock) -> None:
    await open_emergency(world)

    fired = []
    for _ in range(6):  # every 30 minutes for three hours
        clock.advance(minutes=30)
        fired.append(await sweeper.sweep())

    assert fired == [0, 1, 0, 1, 0, 1]
    assert levels(world) == [(1, "emergency_unanswered", n) for n in (1, 2, 3)]


async def test_sweeping_twice_at_the_same_instant_writes_nothing_new(
    world: DeskWorld, sweeper: Sweeper, clock,
) -> None:
    await open_emergency(world)
    await open_report(world)
    clock.advance(days=2)
    assert await sweeper.sweep() == 2
    before = world.store.snapshot()

    assert await sweeper.sweep() == 0
    assert await Sweeper(world.deps).sweep() == 0  # a second sweeper sees nothing due either

    assert world.store.snapshot() == before


async def test_after_downtime_each_overdue_escalation_fires_once(world: DeskWorld, sweeper: Sweeper, clock) -> None:
    await open_emergency(world)  # ticket 1
    await open_report(world)  # ticket 2, normal
    clock.advance(days=10)  # ten emergency hours, a first response and a stagnation interval missed

    assert await sweeper.sweep() == 3

    assert levels(world) == [
        (1, "emergency_unanswered", 1), (2, "first_response_missed", 1), (2, "stagnant", 2),
    ]
    assert world.ticket(1).next_due_at == clock.now() + timedelta(hours=1)
    assert world.ticket(2).next_due_at > clock.now()
    clock.advance(hours=1)
    assert await sweeper.sweep() == 1  # and the hourly emergency rhythm resumes from the firing


async def test_sweeping_in_small_batches_reaches_every_due_ticket(world: DeskWorld, clock) -> None:
    for _ in range(7):
        await open_emergency(world)
    clock.advance(hours=1)

    assert await Sweeper(world.deps, batch=2).sweep() == 7

    assert [t.escalation_level for t in world.store.tickets] == [1] * 7


async def test_an_answered_emergency_escalates_after_an_hour_without_activity(
    world: DeskWorld, sweeper: Sweeper, clock,
) -> None:
    await open_emergency(world)
    clock.advance(minutes=10)
    await world.command("Bob", "/take 1")
    clock.advance(minutes=59)
    assert await sweeper.sweep() == 0

    clock.advance(minutes=1)
    assert await sweeper.sweep() == 1

    [notice] = notices(world, EscalationKind.EMERGENCY_IDLE, chat_id=TEAM)
    assert notice.text.startswith("🚨 Emergency #1 (Court v2) is 🔴 received with no activity for 1h.")
    assert [m.name for m in notice.mentions] == ["Bob", "Alice"]


async def test_a_resolved_emergency_never_escalates(world: DeskWorld, sweeper: Sweeper, clock) -> None:
    await open_emergency(world)
    clock.advance(minutes=30)
    await world.command("Bob", "/resolve 1 fixed")
    clock.advance(hours=5)

    assert await sweeper.sweep() == 0
    assert notices(world) == []


async def test_the_discord_team_role_is_tagged_with_the_on_call_team(world: DeskWorld, clock) -> None:
    world.rewire(directory=dataclasses.replace(world.deps.directory, discord_team_role=4001))
    sweeper = Sweeper(world.deps)
    await open_emergency(world)
    clock.advance(hours=1)

    await sweeper.sweep()

    [notice] = notices(world, chat_id=TEAM)
    assert notice.mentions[-1] == Mention("on-call team", team=True)


async def test_a_missed_first_response_tags_the_product_owner_once(world: DeskWorld, sweeper: Sweeper, clock) -> None:
    report = await open_report(world)
    clock.set(paris(2026, 12, 8, 10, 0))

    assert await sweeper.sweep() == 1
    clock.advance(hours=3)
    assert await sweeper.sweep() == 0

    [in_channel] = notices(world, EscalationKind.FIRST_RESPONSE_MISSED, chat_id=COURT)
    [in_team] = notices(world, EscalationKind.FIRST_RESPONSE_MISSED, chat_id=TEAM)
    assert in_team.text == (f"⏰ Ticket #1 (Court v2) missed its first response, due Tue 8 Dec 10:00 "
                            f"(Europe/Paris). Please prioritise it: {world.ticket().title}")
    assert [m.name for m in in_team.mentions] == ["Carol"]
    assert in_channel.reply_to == report
    assert world.ticket().first_response_missed_notified
    # Stagnation still counts from the report: five business days after Mon 10:00.
    assert world.ticket().next_due_at == paris(2026, 12, 14, 10, 0)


async def test_a_stagnant_ticket_tags_the_owner_every_five_business_days(
    world: DeskWorld, sweeper: Sweeper, clock,
) -> None:
    report = await open_report(world)
    await world.post("Bob", COURT, "Looking into it", reply_to=report)  # Mon 7 Dec 10:00

    clock.set(paris(2026, 12, 14, 10, 0))
    assert await sweeper.sweep() == 1
    clock.set(paris(2026, 12, 18, 10, 0))
    assert await sweeper.sweep() == 0
    clock.set(paris(2026, 12, 21, 10, 0))
    assert await sweeper.sweep() == 1

    stagnant = notices(world, EscalationKind.STAGNANT, chat_id=TEAM)
    assert len(stagnant) == 2
    assert stagnant[0].text.startswith("💤 Ticket #1 (Court v2) is 🔴 received with no activity since "
                                       "Mon 7 Dec 10:00 (Europe/Paris).")
    assert all([m.name for m in n.mentions] == ["Carol"] for n in stagnant)


async def test_activity_pushes_stagnation_back(world: DeskWorld, sweeper: Sweeper, clock) -> None:
    report = await open_report(world)
    await world.post("Bob", COURT, "Looking into it", reply_to=report)
    clock.set(paris(2026, 12, 11, 10, 0))
    await world.post("dave", COURT, "still broken", reply_to=report)

    clock.set(paris(2026, 12, 14, 10, 0))
    assert await sweeper.sweep() == 0
    clock.set(paris(2026, 12, 18, 10, 0))
    assert await sweeper.sweep() == 1


async def test_a_security_ticket_escalates_to_the_security_team_only(world: DeskWorld, sweeper: Sweeper, clock) -> None:
    await world.post("dave", COURT, f"my wallet was drained, my seed is {SEED}")
    assert world.ticket().security
    clock.advance(days=2)

    assert await sweeper.sweep() == 1

    [notice] = notices(world)
    assert notice.chat_id == SECURITY
    assert [m.name for m in notice.mentions] == ["Sam"]


async def test_a_stale_due_instant_is_repaired_without_a_notice(world: DeskWorld, sweeper: Sweeper, clock) -> None:
    await open_report(world)
    # As if stored under an older, shorter policy.
    world.store.rows["tickets"].by_id[1].next_due_at = clock.now()

    assert await sweeper.sweep() == 0

    assert notices(world) == []
    assert world.ticket().next_due_at == paris(2026, 12, 8, 10, 0)


async def test_the_ticket_card_shows_the_next_escalation(world: DeskWorld, sweeper: Sweeper, clock) -> None:
    await open_emergency(world)
    clock.advance(hours=1)
    await sweeper.sweep()

    reply = await world.command("Bob", "/ticket 1")

    assert "Next escalation (emergency unanswered): Mon 7 Dec 12:00 (Europe/Paris)" in reply.text
    assert "supportbot · escalation: emergency_unanswered" in reply.text



@pytest.mark.parametrize(("span", "words"), [
    (timedelta(0), "under a minute"), (timedelta(seconds=59, milliseconds=999), "under a minute"),
    (timedelta(minutes=1), "1m"), (timedelta(hours=1, seconds=5), "1h"), (timedelta(hours=2, minutes=5), "2h 5m"),
    (timedelta(days=3, hours=4, minutes=59), "3d 4h"), (timedelta(days=2), "2d"),
])  # fmt: skip
def test_a_span_is_said_the_way_people_say_it(span: timedelta, words: str) -> None:
    assert texts.span_words(span) == words


async def test_a_short_emergency_clock_never_says_no_response_for_0m(world: DeskWorld, clock) -> None:
    fast = Clocks(world.deps.clocks.calendar, Policy(emergency_first_response=parse_duration("30s"),
                                                      emergency_escalate_every=parse_duration("30s")))
    world.deps.notifier.clocks = fast
    world.rewire(clocks=fast)
    await world.post("erin", EMERGENCY, OUTAGE)
    clock.advance(seconds=31)

    await Sweeper(world.deps).sweep()

    [notice] = notices(world, EscalationKind.EMERGENCY_UNANSWERED, chat_id=TEAM)
    assert "has had no response for under a minute." in notice.text
