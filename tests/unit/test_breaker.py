"""The per-platform circuit breaker: opens on an outage, probes after pauses doubling to a cap, closes on an answer."""

from __future__ import annotations

from datetime import timedelta

from supportbot.chat.breaker import Breaker, BreakerState


def probe_times(breaker: Breaker, clock, *, failing_for: int, until: int) -> list[int]:
    """Ask once a second (of the manual clock); the seconds at which a probe went out."""
    start, probes = clock.now(), []
    for second in range(1, until + 1):
        clock.set(start + timedelta(seconds=second))
        if breaker.try_probe():
            probes.append(second)
            if second < failing_for:
                breaker.failed("503 Service Unavailable")
            else:
                breaker.succeeded()
    return probes


def test_a_new_breaker_is_closed_and_lets_everything_through(clock) -> None:
    breaker = Breaker(clock, first_pause=1, max_pause=60)

    assert breaker.ready() and breaker.state is BreakerState.CLOSED
    assert breaker.status().last_error is None


def test_pauses_between_probes_double_up_to_the_cap_and_a_good_answer_closes_it(clock) -> None:
    breaker = Breaker(clock, first_pause=1, max_pause=8)
    breaker.failed("503 Service Unavailable")
    opened = clock.now()

    probes = probe_times(breaker, clock, failing_for=40, until=60)

    # pauses 1, 2, 4, 8, 8, 8 ... : probes at 1, 3, 7, 15, 23, 31, 39, then 47 succeeds
    assert probes == [1, 3, 7, 15, 23, 31, 39, 47]
    status = breaker.status()
    assert status.state is BreakerState.CLOSED and breaker.ready()
    assert status.last_error == "503 Service Unavailable"  # kept for the health page
    assert status.since == opened + timedelta(seconds=47)


def test_while_open_it_says_since_when_and_why_and_when_it_tries_again(clock) -> None:
    breaker = Breaker(clock, first_pause=2, max_pause=60)
    started = clock.now()
    breaker.failed("Bad Gateway")
    clock.advance(seconds=1)
    breaker.failed("Service Unavailable")  # a call that was already out: no longer pause

    status = breaker.status()
    assert (status.state, status.since, status.last_error) == (BreakerState.OPEN, started, "Service Unavailable")
    assert status.next_probe_at == started + timedelta(seconds=2)
    assert not breaker.ready() and not breaker.try_probe()


def test_one_probe_at_a_time_and_a_probe_that_never_reached_the_platform_gives_its_turn_back(clock) -> None:
    breaker = Breaker(clock, first_pause=1, max_pause=60)
    breaker.failed("timed out")
    clock.advance(seconds=1)

    assert breaker.try_probe() and breaker.state is BreakerState.HALF_OPEN
    assert not breaker.try_probe() and not breaker.ready()  # the others wait for the probe's answer
    breaker.released()  # our own rate limit held the probe back: no answer either way
    assert breaker.try_probe()
    breaker.failed("timed out")
    assert breaker.status().next_probe_at == clock.now() + timedelta(seconds=2)


def test_after_closing_the_next_outage_starts_from_the_first_pause_again(clock) -> None:
    breaker = Breaker(clock, first_pause=1, max_pause=60)
    breaker.failed("down")
    probe_times(breaker, clock, failing_for=20, until=40)
    assert breaker.state is BreakerState.CLOSED

    breaker.failed("down again")

    assert breaker.status().next_probe_at == clock.now() + timedelta(seconds=1)
