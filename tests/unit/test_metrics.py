"""The playbook's metrics: what /stats reports for a period."""

from datetime import UTC, datetime, timedelta

from supportbot.domain import metrics
from supportbot.domain.ticket_states import Resolution, Severity
from supportbot.domain.tickets import Ticket

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def ticket(number: int, *, answered_after: float | None = None, resolved_after: float | None = None,
           resolution: Resolution = Resolution.FIXED, interactions: int = 1) -> Ticket:
    t = Ticket(number=number, product="court", severity=Severity.NORMAL, title="t", body="b",
               reporter_platform="console", reporter_id=1, reporter_name="r", created_at=T0,
               source_platform="console", source_chat_id=1, source_message_id=number, interactions=interactions)
    t.id = number
    if answered_after is not None:
        t.first_response_at = T0 + timedelta(hours=answered_after)
    if resolved_after is not None:
        t.resolve(resolution, T0 + timedelta(hours=resolved_after))
    return t


def test_first_response_times_are_median_and_mean_of_answered_tickets():
    opened = [ticket(1, answered_after=1), ticket(2, answered_after=3), ticket(3, answered_after=8), ticket(4)]
    m = metrics.compute(opened, backlog=4, now=T0, period="week", resolved_at_first_response=())
    assert m.first_response_median == timedelta(hours=3)
    assert m.first_response_mean == timedelta(hours=4)
    assert m.answered == 3
    assert "First response time: median 3h 00m, average 4h 00m (3 answered)" in metrics.render(m, "")


def test_resolution_rates_count_first_response_resolutions_and_answers():
    opened = [
        ticket(1, answered_after=1, resolved_after=2),                      # resolved by its first response
        ticket(2, answered_after=1, resolved_after=5, resolution=Resolution.ANSWERED),
        ticket(3, answered_after=1, resolved_after=10),                     # needed more work
        ticket(4, answered_after=1, interactions=5),                        # still open
    ]
    m = metrics.compute(opened, backlog=1, now=T0, period="week", resolved_at_first_response={1})
    assert m.resolved == 3
    assert m.first_response_resolution_rate == 2 / 3
    assert m.resolution_rate == 3 / 4
    assert m.resolution_mean == timedelta(hours=17 / 3)
    assert m.interactions_mean == 2.0
    text = metrics.render(m, " for court")
    assert "Support metrics for court, last week" in text
    assert "First response resolution rate: 67%" in text
    assert "Issue resolution rate: 75% (3 resolved)" in text


def test_an_empty_period_shows_dashes_not_errors():
    m = metrics.compute([], backlog=0, now=T0, period="day", resolved_at_first_response=())
    text = metrics.render(m, "")
    assert "Issues opened: 0 (0.0 a day)" in text
    assert "First response time: median —, average — (0 answered)" in text
    assert "Issue resolution rate: — (0 resolved)" in text
