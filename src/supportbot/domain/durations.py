"""The durations grammar of the config: 90s, 30m, 1h, 2d (wall-clock) and 1bd (business)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_PATTERN = re.compile(r"^\s*(\d+)\s*(bd|s|m|h|d)\s*$")


class DurationError(ValueError):
    pass


@dataclass(frozen=True)
class Duration:
    """A wall-clock span, or a number of business days when `unit == 'bd'`."""

    amount: int
    unit: str

    @property
    def business(self) -> bool:
        """True for business days, which only a calendar can turn into instants."""
        return self.unit == "bd"

    def as_timedelta(self) -> timedelta:
        """The wall-clock span; business days have none without a calendar."""
        if self.business:
            raise DurationError(f"{self} is in business days; it needs a calendar")
        return timedelta(seconds=self.amount * _UNITS[self.unit])

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"


def parse_duration(text: str) -> Duration:
    """Parse '90s', '30m', '1h', '2d' or '1bd'; raise DurationError otherwise."""
    match = _PATTERN.match(text) if isinstance(text, str) else None
    if not match:
        raise DurationError(
            f"{text!r} is not a duration; use a whole number and a unit: 90s, 30m, 1h, 2d or 1bd"
        )
    amount, unit = int(match.group(1)), match.group(2)
    if amount <= 0:
        raise DurationError(f"{text!r} must be longer than zero")
    return Duration(amount, unit)
