"""SLA deadlines from ticket state, with a fixed calendar and the playbook's default policy."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from supportbot.domain.calendar import BusinessCalendar
from supportbot.domain.durations import parse_duration
from supportbot.domain.sla import ClockState, Deadlines, EscalationKind, Policy, deadlines, is_due
from supportbot.domain.ticket_states import Severity, Status

PARIS = ZoneInfo("Europe/Paris")
HOUR = timedelta(hours=1)
CAL = BusinessCalendar(country="FR", extra_holidays=[date(2026, 12, 24)])
POLICY = Policy()


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def emergency(created: datetime, **changes) -> ClockState:
    state = ClockState(
        severity=Severity.EMERGENCY,
        status=Status.RECEIVED,
        created_at=created,
        first_response_at=None,
        last_activity_at=created,
    )
    return replace(state, **changes)


def normal(created: datetime, **changes) -> ClockState:
    return replace(emergency(created), severity=Severity.NORMAL, **changes)


def clocks(state: ClockState, policy: Policy = POLICY) -> Deadlines:
    return deadlines(state, policy=policy, calendar=CAL)


# Sat 12 Dec 2026, 03:00 local: outside business hours, which emergencies ignore.
NIGHT = paris(2026, 12, 12, 3)
# Mon 7 Dec 2026, 10:00 local.
MONDAY = paris(2026, 12, 7, 10)


def test_default_policy_is_the_playbook() -> None:
    assert POLICY.emergency_first_response == parse_duration("1h")
    assert POLICY.emergency_escalate_every == parse_duration("1h")
    assert POLICY.normal_first_response == parse_duration("1bd")
    assert POLICY.normal_stagnant_after == parse_duration("5bd")


# -- emergencies ---------------------------------------------------------------


def test_unanswered_emergency_is_due_an_hour_after_creation_at_any_hour() -> None:
    d = clocks(emergency(NIGHT))
    assert d.first_response_due == NIGHT + HOUR
    assert d.next_escalation_at == NIGHT + HOUR
    assert d.next_due == d.next_escalation_at
    assert d.next_kind is EscalationKind.EMERGENCY_UNANSWERED
    assert d.next_escalation_at.tzinfo is UTC


def test_after_an_escalation_the_next_is_one_interval_later() -> None:
    fired = NIGHT + HOUR
    d = clocks(emergency(NIGHT, last_escalation_at=fired))
    assert d.next_escalation_at == fired + HOUR
    assert d.next_kind is EscalationKind.EMERGENCY_UNANSWERED
    assert d.first_response_due == NIGHT + HOUR


def test_answered_emergency_goes_idle_an_hour_after_last_activity() -> None:
    answered = NIGHT + timedelta(minutes=20)
    talk = NIGHT + timedelta(minutes=50)
    d = clocks(emergency(NIGHT, first_response_at=answered, last_activity_at=talk))
    assert d.first_response_due is None
    assert d.next_escalation_at == talk + HOUR
    assert d.next_kind is EscalationKind.EMERGENCY_IDLE


def test_activity_after_an_escalation_pushes_the_emergency_clock() -> None:
    fired = NIGHT + HOUR
    talk = NIGHT + timedelta(minutes=90)
    d = clocks(emergency(NIGHT, first_response_at=talk, last_activity_at=talk, last_escalation_at=fired))
    assert d.next_escalation_at == talk + HOUR


def test_idle_emergency_repeats_every_interval_after_the_last_notice() -> None:
    talk = NIGHT + timedelta(minutes=10)
    fired = talk + HOUR
    d = clocks(emergency(NIGHT, first_response_at=talk, last_activity_at=talk, last_escalation_at=fired))
    assert d.next_escalation_at == fired + HOUR
    assert d.next_kind is EscalationKind.EMERGENCY_IDLE


def test_after_downtime_an_overdue_emergency_fires_once_then_an_interval_later() -> None:
    now = NIGHT + 6 * HOUR  # the bot was down through five missed intervals
    d = clocks(emergency(NIGHT))
    assert is_due(d, now)
    assert d.next_escalation_at == NIGHT + HOUR  # one due instant, in the past
    # The sweep fires once at `now`; the next notice is an interval after that.
    after = clocks(emergency(NIGHT, last_escalation_at=now))
    assert after.next_escalation_at == now + HOUR
    assert not is_due(after, now)
    assert not is_due(after, now + HOUR - timedelta(seconds=1))
    assert is_due(after, now + HOUR)


def test_emergency_policy_in_business_days_uses_the_calendar() -> None:
    policy = Policy(
        emergency_first_response=parse_duration("1bd"), emergency_escalate_every=parse_duration("30m")
    )
    d = clocks(emergency(paris(2026, 12, 11, 18)), policy)
    assert d.first_response_due == paris(2026, 12, 14, 17)
    d = clocks(emergency(NIGHT, first_response_at=NIGHT, last_activity_at=NIGHT), policy)
    assert d.next_escalation_at == NIGHT + timedelta(minutes=30)


def test_emergency_hour_is_absolute_across_dst() -> None:
    created = paris(2026, 3, 29, 1, 30)
    assert clocks(emergency(created)).first_response_due == paris(2026, 3, 29, 3, 30)


# -- normal tickets ------------------------------------------------------------


def test_normal_first_response_is_due_one_business_day_later() -> None:
    d = clocks(normal(MONDAY))
    assert d.first_response_due == paris(2026, 12, 8, 10)
    assert d.next_escalation_at == paris(2026, 12, 8, 10)
    assert d.next_kind is EscalationKind.FIRST_RESPONSE_MISSED


def test_normal_first_response_follows_the_calendar() -> None:
    d = clocks(normal(paris(2026, 12, 23, 18)))  # before the 24th (extra) and Christmas
    assert d.first_response_due == paris(2026, 12, 28, 17)
    d = clocks(normal(paris(2026, 12, 11, 18)))  # Friday after close
    assert d.first_response_due == paris(2026, 12, 14, 17)


def test_missed_first_response_notice_is_sent_once() -> None:
    d = clocks(normal(MONDAY, first_response_missed_notified=True))
    assert d.first_response_due == paris(2026, 12, 8, 10)  # still shown on the card
    assert d.next_escalation_at == paris(2026, 12, 14, 10)
    assert d.next_kind is EscalationKind.STAGNANT


def test_answered_normal_ticket_goes_stagnant_after_five_business_days() -> None:
    reply = paris(2026, 12, 7, 11)
    d = clocks(normal(MONDAY, first_response_at=reply, last_activity_at=reply))
    assert d.first_response_due is None
    assert d.next_escalation_at == paris(2026, 12, 14, 11)
    assert d.next_kind is EscalationKind.STAGNANT


def test_stagnant_notice_repeats_five_business_days_after_the_last_one() -> None:
    reply = paris(2026, 12, 7, 11)
    fired = paris(2026, 12, 14, 11)
    d = clocks(normal(MONDAY, first_response_at=reply, last_activity_at=reply, last_escalation_at=fired))
    # Tue 15, Wed 16, Thu 17, Fri 18, Mon 21.
    assert d.next_escalation_at == paris(2026, 12, 21, 11)
    again = normal(
        MONDAY, first_response_at=reply, last_activity_at=reply, last_escalation_at=paris(2026, 12, 21, 11)
    )
    # 21, 22, 23, then 24 (extra) and 25 (Christmas) skipped whole: 28, 29.
    assert clocks(again).next_escalation_at == paris(2026, 12, 30, 11)


def test_activity_resets_stagnation() -> None:
    reply = paris(2026, 12, 7, 11)
    fired = paris(2026, 12, 14, 11)
    talk = paris(2026, 12, 15, 16)
    d = clocks(normal(MONDAY, first_response_at=reply, last_activity_at=talk, last_escalation_at=fired))
    assert d.next_escalation_at == paris(2026, 12, 22, 16)
    assert d.next_kind is EscalationKind.STAGNANT


def test_earliest_of_missed_response_and_stagnation_wins() -> None:
    policy = Policy(normal_first_response=parse_duration("5bd"), normal_stagnant_after=parse_duration("2bd"))
    d = clocks(normal(MONDAY), policy)
    assert d.first_response_due == paris(2026, 12, 14, 10)
    assert d.next_escalation_at == paris(2026, 12, 9, 10)
    assert d.next_kind is EscalationKind.STAGNANT


def test_missed_response_wins_a_tie_with_stagnation() -> None:
    policy = Policy(normal_first_response=parse_duration("2bd"), normal_stagnant_after=parse_duration("2bd"))
    assert clocks(normal(MONDAY), policy).next_kind is EscalationKind.FIRST_RESPONSE_MISSED


# -- changes of severity and status --------------------------------------------


def test_raising_severity_to_emergency_switches_to_the_wall_clock() -> None:
    state = normal(paris(2026, 12, 11, 18))
    assert clocks(state).first_response_due == paris(2026, 12, 14, 17)
    raised = replace(state, severity=Severity.EMERGENCY)
    d = clocks(raised)
    assert d.first_response_due == paris(2026, 12, 11, 19)
    assert d.next_escalation_at == paris(2026, 12, 11, 19)
    assert d.next_kind is EscalationKind.EMERGENCY_UNANSWERED


def test_lowering_severity_to_normal_switches_to_business_time() -> None:
    d = clocks(replace(emergency(NIGHT), severity=Severity.NORMAL))
    assert d.first_response_due == paris(2026, 12, 14, 17)
    assert d.next_kind is EscalationKind.FIRST_RESPONSE_MISSED


@pytest.mark.parametrize("severity", list(Severity))
def test_resolved_ticket_has_no_deadlines(severity: Severity) -> None:
    state = replace(emergency(NIGHT), severity=severity, status=Status.RESOLVED)
    d = clocks(state)
    assert d == Deadlines(first_response_due=None, next_escalation_at=None, next_kind=None)
    assert d.next_due is None
    assert not is_due(d, NIGHT + 1000 * HOUR)


@pytest.mark.parametrize("status", [Status.IN_PROGRESS, Status.FIX_PROVIDED])
def test_open_statuses_keep_escalating(status: Status) -> None:
    assert clocks(replace(emergency(NIGHT), status=status)).next_escalation_at == NIGHT + HOUR


def test_is_due_at_and_after_the_instant_only() -> None:
    d = clocks(emergency(NIGHT))
    assert not is_due(d, NIGHT + HOUR - timedelta(microseconds=1))
    assert is_due(d, NIGHT + HOUR)
    assert is_due(d, NIGHT + 2 * HOUR)
    with pytest.raises(ValueError, match="timezone-aware"):
        is_due(d, datetime(2026, 12, 12, 5))


def test_naive_state_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        clocks(emergency(datetime(2026, 12, 12, 3)))
