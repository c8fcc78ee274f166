"""What the adapters count as it happens, for /metrics: platform API errors by code and how long handling an
update takes. Plain counters in memory (the web side exports them), so no layer below it needs a metrics library."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

# Seconds: an update is usually handled in milliseconds; seconds mean a slow database or platform.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass
class Histogram:
    """Observations counted per bucket (each bucket holds the values up to its bound, above the one before)."""

    bounds: tuple[float, ...] = LATENCY_BUCKETS
    counts: list[int] = field(default_factory=list)  # one per bound, then the values above the last
    total: float = 0.0
    count: int = 0

    def __post_init__(self) -> None:
        if not self.counts:
            self.counts = [0] * (len(self.bounds) + 1)

    def observe(self, value: float) -> None:
        """Count one value."""
        index = next((i for i, bound in enumerate(self.bounds) if value <= bound), len(self.bounds))
        self.counts[index] += 1
        self.total += value
        self.count += 1

    def cumulative(self) -> list[tuple[float, int]]:
        """(upper bound, values at or under it) per bucket, the last bound infinite: Prometheus's `le` buckets."""
        running, out = 0, []
        for bound, count in zip((*self.bounds, float("inf")), self.counts, strict=True):
            running += count
            out.append((bound, running))
        return out


class Telemetry:
    """Counters the adapters feed: API errors per (platform, code), update handling time per platform."""

    def __init__(self, *, timer: Callable[[], float] = time.perf_counter) -> None:
        self.timer = timer
        self.api_errors: dict[tuple[str, str], int] = {}
        self.latency: dict[str, Histogram] = {}

    def api_error(self, platform: str, code: str) -> None:
        """Count one failed platform API call; `code` is the HTTP status or what failed (timeout, network)."""
        key = (platform, code)
        self.api_errors[key] = self.api_errors.get(key, 0) + 1

    def handled(self, platform: str, seconds: float) -> None:
        """Count one handled update and how long it took."""
        self.latency.setdefault(platform, Histogram()).observe(seconds)

    @contextmanager
    def handling(self, platform: str) -> Iterator[None]:
        """Time the block as the handling of one update (counted whether it succeeds or raises)."""
        start = self.timer()
        try:
            yield
        finally:
            self.handled(platform, self.timer() - start)
