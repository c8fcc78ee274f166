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


class Priority(str, enum.Enum):
    """The product owner's triage: p1 first. An untriaged ticket has none."""

    P1 = "p1"
    P2 = "p2"
    P3 = "p3"
    P4 = "p4"

    @property
    def label(self) -> str:
        """'P1' … 'P4', as cards and lists show it."""
        return self.value.upper()


# What an in-progress ticket is waiting on, where one is known: the word given to /status, and how a
# card shows it ("⭕️ in progress · PR in review"). The marker set stays 🔴 ⭕️ 🟡 🟢.
SUB_STATES: dict[str, str] = {
    "investigating": "investigating",
    "pr_review": "PR in review",
    "deploying": "deploying",
    "waiting_reporter": "waiting for the reporter",
}
