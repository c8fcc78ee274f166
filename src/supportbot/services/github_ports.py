"""What the GitHub link-up needs from the outside: GitHub's REST API (an adapter behind GithubApi) and the
stored links and pending calls (the unit of work's `github` repository)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Generic, Protocol, TypeVar

from supportbot.domain.github_links import GithubRef, IssueState, PullRequest

T = TypeVar("T")


class GithubUnavailable(Exception):
    """GitHub did not answer in time, answered 5xx, or is rate-limiting: try again later (`retry_after`
    seconds when GitHub said)."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class GithubRefused(Exception):
    """GitHub refused the call for good (not found, no access, invalid): trying again cannot help."""


@dataclass(frozen=True)
class Fetched(Generic[T]):
    """An answer with its ETag; `value` None when GitHub said it has not changed (304)."""

    value: T | None
    etag: str | None


class GithubApi(Protocol):
    """GitHub's REST API, as far as the desk calls it; every call may raise GithubUnavailable or GithubRefused."""

    async def pull(self, ref: GithubRef, *, etag: str | None = None) -> Fetched[PullRequest]: ...
    async def issue(self, ref: GithubRef, *, etag: str | None = None) -> Fetched[IssueState]: ...
    async def open_issue(self, repo: str, *, title: str, body: str) -> IssueState: ...
    async def contains(self, repo: str, *, commit: str, head: str) -> bool: ...  # is `commit` in `head`?
    def state(self) -> str: ...  # ok | unreachable | rate_limited | unknown, as last seen
    async def close(self) -> None: ...


@dataclass
class StoredRef:
    """A pull request or issue linked to a ticket, with what was last seen of it."""

    id: int
    ticket_id: int
    ref: GithubRef
    url: str
    state: str | None = None  # a PullState value or open/closed for an issue; None until first seen
    review: str | None = None
    merge_commit_sha: str | None = None
    etag: str | None = None


@dataclass
class PendingCall:
    """A GitHub call waiting to be made (or made again) outside the desk's transactions."""

    kind: str  # fetch | open_issue | check_deploy
    payload: dict[str, Any] = field(default_factory=dict)
    ticket_id: int | None = None
    attempts: int = 0
    id: int | None = None
    last_error: str | None = None


class GithubRepository(Protocol):
    """The links between tickets and GitHub, and the calls waiting to be made."""

    async def link(self, ticket_id: int, ref: GithubRef, url: str) -> StoredRef: ...  # the row, new or old
    async def linked(self, ref: GithubRef) -> Sequence[StoredRef]: ...
    async def of_ticket(self, ticket_id: int) -> Sequence[StoredRef]: ...
    async def followed(self, limit: int = 500) -> Sequence[StoredRef]: ...  # open tickets' unfinished links
    async def merged_in(self, repo: str) -> Sequence[StoredRef]: ...  # merged PRs of 🟡 tickets
    async def save(self, stored: StoredRef) -> None: ...
    async def queue(self, call: PendingCall, at: datetime) -> None: ...
    # The calls due, each put off by `lease` while it is made (another replica leaves it alone).
    async def claim(self, now: datetime, lease: timedelta, limit: int = 20) -> Sequence[PendingCall]: ...
    async def put_off(self, call_ids: Sequence[int], at: datetime) -> None: ...  # claimed, not made after all
    async def done(self, call_id: int) -> None: ...
    async def retry(self, call_id: int, at: datetime, error: str) -> None: ...
    async def give_up(self, call_id: int, error: str) -> None: ...
    async def waiting(self) -> int: ...  # calls still to make
    async def pending(self, ticket_id: int, kind: str) -> bool: ...  # such a call is still to make
