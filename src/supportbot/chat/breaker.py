"""A per-platform circuit breaker: while a platform is down, one probe now and then instead of every message."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from supportbot.services.ports import Clock


class BreakerState(str, enum.Enum):
    CLOSED = "closed"  # the platform answers: send
    OPEN = "open"  # the platform is down: send nothing until the next probe
    HALF_OPEN = "half-open"  # one probe is out; the rest wait for its answer


@dataclass(frozen=True)
class BreakerStatus:
    """What a health page shows about a platform's breaker."""

    state: BreakerState
    since: datetime | None  # closed: when it closed (None: never opened); otherwise when the outage began
    last_error: str | None  # the latest failure seen, kept after closing
    next_probe_at: datetime | None  # open: when the platform is tried again
    pause: float  # seconds between the probes now


class Breaker:
    """Opens on the first sign the platform itself is failing; probes after a pause that doubles on
    each failed probe up to `max_pause`; closes on the first answer from the platform.

    Time is the sender's clock, so tests drive it by hand."""

    def __init__(self, clock: Clock, *, first_pause: float = 1.0, max_pause: float = 60.0) -> None:
        self.clock = clock
        self.first_pause = max(0.0, first_pause)
        self.max_pause = max(self.first_pause, max_pause)
        self.state = BreakerState.CLOSED
        self._since: datetime | None = None
        self._last_error: str | None = None
        self._pause = self.first_pause
        self._next_probe_at: datetime | None = None

    def ready(self) -> bool:
        """True when a message may go now: closed, or open with a probe due."""
        if self.state is BreakerState.CLOSED:
            return True
        return self.state is BreakerState.OPEN and self._probe_due()

    def try_probe(self) -> bool:
        """Take the probe's turn when one is due (open → half-open); False when it is not this caller's."""
        if self.state is not BreakerState.OPEN or not self._probe_due():
            return False
        self.state = BreakerState.HALF_OPEN
        return True

    def succeeded(self) -> None:
        """The platform answered (a message taken, or refused for its own fault): close."""
        if self.state is not BreakerState.CLOSED:
            self.state = BreakerState.CLOSED
            self._since = self.clock.now()
            self._pause = self.first_pause
            self._next_probe_at = None

    def failed(self, reason: str) -> None:
        """The platform failed (5xx, no connection, no answer in time): open, or wait longer after a failed probe."""
        now = self.clock.now()
        self._last_error = reason
        if self.state is BreakerState.CLOSED:
            self.state = BreakerState.OPEN
            self._since = now
            self._pause = self.first_pause
            self._next_probe_at = now + timedelta(seconds=self._pause)
        elif self.state is BreakerState.HALF_OPEN:
            self.state = BreakerState.OPEN
            self._pause = min(self.max_pause, self._pause * 2)
            self._next_probe_at = now + timedelta(seconds=self._pause)
        # Already open: a call sent before it opened failed too; that changes nothing but the error shown.

    def released(self) -> None:
        """The probe never reached the platform (held back on our side): the next caller probes instead."""
        if self.state is BreakerState.HALF_OPEN:
            self.state = BreakerState.OPEN
            self._next_probe_at = self.clock.now()

    def seconds_to_probe(self) -> float:
        """Seconds until the next probe (0.0 when closed or due)."""
        if self._next_probe_at is None or self.state is BreakerState.CLOSED:
            return 0.0
        return max(0.0, (self._next_probe_at - self.clock.now()).total_seconds())

    def status(self) -> BreakerStatus:
        """The breaker as it stands, for /healthz and logs."""
        probe = None if self.state is BreakerState.CLOSED else self._next_probe_at
        return BreakerStatus(self.state, self._since, self._last_error, probe, self._pause)

    def _probe_due(self) -> bool:
        return self._next_probe_at is None or self.clock.now() >= self._next_probe_at
