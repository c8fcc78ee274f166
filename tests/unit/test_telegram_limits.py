"""Our own Telegram flood limiter, on a clock the tests move by hand."""

from __future__ import annotations

import pytest

from supportbot.chat.telegram.limits import TELEGRAM_LIMITS, FloodLimiter, FloodLimits, Window
from supportbot.services.outbox import Throttled

GROUP, OTHER_GROUP, USER = -100101, -100102, 5001


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def limiter(clock: Clock) -> FloodLimiter:
    return FloodLimiter(clock=clock)


def send_all(limiter: FloodLimiter, clock: Clock, chat_id: int, count: int, *, step: float = 0.01) -> list[float]:
    """Send `count` messages as soon as the limiter lets them go; returns their send times."""
    times = []
    while len(times) < count:
        try:
            limiter.take(chat_id)
            times.append(clock.now)
        except Throttled as wait:
            assert wait.after > 0
            clock.now += wait.after
            continue
        clock.now += step
    return times


def max_in_window(times: list[float], seconds: float) -> int:
    return max(sum(1 for t in times if start <= t < start + seconds) for start in times)


def test_a_short_burst_then_one_a_second_per_chat(limiter, clock):
    for _ in range(3):
        limiter.take(USER)
    with pytest.raises(Throttled) as held:
        limiter.take(USER)
    assert 2.9 < held.value.after <= 3.0 + TELEGRAM_LIMITS.margin
    limiter.take(OTHER_GROUP)  # another chat is not held back


def test_throttled_is_not_recorded(limiter, clock):
    for _ in range(3):
        limiter.take(USER)
    for _ in range(5):
        with pytest.raises(Throttled):
            limiter.take(USER)
    clock.now += 3.0 + TELEGRAM_LIMITS.margin
    limiter.take(USER)


def test_a_group_gets_at_most_20_messages_in_any_minute(limiter, clock):
    times = send_all(limiter, clock, GROUP, 45)
    assert max_in_window(times, 60.0) == 20
    assert max_in_window(times, 3.0) <= 3
    assert times[20] - times[0] >= 60.0
    assert times[-1] - times[0] < 2 * 60 + 10  # and not much slower than that


def test_private_chats_have_no_minute_limit(limiter, clock):
    times = send_all(limiter, clock, USER, 40)
    assert times[-1] - times[0] < 45  # about one a second
    assert max_in_window(times, 60.0) > 20


def test_thirty_a_second_overall(limiter, clock):
    sent = 0
    for chat in range(-1000, -1040, -1):
        try:
            limiter.take(chat)
            sent += 1
        except Throttled as wait:
            assert 0 < wait.after <= 1.0 + TELEGRAM_LIMITS.margin
    assert sent == 30


def test_hold_after_a_429(limiter, clock):
    limiter.hold(GROUP, 7)
    with pytest.raises(Throttled) as held:
        limiter.take(GROUP)
    assert held.value.after == pytest.approx(7)
    limiter.take(USER)
    limiter.hold(None, 2)  # a global hold stops every chat
    with pytest.raises(Throttled):
        limiter.take(USER)
    clock.now += 7
    limiter.take(GROUP)


def test_reserve_books_slots_for_direct_replies(limiter, clock):
    waits = [limiter.reserve(USER) for _ in range(5)]
    assert waits[:3] == [0, 0, 0] and waits[3] > 2.9 and waits[4] >= waits[3]
    with pytest.raises(Throttled):  # the outbox sees the booked slots
        limiter.take(USER)


def test_window_arithmetic():
    from collections import deque

    window = Window(2, 10.0)
    assert window.wait(deque([1.0]), 2.0) == 0
    assert window.wait(deque([1.0, 5.0]), 6.0) == 5.0
    assert window.wait(deque([1.0, 5.0, 9.0]), 10.0) == 5.0


def test_custom_limits_and_pruning(clock):
    limiter = FloodLimiter(FloodLimits(per_chat=Window(1, 1.0), margin=0.0), clock=clock)
    for chat in range(2000):
        limiter.take(-chat - 1)
        clock.now += 0.05
    assert len(limiter._chats) < 2000  # quiet chats are forgotten
