"""The playbook's metrics as domain/metrics.py defines them: each figure on tickets built by hand."""

from datetime import UTC, datetime, timedelta

from supportbot.domain import metrics
from supportbot.domain.ticket_states import Resolution, Severity
from supportbot.domain.tickets import Ticket

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)


def ticket(number: int, *, answered_after: float | None = None, resolved_after: float | None = None,
           resolution: Resolution = Resolution.FIXED, interactions: int = 1, due_after: float | None = None,
           severity: Severity = Severity.NORMAL) -> Ticket:
    t = Ticket(number=number, product="court", severity=severity, title="t", body="b",
               reporter_platform="console", reporter_id=1, reporter_name="r", created_at=T0,
               source_platform="console", source_chat_id=1, source_message_id=number, interactions=interactions)
    t.id = number
    if answered_after is not None:
        t.first_response_at = T0 + answered_after * H
    if due_after is not None:
        t.first_response_due_at = T0 + due_after * H
    if resolved_after is not None:
        t.resolve(resolution, T0 + resolved_after * H)
    return t


def week(opened, **known) -> metrics.Metrics:
    return metrics.compute(opened, backlog=len(opened), now=T0 + 48 * H, period="week",
                           resolved_at_first_response=known.pop("at_first", ()), **known)


def test_first_response_times_are_median_mean_and_90th_percentile_of_answered_tickets():
    opened = [ticket(1, answered_after=1), ticket(2, answered_after=3), ticket(3, answered_after=8), ticket(4)]
    m = week(opened)
    assert m.first_response_median == 3 * H  # 1, 3, 8: the middle one
    assert m.first_response_mean == 4 * H  # (1 + 3 + 8) / 3
    assert m.first_response_p90 == 8 * H  # nearest rank: ceil(0.9 x 3) = the 3rd
    assert m.answered == 3
    assert "First response time: median 3h 00m, average 4h 00m, 90% within 8h 00m (3 answered)" in metrics.render(m, "")


def test_the_90th_percentile_is_the_nearest_rank():
    assert [metrics.percentile_offset(n) for n in (0, 1, 2, 9, 10, 11, 20)] == [None, 0, 1, 8, 8, 9, 17]
    opened = [ticket(n, answered_after=n) for n in range(1, 11)]  # 1h to 10h
    assert week(opened).first_response_p90 == 9 * H  # ceil(0.9 x 10) = the 9th
    assert week(opened).first_response_median == 5.5 * H  # (5 + 6) / 2


def test_resolution_rates_count_first_response_resolutions_and_answers():
    opened = [
        ticket(1, answered_after=1, resolved_after=2),                      # resolved by its first response
        ticket(2, answered_after=1, resolved_after=5, resolution=Resolution.ANSWERED),
        ticket(3, answered_after=1, resolved_after=10),                     # needed more work
        ticket(4, answered_after=1, interactions=5),                        # still open
    ]
    m = week(opened, at_first={1})
    assert m.resolved == 3
    assert m.first_response_resolution_rate == 2 / 3
    assert m.resolution_rate == 3 / 4
    assert m.resolution_mean == (2 + 5 + 10) / 3 * H
    assert m.interactions_mean == (1 + 1 + 1 + 5) / 4
    text = metrics.render(m, " for court")
    assert "Support metrics for court, last week" in text
    assert "First response resolution rate: 67%" in text
    assert "Issue resolution rate: 75% (3 resolved)" in text


def test_first_responses_on_time_judge_each_deadline_once_it_is_known():
    now = T0 + 48 * H
    opened = [
        ticket(1, answered_after=2, due_after=8),    # on time
        ticket(2, answered_after=8, due_after=8),    # at the deadline: on time
        ticket(3, answered_after=9, due_after=8),    # late
        ticket(4, due_after=24),                     # never answered, due a day ago: missed
        ticket(5, due_after=72),                     # not answered, not due yet: not judged
        ticket(6, answered_after=1),                 # no deadline recorded: not judged
    ]
    assert [metrics.first_response_on_time(t, now) for t in opened] == [True, True, False, False, None, None]
    m = week(opened)
    assert (m.first_response_due, m.first_response_on_time_rate) == (4, 2 / 4)
    assert "First responses on time: 50% (of 4)" in metrics.render(m, "")


def test_emergency_deadlines_are_met_by_emergencies_never_escalated_for_silence():
    opened = [
        ticket(1, severity=Severity.EMERGENCY, answered_after=0.5),  # answered within the hour, never left alone
        ticket(2, severity=Severity.EMERGENCY, answered_after=2),    # escalated: unanswered after an hour
        ticket(3, severity=Severity.EMERGENCY, answered_after=0.2),  # escalated later: idle for an hour
        ticket(4, severity=Severity.EMERGENCY),                      # just opened, neither: not judged yet
        ticket(5, answered_after=1),                                 # not an emergency
    ]
    m = week(opened, escalated={2, 3, 5})
    assert (m.emergencies_judged, m.emergency_deadlines_met_rate) == (3, 1 / 3)


def test_satisfaction_is_the_mean_score_and_csat_the_share_of_fours_and_fives():
    m = week([ticket(1)], scores=[5, 4, 2, 3, 5])
    assert (m.ratings, m.satisfaction_mean, m.csat) == (5, 19 / 5, 3 / 5)
    assert "Satisfaction: 3.8 / 5, CSAT 60% (5 ratings)" in metrics.render(m, "")


def test_response_time_averages_every_wait_and_reopen_rate_counts_tickets_reopened():
    one, two, three = ticket(1), ticket(2), ticket(3)
    one.responses, one.response_wait_us = 2, metrics.micros(3 * H)  # waits of 1h and 2h
    two.responses, two.response_wait_us = 1, metrics.micros(30 * timedelta(minutes=1))
    two.reopens, three.reopens = 2, 0
    m = week([one, two, three])
    assert (m.responses, m.response_mean) == (3, (3 * H + 30 * timedelta(minutes=1)) / 3)  # 1h10m
    assert (m.reopened, m.reopen_rate) == (1, 1 / 3)
    assert "Average response time: 1h 10m (3 responses)" in metrics.render(m, "")


def test_issue_count_per_day_follows_the_span():
    opened = [ticket(n) for n in range(1, 8)]
    assert week(opened).per_day == 1.0
    m = metrics.summarize(metrics.figures_of(opened, ()), 0, start=T0, end=T0 + 2 * H)
    assert m.per_day == 7 * 12  # seven in a twelfth of a day
    assert metrics.label(m) == "2026-12-07 09:00 to 2026-12-07 11:00 UTC"


def test_an_empty_period_shows_dashes_not_errors():
    m = metrics.compute([], backlog=0, now=T0, period="day", resolved_at_first_response=())
    text = metrics.render(m, "")
    assert "Issues opened: 0 (0.0 a day)" in text
    assert "First response time: median —, average —, 90% within — (0 answered)" in text
    assert "Issue resolution rate: — (0 resolved)" in text
    assert "Satisfaction: — / 5, CSAT — (0 ratings)" in text
    assert metrics.as_record(m)["first_response_median_s"] is None


def test_period_bounds_count_back_from_now():
    assert metrics.period_bounds(T0, "week") == (T0 - timedelta(days=7), T0)
    assert metrics.period_bounds(T0, "quarter") == (T0 - timedelta(days=91), T0)
