"""Ticket lifecycle: statuses, severities, resolutions and the allowed moves."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from supportbot.domain.ticket_changes import (
    Assigned,
    Escalated,
    FirstResponded,
    GithubLinkChanged,
    PriorityChanged,
    ProductChanged,
    PullRequestAttached,
    ReportEdited,
    Responded,
    SeverityChanged,
    StatusChanged,
    SubStateChanged,
    TicketChange,
    TicketOpened,
)
from supportbot.domain.ticket_states import SUB_STATES, Priority, Resolution, Severity, Status

MAX_TICKET_NUMBER = 2**31 - 1  # ticket numbers fit every platform's 32-bit integer fields


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


@dataclass(eq=False)
class Ticket:
    """One reported problem and where it stands; changes go through its methods."""

    number: int
    product: str | None
    severity: Severity
    title: str
    body: str
    reporter_platform: str
    reporter_id: int
    reporter_name: str
    created_at: datetime
    source_platform: str
    source_chat_id: int
    source_message_id: int
    security: bool = False
    status: Status = Status.RECEIVED
    resolution: Resolution | None = None
    assignee: str | None = None
    pr_links: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    thread_id: int | None = None
    first_response_at: datetime | None = None
    first_response_how: str | None = None  # what the first response was (see FirstResponded); None until then
    last_activity_at: datetime | None = None
    resolved_at: datetime | None = None
    interactions: int = 0
    escalation_level: int = 0
    last_escalation_at: datetime | None = None
    first_response_missed_notified: bool = False
    next_due_at: datetime | None = None
    priority: Priority | None = None  # the owner's triage; None until triaged
    sub_state: str | None = None  # a SUB_STATES key while ⭕️ in progress, where one is known
    fix_provided_at: datetime | None = None  # when it last moved to 🟡 (the reporter's confirmation clock)
    fix_provided_by: str | None = None  # who moved it to 🟡 (tagged when the reporter says it is still broken)
    # For the metrics, recorded as things happen: when the reporter's oldest message the team has not answered
    # came (the report itself to begin with), the team responses that ended such a wait and the waits summed
    # (business time for a normal ticket), when the first response was due, and how often it was reopened.
    awaiting_since: datetime | None = None
    responses: int = 0
    response_wait_us: int = 0
    first_response_due_at: datetime | None = None
    reopens: int = 0
    # Linked GitHub pull requests and issues (by link) with their state in words ("open, in review"), as
    # the card shows them; a PR link is in pr_links too.
    github_links: dict[str, str] = field(default_factory=dict)
    id: int | None = None

    def __post_init__(self) -> None:
        if self.last_activity_at is None:
            self.last_activity_at = self.created_at

    @property
    def is_open(self) -> bool:
        """True until resolved."""
        return self.status is not Status.RESOLVED

    @property
    def changes(self) -> list[TicketChange]:
        """What happened to the ticket since the services last collected it."""
        # Storage rebuilds tickets without __init__, so the list is made on first use.
        changes: list[TicketChange] = self.__dict__.setdefault("_changes", [])
        return changes

    @property
    def stored_id(self) -> int:
        """The storage id; a ticket has one once the repository has added it."""
        if self.id is None:
            raise ValueError(f"ticket #{self.number} has not been stored yet")
        return self.id

    def collect_changes(self) -> list[TicketChange]:
        """The recorded changes, oldest first; the ticket forgets them."""
        changes = self.changes
        self.__dict__["_changes"] = []
        return changes

    def opened(self, by: str, *, exposed: tuple[str, ...] = ()) -> Ticket:
        """Record that this new ticket was opened from `by`'s report; returns the ticket."""
        self.awaiting_since = self.created_at
        self.changes.append(TicketOpened(self.created_at, by, exposed))
        return self

    def record_activity(self, at: datetime, *, by_team: bool, how: str = "") -> None:
        """A message or team action: resets the stagnation clock; the team's first counts as the response.

        `how` names the action for the first response (empty for a message). A reporter's message starts a wait
        for the team unless one is running; the team's next response ends it (Responded)."""
        self.last_activity_at = max(at, self.last_activity_at or at)
        self.interactions += 1
        if by_team and self.first_response_at is None:
            self.first_response_at = at
            self.first_response_how = how
            self.changes.append(FirstResponded(at, how))
        if not by_team:
            self.awaiting_since = self.awaiting_since or at
        elif self.awaiting_since is not None:
            self.changes.append(Responded(at, self.awaiting_since))
            self.awaiting_since = None

    def move(self, wanted: Status, at: datetime, *, by: str | None = None) -> None:
        """Change status along the lifecycle (not out of resolved: that is reopen).

        Moved to 🟡, the ticket remembers when and by whom (`by`): the reporter is asked to confirm, and
        told the fix is still broken, that person is tagged. Leaving ⭕️ clears its sub-state."""
        check_transition(self.number, self.status, wanted)
        self.changes.append(StatusChanged(at, self.status, wanted))
        self.status = wanted
        if wanted is not Status.IN_PROGRESS:
            self.sub_state = None
        if wanted is Status.FIX_PROVIDED:
            self.fix_provided_at, self.fix_provided_by = at, by
        if wanted is Status.RESOLVED:
            self.resolved_at = at
        elif self.resolution is not None:
            self.resolution = None

    def resolve(self, reason: Resolution | None, at: datetime) -> None:
        """Mark resolved with a reason (fixed when none is given)."""
        self.move(Status.RESOLVED, at)
        self.resolution = reason or Resolution.FIXED

    def reopen(self, to: Status, at: datetime) -> None:
        """Bring a resolved ticket back to 🔴 or ⭕️; its clocks start again from now."""
        check_reopen(self.number, self.status, to)
        self.reopens += 1
        self.changes.append(StatusChanged(at, self.status, to))
        self.status = to
        self.resolution = None
        self.resolved_at = None
        self.sub_state = None
        self.last_escalation_at = None
        self.last_activity_at = at

    def set_sub_state(self, key: str | None, at: datetime) -> bool:
        """Say what the in-progress ticket waits on (a SUB_STATES key; None clears it); False when unchanged.

        Raises DeskError for an unknown key or a ticket that is not ⭕️ in progress."""
        if key is not None and key not in SUB_STATES:
            raise DeskError(f"There is no sub-state {key!r}. Sub-states: {', '.join(SUB_STATES)}.")
        if self.status is not Status.IN_PROGRESS:
            raise DeskError(f"Ticket #{self.number} is {self.status.marker} {self.status.label}; only a "
                            f"{Status.IN_PROGRESS.marker} {Status.IN_PROGRESS.label} ticket has a sub-state.")
        if key == self.sub_state:
            return False
        self.changes.append(SubStateChanged(at, self.sub_state, key))
        self.sub_state = key
        return True

    def assign(self, person: str, at: datetime) -> None:
        """Give the ticket to `person` (taking it is assigning it to oneself)."""
        if person != self.assignee:
            self.assignee = person
            self.changes.append(Assigned(at, person))

    def attach_pr(self, url: str, at: datetime) -> bool:
        """Attach a pull request link; False when it was already attached."""
        if url in self.pr_links:
            return False
        self.pr_links = [*self.pr_links, url]
        self.changes.append(PullRequestAttached(at, url))
        return True

    def note_github(self, url: str, words: str, at: datetime) -> bool:
        """Link a GitHub pull request or issue, or say how it stands now; False when the card says so already."""
        if self.github_links.get(url) == words:
            return False
        self.github_links = {**self.github_links, url: words}  # a new dict: storage sees the change
        self.changes.append(GithubLinkChanged(at, url, words))
        return True

    def set_severity(self, severity: Severity, at: datetime) -> bool:
        """Change the severity; False when it is already that. Raised to an emergency, its escalation
        starts afresh: a new level, so the opening tags go out again, and its clock counts from now."""
        if severity is self.severity:
            return False
        self.changes.append(SeverityChanged(at, self.severity, severity))
        self.severity = severity
        if severity is Severity.EMERGENCY:
            self.escalation_level += 1
            self.last_escalation_at = None
        return True

    def set_priority(self, priority: Priority, at: datetime) -> bool:
        """Triage the ticket; False when it already has that priority."""
        if priority is self.priority:
            return False
        self.changes.append(PriorityChanged(at, self.priority, priority))
        self.priority = priority
        return True

    def move_to_product(self, product: str, at: datetime) -> bool:
        """Move the ticket to another product (a key the caller checked); False when it is there already."""
        if product == self.product:
            return False
        self.changes.append(ProductChanged(at, self.product, product))
        self.product = product
        return True

    def edit_report(self, text: str, title: str, missing: list[str], at: datetime) -> None:
        """The reporter edited the report: its text, title and checklist follow."""
        self.body, self.title, self.missing = text, title, missing
        self.changes.append(ReportEdited(at))

    def escalate(self, kind: str, at: datetime, *, repeats: bool) -> int:
        """Record that the `kind` notice fired at `at`; returns the new escalation level.

        A repeating notice (an emergency's) counts its next deadline from now; the missed first response
        fires once."""
        self.escalation_level += 1
        if repeats:
            self.last_escalation_at = at
        else:
            self.first_response_missed_notified = True
        self.changes.append(Escalated(at, kind, self.escalation_level))
        return self.escalation_level
