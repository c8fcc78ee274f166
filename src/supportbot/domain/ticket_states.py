"""Where a ticket stands: its status with the playbook's marker, its severity, how it was resolved."""

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
