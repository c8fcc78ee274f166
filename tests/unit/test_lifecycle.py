"""The ticket lifecycle: which status moves are allowed, and what resolving and reopening record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from supportbot.domain.ticket_changes import FirstResponded, Responded
from supportbot.domain.ticket_states import Resolution, Severity, Status
from supportbot.domain.tickets import DeskError, InvalidTransition, Ticket, check_reopen, check_transition

OPENED = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
LATER = OPENED + timedelta(hours=3)

R, P, F, D = Status.RECEIVED, Status.IN_PROGRESS, Status.FIX_PROVIDED, Status.RESOLVED
# The playbook's moves, written out rather than read from the code under test.
ALLOWED_MOVES = {(R, P), (R, F), (R, D), (P, R), (P, F), (P, D), (F, P), (F, D)}
ALL_PAIRS = [(a, b) for a in Status for b in Status]


def ticket(status: Status = Status.RECEIVED, number: int = 7) -> Ticket:
    return Ticket(
        number=number, product="court", severity=Severity.NORMAL, title="Staking fails", body="Staking fails",
        reporter_platform="telegram", reporter_id=5001, reporter_name="dave", created_at=OPENED,
        source_platform="telegram", source_chat_id=-100101, source_message_id=42, status=status,
    )


def test_the_markers_are_the_playbooks() -> None:
    assert [s.marker for s in Status] == ["🔴", "⭕️", "🟡", "🟢"]
    assert [s.label for s in Status] == ["received", "in progress", "fix provided", "resolved"]


@pytest.mark.parametrize(("current", "wanted"), sorted(ALLOWED_MOVES))
def test_an_allowed_move_changes_the_status(current: Status, wanted: Status) -> None:
    t = ticket(current)
    check_transition(t.number, current, wanted)

    t.move(wanted, LATER)

    assert t.status is wanted


@pytest.mark.parametrize(("current", "wanted"), [p for p in ALL_PAIRS if p not in ALLOWED_MOVES])
def test_a_refused_move_raises_a_readable_error_and_changes_nothing(current: Status, wanted: Status) -> None:
    t = ticket(current)

    with pytest.raises(InvalidTransition) as refused:
        t.move(wanted, LATER)

    assert str(refused.value) == (
        f"Ticket #7 is {current.marker} {current.label}; it cannot move to {wanted.marker} {wanted.label}."
    )
    assert (refused.value.current, refused.value.wanted) == (current, wanted)
    assert isinstance(refused.value, DeskError)  # adapters turn it into a one-line reply
    assert t.status is current and t.resolved_at is None
    with pytest.raises(InvalidTransition):
        check_transition(t.number, current, wanted)


def test_every_pair_of_statuses_is_decided() -> None:
    allowed = set()
    for current, wanted in ALL_PAIRS:
        try:
            check_transition(1, current, wanted)
        except InvalidTransition:
            continue
        allowed.add((current, wanted))

    assert allowed == ALLOWED_MOVES
    assert len(ALL_PAIRS) == 16


def test_resolving_records_fixed_by_default_and_when() -> None:
    t = ticket(Status.IN_PROGRESS)

    t.resolve(None, LATER)

    assert (t.status, t.resolution, t.resolved_at) == (Status.RESOLVED, Resolution.FIXED, LATER)
    assert not t.is_open


@pytest.mark.parametrize("reason", list(Resolution))
def test_resolving_keeps_the_reason_given(reason: Resolution) -> None:
    t = ticket()

    t.resolve(reason, LATER)

    assert t.resolution is reason


def test_a_resolved_ticket_cannot_be_resolved_again() -> None:
    t = ticket()
    t.resolve(Resolution.ANSWERED, LATER)

    with pytest.raises(InvalidTransition):
        t.resolve(Resolution.FIXED, LATER + timedelta(hours=1))

    assert (t.resolution, t.resolved_at) == (Resolution.ANSWERED, LATER)


@pytest.mark.parametrize("to", [Status.RECEIVED, Status.IN_PROGRESS])
def test_reopening_brings_a_resolved_ticket_back_and_clears_its_resolution(to: Status) -> None:
    t = ticket()
    t.resolve(Resolution.NOT_AN_ISSUE, LATER)
    t.last_escalation_at = LATER
    reopened_at = LATER + timedelta(days=2)

    t.reopen(to, reopened_at)

    assert t.status is to and t.is_open
    assert (t.resolution, t.resolved_at) == (None, None)
    assert t.last_activity_at == reopened_at  # its clocks start again from now
    assert t.last_escalation_at is None


@pytest.mark.parametrize("to", [Status.FIX_PROVIDED, Status.RESOLVED])
def test_reopening_goes_only_to_received_or_in_progress(to: Status) -> None:
    t = ticket()
    t.resolve(None, LATER)

    with pytest.raises(InvalidTransition, match="cannot move to"):
        t.reopen(to, LATER)

    assert (t.status, t.resolution) == (Status.RESOLVED, Resolution.FIXED)


@pytest.mark.parametrize("current", [Status.RECEIVED, Status.IN_PROGRESS, Status.FIX_PROVIDED])
def test_only_a_resolved_ticket_can_be_reopened(current: Status) -> None:
    t = ticket(current)

    with pytest.raises(DeskError, match=r"^Ticket #7 is not resolved; there is nothing to reopen\.$"):
        t.reopen(Status.RECEIVED, LATER)
    with pytest.raises(DeskError):
        check_reopen(7, current)

    assert t.status is current


def test_moving_to_resolved_records_when() -> None:
    t = ticket(Status.FIX_PROVIDED)

    t.move(Status.RESOLVED, LATER)

    assert t.resolved_at == LATER


def test_a_reopened_ticket_can_be_resolved_again_with_a_new_reason() -> None:
    t = ticket()
    t.resolve(Resolution.DUPLICATE, LATER)
    t.reopen(Status.IN_PROGRESS, LATER + timedelta(hours=1))

    t.resolve(Resolution.FIXED, LATER + timedelta(hours=2))

    assert (t.resolution, t.resolved_at) == (Resolution.FIXED, LATER + timedelta(hours=2))


def test_the_teams_first_activity_is_recorded_once_as_the_first_response() -> None:
    t = ticket()
    t.record_activity(OPENED, by_team=False)
    t.record_activity(LATER, by_team=True, how="take")
    t.record_activity(LATER + timedelta(minutes=5), by_team=True)

    assert (t.first_response_at, t.first_response_how) == (LATER, "take")
    # The reporter's wait since OPENED ended with it too (the metrics' response time).
    assert t.collect_changes() == [FirstResponded(LATER, "take"), Responded(LATER, OPENED)]
    assert t.collect_changes() == []  # collected once
