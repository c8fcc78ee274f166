"""🟡 asks the reporter to confirm the fix: their ✅ resolves it, their ❌ brings it back to ⭕️ with the team member
who moved it tagged, and without an answer the sweep resolves it as fixed (desk on fakes, manual clock)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from support.desk_world import COURT, SECURITY, TEAM, DeskWorld, open_report
from supportbot.domain import texts
from supportbot.domain.sla import EscalationKind
from supportbot.domain.ticket_states import Resolution, Status
from supportbot.services.escalation import Sweeper
from supportbot.services.outbox import CardButtons, Mention, OutboxKind

THURSDAY_10_PARIS = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)  # Mon 7 Dec 10:00 Paris + 3 business days


@pytest.fixture
def world(clock) -> DeskWorld:
    return DeskWorld(clock)


async def fix_provided(world: DeskWorld) -> int:
    """dave reports; Bob moves ticket #1 to 🟡; returns the report's message id."""
    report = await open_report(world)
    await world.deliver()
    reply = await world.command("Bob", "/status 1 fix_provided deployed")
    assert reply.ok, reply.text
    return report


def questions(world: DeskWorld, actions: tuple[str, ...]) -> list:
    """Queued messages carrying these reporter buttons."""
    return [r for r in world.queued(OutboxKind.MESSAGE) if r.payload == CardButtons(1, actions)]


async def test_moving_to_fix_provided_asks_the_reporter_in_the_ticket_conversation(world: DeskWorld) -> None:
    report = await fix_provided(world)

    ticket = world.ticket()
    assert (ticket.status, ticket.fix_provided_at, ticket.fix_provided_by) == (
        Status.FIX_PROVIDED, world.clock.now(), "Bob")
    [question] = questions(world, texts.CONFIRM_ACTIONS)
    assert (question.chat_id, question.reply_to) == (COURT, report)
    assert "Does it work for you now?" in question.text
    assert "Thu 10 Dec 10:00 (Europe/Paris)" in question.text  # 3 business days later
    assert ticket.next_due_at == THURSDAY_10_PARIS
    assert world.deps.clocks.deadlines(ticket).next_kind is EscalationKind.CONFIRMATION_EXPIRED


async def test_the_reporters_fixed_for_me_resolves_it_as_fixed_and_asks_for_a_rating(world: DeskWorld) -> None:
    await fix_provided(world)
    world.clock.advance(hours=1)

    reply = await world.press("dave", 1, "confirm_fixed")

    assert reply.ok and reply.ephemeral and reply.text == texts.CONFIRMED.format(number=1, actor="dave")
    ticket = world.ticket()
    assert (ticket.status, ticket.resolution, ticket.next_due_at) == (Status.RESOLVED, Resolution.FIXED, None)
    resolve = [e for e in world.store.events if e.kind == "resolve"]
    assert [(e.actor, e.detail) for e in resolve] == [("dave", "fixed: confirmed by dave")]
    [ask] = questions(world, texts.RATE_ACTIONS)
    assert ask.chat_id == COURT and "How did we do?" in ask.text


async def test_still_broken_brings_it_back_to_in_progress_and_tags_who_moved_it(world: DeskWorld) -> None:
    await fix_provided(world)

    reply = await world.press("dave", 1, "still_broken")

    assert reply.ok and "back in progress" in reply.text
    ticket = world.ticket()
    assert ticket.status is Status.IN_PROGRESS and ticket.next_due_at != THURSDAY_10_PARIS
    [notice] = [r for r in world.queued(OutboxKind.MESSAGE, chat_id=TEAM) if "does not work" in r.text]
    assert notice.mentions == (Mention("Bob"),)
    assert world.history()[-1] == "status"
    assert [e.detail for e in world.store.events if e.kind == "status"][-1] == "in_progress: still broken (said dave)"


async def test_a_stranger_is_refused_and_nothing_changes(world: DeskWorld) -> None:
    await fix_provided(world)
    before = world.store.snapshot()

    reply = await world.press("mallory", 1, "confirm_fixed")

    assert not reply.ok and reply.ephemeral
    assert reply.text == texts.NOT_YOUR_TICKET.format(number=1)
    assert world.store.snapshot() == before


async def test_a_team_member_may_answer_for_the_reporter(world: DeskWorld) -> None:
    await fix_provided(world)

    reply = await world.press("Alice", 1, "confirm_fixed")

    assert reply.ok and world.ticket().status is Status.RESOLVED


async def test_an_answer_after_the_ticket_moved_on_is_refused(world: DeskWorld) -> None:
    await fix_provided(world)
    await world.command("Bob", "/status 1 in_progress")
    before = world.store.snapshot()

    reply = await world.press("dave", 1, "confirm_fixed")

    assert not reply.ok and "no longer awaiting confirmation" in reply.text
    assert world.store.snapshot() == before


async def test_without_an_answer_the_sweep_resolves_it_once_with_a_note(world: DeskWorld) -> None:
    await fix_provided(world)
    sweeper = Sweeper(world.deps)
    world.clock.set(THURSDAY_10_PARIS - timedelta(seconds=1))
    await sweeper.sweep()
    assert world.ticket().status is Status.FIX_PROVIDED

    world.clock.set(THURSDAY_10_PARIS)
    await sweeper.sweep()
    world.clock.advance(days=3)
    await sweeper.sweep()  # nothing more is owed

    ticket = world.ticket()
    assert (ticket.status, ticket.resolution, ticket.next_due_at) == (Status.RESOLVED, Resolution.FIXED, None)
    resolve = [e for e in world.store.events if e.kind == "resolve"]
    assert [(e.actor, e.detail) for e in resolve] == [(texts.BOT_ACTOR, "fixed: no answer within 3 business days")]
    said = [r.text for r in world.queued(OutboxKind.MESSAGE, chat_id=COURT)]
    assert said.count(texts.EXPIRED.format(number=1, within="3 business days")) == 1
    assert len(questions(world, texts.RATE_ACTIONS)) == 1


async def test_a_reporter_reply_while_fix_provided_is_activity_that_moves_the_deadline(world: DeskWorld) -> None:
    report = await fix_provided(world)
    world.clock.advance(hours=2)

    await world.post("dave", COURT, "Testing it now, will tell you tomorrow", reply_to=report)

    ticket = world.ticket()
    assert ticket.last_activity_at == world.clock.now() and ticket.interactions == 3
    assert ticket.next_due_at == THURSDAY_10_PARIS + timedelta(hours=2)
    world.clock.set(THURSDAY_10_PARIS)
    await Sweeper(world.deps).sweep()
    assert world.ticket().status is Status.FIX_PROVIDED


async def test_a_security_tickets_question_goes_to_the_security_chat_only(world: DeskWorld) -> None:
    await world.post("dave", COURT, "I found a vulnerability in the staking contract")
    await world.deliver()

    reply = await world.command("Sam", "/status 1 fix_provided", chat_id=SECURITY)

    assert reply.ok, reply.text
    asked = questions(world, texts.CONFIRM_ACTIONS)
    assert [q.chat_id for q in asked] == [SECURITY] and "security ticket #1" in asked[0].text
    assert not [r for r in world.queued(chat_id=COURT)]
    await world.press("Sam", 1, "confirm_fixed")
    assert world.ticket().status is Status.RESOLVED
    assert not questions(world, texts.RATE_ACTIONS)  # a security ticket's reporter is not asked to rate


async def test_moving_by_the_card_button_asks_too_and_records_who(world: DeskWorld) -> None:
    await open_report(world)
    await world.deliver()

    await world.press("Alice", 1, "fix_provided")

    assert world.ticket().fix_provided_by == "Alice"
    assert len(questions(world, texts.CONFIRM_ACTIONS)) == 1


async def test_one_sweep_resolves_every_expired_ticket_batch_after_batch(world: DeskWorld) -> None:
    for n in range(1, 4):
        await world.post(f"reporter{n}", COURT, f"Stake button {n} fails on the court page")
        await world.command("Bob", f"/status {n} fix_provided")
    world.clock.set(THURSDAY_10_PARIS)

    assert await Sweeper(world.deps, batch=2).sweep() == 3

    assert [t.status for t in world.store.tickets] == [Status.RESOLVED] * 3


async def test_the_reporters_still_broken_waits_for_the_team_and_fixed_for_me_waits_for_nothing(
        world: DeskWorld) -> None:
    await fix_provided(world)
    world.clock.advance(hours=1)

    await world.press("dave", 1, "still_broken")
    assert world.ticket().awaiting_since == world.clock.now()  # the team owes an answer now
    await world.command("Bob", "/status 1 fix_provided")
    assert world.ticket().awaiting_since is None
    await world.press("dave", 1, "confirm_fixed")

    assert world.ticket().status is Status.RESOLVED and world.ticket().awaiting_since is None


async def test_still_broken_tags_the_assignee_when_no_team_member_moved_it(world: DeskWorld) -> None:
    await open_report(world)
    await world.deliver()
    await world.command("Alice", "/take 1")
    async with world.store() as uow:  # moved by something that is not a person, as the GitHub link-up does
        ticket = await uow.tickets.by_number(1)
        assert ticket is not None
        ticket.move(Status.FIX_PROVIDED, world.clock.now(), by="GitHub (dana)")
        await uow.commit()

    await world.press("dave", 1, "still_broken")

    [notice] = [r for r in world.queued(OutboxKind.MESSAGE, chat_id=TEAM) if "does not work" in r.text]
    assert notice.mentions == (Mention("Alice"),)
