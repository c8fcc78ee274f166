"""🟡's clock: the only deadline left once the team answered is the one that resolves it as fixed after
`confirm_after` without activity; a first response still owed keeps its deadline when that comes first."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from supportbot.domain.calendar import BusinessCalendar
from supportbot.domain.durations import parse_duration
from supportbot.domain.sla import ClockState, EscalationKind, Policy, deadlines
from supportbot.domain.ticket_states import Severity, Status

PARIS = ZoneInfo("Europe/Paris")
CAL = BusinessCalendar(country="FR", extra_holidays=[date(2026, 12, 24)])
POLICY = Policy()


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def awaiting(severity: Severity, *, moved: datetime, answered: datetime | None, activity: datetime) -> ClockState:
    return ClockState(severity=severity, status=Status.FIX_PROVIDED, created_at=paris(2026, 12, 7, 10),
                      first_response_at=answered, last_activity_at=activity, fix_provided_at=moved)


def test_a_normal_ticket_resolves_three_business_days_after_the_fix_skipping_the_weekend() -> None:
    friday = paris(2026, 12, 11, 16)
    state = awaiting(Severity.NORMAL, moved=friday, answered=paris(2026, 12, 7, 11), activity=friday)

    due = deadlines(state, policy=POLICY, calendar=CAL)

    assert (due.next_escalation_at, due.next_kind) == (paris(2026, 12, 16, 16), EscalationKind.CONFIRMATION_EXPIRED)
    assert EscalationKind.CONFIRMATION_EXPIRED.resolves and not EscalationKind.STAGNANT.resolves


def test_an_emergency_waiting_for_its_reporter_is_not_escalated_every_hour() -> None:
    moved = paris(2026, 12, 7, 12)
    state = awaiting(Severity.EMERGENCY, moved=moved, answered=paris(2026, 12, 7, 10, 20), activity=moved)

    due = deadlines(state, policy=POLICY, calendar=CAL)

    assert (due.next_escalation_at, due.next_kind) == (paris(2026, 12, 10, 12), EscalationKind.CONFIRMATION_EXPIRED)


def test_the_reporters_later_reply_moves_the_deadline() -> None:
    moved, replied = paris(2026, 12, 7, 12), paris(2026, 12, 8, 15)
    state = awaiting(Severity.NORMAL, moved=moved, answered=moved, activity=replied)

    due = deadlines(state, policy=Policy(confirm_after=parse_duration("2h")), calendar=CAL)

    assert due.next_escalation_at == replied + timedelta(hours=2)


def test_a_first_response_still_owed_comes_first_when_it_is_earlier() -> None:
    state = awaiting(Severity.NORMAL, moved=paris(2026, 12, 7, 10, 30), answered=None,
                     activity=paris(2026, 12, 7, 10, 30))

    due = deadlines(state, policy=POLICY, calendar=CAL)

    assert (due.next_escalation_at, due.next_kind) == (paris(2026, 12, 8, 10), EscalationKind.FIRST_RESPONSE_MISSED)
