"""What a ticket records as it changes; the services turn each change into history, clocks and messages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from supportbot.domain.ticket_states import Priority, Severity, Status


@dataclass(frozen=True)
class TicketOpened:
    """A report became a ticket; `exposed` names the kinds of secret taken out of it (security tickets)."""

    at: datetime
    by: str
    exposed: tuple[str, ...] = ()


@dataclass(frozen=True)
class FirstResponded:
    """The team answered the ticket for the first time; `how` names what counted (for /stats, which reads it
    from the ticket's first_response_how)."""

    at: datetime
    how: str = ""


@dataclass(frozen=True)
class Responded:
    """A team response ended the reporter's wait that began at `since` (their oldest unanswered message)."""

    at: datetime
    since: datetime


@dataclass(frozen=True)
class StatusChanged:
    """The ticket moved from one status to another (resolving and reopening included)."""

    at: datetime
    old: Status
    new: Status


@dataclass(frozen=True)
class SubStateChanged:
    """What an in-progress ticket waits on changed (a SUB_STATES key, or None when cleared by hand)."""

    at: datetime
    old: str | None
    new: str | None


@dataclass(frozen=True)
class Assigned:
    """Someone took the ticket or was given it."""

    at: datetime
    assignee: str


@dataclass(frozen=True)
class PullRequestAttached:
    at: datetime
    url: str


@dataclass(frozen=True)
class GithubLinkChanged:
    """A linked GitHub pull request or issue changed on GitHub (its card line says so), or was linked."""

    at: datetime
    url: str
    words: str


@dataclass(frozen=True)
class SeverityChanged:
    """Raised to an emergency (a fresh escalation level, so its opening tags go out again) or lowered."""

    at: datetime
    old: Severity
    new: Severity


@dataclass(frozen=True)
class PriorityChanged:
    """The owner triaged the ticket (old is None when it was untriaged)."""

    at: datetime
    old: Priority | None
    new: Priority


@dataclass(frozen=True)
class ProductChanged:
    """The ticket moved to another product (old is None for an emergency opened without one)."""

    at: datetime
    old: str | None
    new: str


@dataclass(frozen=True)
class ReportEdited:
    """The reporter edited the report: the title, text and checklist follow it."""

    at: datetime


@dataclass(frozen=True)
class Escalated:
    """A promise was broken at `at`: the `kind` notice (an EscalationKind's value) fires at `level`."""

    at: datetime
    kind: str
    level: int


TicketChange = (TicketOpened | FirstResponded | StatusChanged | Assigned | PullRequestAttached | SeverityChanged
                | ReportEdited | Escalated | Responded | PriorityChanged | ProductChanged | SubStateChanged
                | GithubLinkChanged)
