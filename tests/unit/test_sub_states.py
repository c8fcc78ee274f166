"""⭕️ in progress carries what it waits on ("PR in review", "deploying"): set with /status, shown on the card and
in lists, recorded in the history, cleared when the ticket leaves ⭕️ (domain and desk on fakes)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from support.desk_world import DeskWorld, open_report
from supportbot.domain import texts
from supportbot.domain.ticket_changes import SubStateChanged
from supportbot.domain.ticket_states import Severity, Status
from supportbot.domain.tickets import DeskError, Ticket
from supportbot.services.outbox import OutboxKind
from supportbot.services.public_tracker import PublicEvent, PublicTicket, timeline

AT = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def ticket(status: Status = Status.IN_PROGRESS) -> Ticket:
    return Ticket(
        number=7, product="court", severity=Severity.NORMAL, title="Staking fails", body="Staking fails",
        reporter_platform="telegram", reporter_id=5001, reporter_name="dave", created_at=AT,
        source_platform="telegram", source_chat_id=-100101, source_message_id=42, status=status,
    )


@pytest.fixture
def world(clock) -> DeskWorld:
    return DeskWorld(clock)


def test_a_sub_state_is_set_once_and_recorded() -> None:
    t = ticket()

    assert t.set_sub_state("pr_review", AT) is True
    assert t.set_sub_state("pr_review", AT) is False
    assert t.sub_state == "pr_review"
    assert t.collect_changes() == [SubStateChanged(AT, None, "pr_review")]
    assert texts.marker_line(t) == "⭕️ Ticket #7 in progress · PR in review"


def test_only_an_in_progress_ticket_has_a_sub_state_and_only_a_known_one() -> None:
    with pytest.raises(DeskError, match="only a ⭕️ in progress ticket"):
        ticket(Status.RECEIVED).set_sub_state("deploying", AT)
    with pytest.raises(DeskError, match="no sub-state 'shipping'"):
        ticket().set_sub_state("shipping", AT)


@pytest.mark.parametrize("leaving", [Status.RECEIVED, Status.FIX_PROVIDED, Status.RESOLVED])
def test_leaving_in_progress_clears_it(leaving: Status) -> None:
    t = ticket()
    t.set_sub_state("deploying", AT)

    t.move(leaving, AT + timedelta(hours=1))

    assert t.sub_state is None


async def test_status_with_a_sub_state_moves_and_shows_it(world: DeskWorld) -> None:
    await open_report(world)

    reply = await world.command("Bob", "/status 1 in_progress pr_review")

    assert reply.ok and reply.text == "⭕️ Ticket #1 in progress · PR in review (by Bob)."
    assert world.ticket().sub_state == "pr_review"
    [card] = world.queued(OutboxKind.CARD)
    assert card.text.startswith("⭕️ Ticket #1 in progress · PR in review")
    listed = await world.command("Bob", "/tickets")
    assert "· PR in review" in listed.text
    status = [e.detail for e in world.store.events if e.kind == "status"]
    assert status == ["in_progress · PR in review"]


async def test_only_the_sub_state_changes_on_a_ticket_in_progress(world: DeskWorld) -> None:
    await open_report(world)
    await world.command("Bob", "/status 1 in_progress pr_review")

    deploying = await world.command("Bob", "/status 1 in_progress deploying")
    again = await world.command("Bob", "/status 1 in_progress deploying")

    assert deploying.ok and "in progress · deploying" in deploying.text
    assert not again.ok and again.text == texts.SUB_STATE_UNCHANGED.format(number=1, words="deploying")
    assert [e.detail for e in world.store.events if e.kind == "status"] == [
        "in_progress · PR in review", "in_progress · deploying"]
    assert world.ticket().sub_state == "deploying"


async def test_fix_provided_clears_the_sub_state_on_card_and_ticket(world: DeskWorld) -> None:
    await open_report(world)
    await world.command("Bob", "/status 1 in_progress deploying")

    await world.command("Bob", "/status 1 fix_provided")

    assert world.ticket().sub_state is None
    [card] = world.queued(OutboxKind.CARD)
    assert card.text.startswith("🟡 Ticket #1 fix provided —")


def test_the_public_timeline_reads_a_status_line_with_its_sub_state() -> None:
    public = PublicTicket(1, 7, "court", Severity.NORMAL, Status.IN_PROGRESS, None, "Staking fails", AT, None)
    lines = [PublicEvent(1, 1, AT, "status", "in_progress · PR in review: PR org/repo#12 opened"),
             PublicEvent(1, 2, AT, "status", "in_progress · not a sub-state"),
             PublicEvent(1, 3, AT, "status", "fix_provided: deployed")]

    assert [entry.text for entry in timeline(public, lines)[1:]] == [
        "⭕️ in progress · PR in review", "⭕️ in progress", "🟡 fix provided"]
