"""Ticket lifecycle: statuses, severities, resolutions and the allowed moves."""

from __future__ import annotations

import enum


class Status(str, enum.Enum):
    RECEIVED = "received"
    IN_PROGRESS = "in_progress"
    FIX_PROVIDED = "fix_provided"
    RESOLVED = "resolved"

    @property
    def marker(self) -> str:
        """The playbook's marker for this status."""
        return MARKERS[self]

    @property
    def label(self) -> str:
        """Human words for this status, e.g. 'in progress'."""
        return self.value.replace("_", " ")


MARKERS = {
    Status.RECEIVED: "🔴",
    Status.IN_PROGRESS: "⭕️",
    Status.FIX_PROVIDED: "🟡",
    Status.RESOLVED: "🟢",
}


class Severity(str, enum.Enum):
    EMERGENCY = "emergency"
    NORMAL = "normal"

    @property
    def icon(self) -> str:
        """🚨 for emergencies, 🐛 for everything else."""
        return "🚨" if self is Severity.EMERGENCY else "🐛"


class Resolution(str, enum.Enum):
    FIXED = "fixed"
    ANSWERED = "answered"
    DUPLICATE = "duplicate"
    NOT_AN_ISSUE = "not_an_issue"


class DeskError(Exception):
    """A refusal the user sees as a one-line reply; nothing was changed."""


class TicketNotFound(DeskError):
    def __init__(self, number: int) -> None:
        super().__init__(f"There is no ticket #{number}.")
        self.number = number


class NotAllowed(DeskError):
    pass


class InvalidTransition(DeskError):
    def __init__(self, number: int, current: Status, wanted: Status) -> None:
        super().__init__(
            f"Ticket #{number} is {current.marker} {current.label}; "
            f"it cannot move to {wanted.marker} {wanted.label}."
        )
        self.current = current
        self.wanted = wanted


# Moves by status change. Resolved tickets leave only by reopening.
ALLOWED: dict[Status, frozenset[Status]] = {
    Status.RECEIVED: frozenset({Status.IN_PROGRESS, Status.FIX_PROVIDED, Status.RESOLVED}),
    Status.IN_PROGRESS: frozenset({Status.RECEIVED, Status.FIX_PROVIDED, Status.RESOLVED}),
    Status.FIX_PROVIDED: frozenset({Status.IN_PROGRESS, Status.RESOLVED}),
    Status.RESOLVED: frozenset(),
}

REOPEN_TO = frozenset({Status.RECEIVED, Status.IN_PROGRESS})


def check_transition(number: int, current: Status, wanted: Status) -> None:
    """Raise InvalidTransition unless a status change from current to wanted is allowed."""
    if wanted not in ALLOWED[current]:
        raise InvalidTransition(number, current, wanted)


def check_reopen(number: int, current: Status, to: Status = Status.RECEIVED) -> None:
    """Raise unless a resolved ticket may be reopened to `to` (🔴 or ⭕️)."""
    if current is not Status.RESOLVED:
        raise DeskError(f"Ticket #{number} is not resolved; there is nothing to reopen.")
    if to not in REOPEN_TO:
        raise InvalidTransition(number, current, to)
