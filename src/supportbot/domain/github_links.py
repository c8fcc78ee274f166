"""GitHub pull requests and issues as the desk knows them: their links, their state in words, and the
ticket references a PR's text may carry ("supportbot #12", "Fixes support#12")."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


class LinkKind(str, enum.Enum):
    PULL = "pull"
    ISSUE = "issue"


@dataclass(frozen=True)
class GithubRef:
    """A pull request or issue: its repository ("org/repo", as GitHub spells it), number and kind."""

    repo: str
    number: int
    kind: LinkKind = LinkKind.PULL

    @property
    def key(self) -> str:
        """'org/repo#12', case-folded repository: how links are matched (GitHub names ignore case)."""
        return f"{self.repo.lower()}#{self.number}"

    @property
    def label(self) -> str:
        """'org/repo#12' as people write it."""
        return f"{self.repo}#{self.number}"


# https://github.com/org/repo/pull/12 (and /files, /commits, #fragment...); GitHub Enterprise hosts alike.
_PATH = re.compile(r"/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)/(pull|pulls|issues)/([0-9]{1,9})(?:/[^?#]*)?/?")


def parse_link(url: str) -> GithubRef | None:
    """The pull request or issue a link points at, or None when it is neither."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    match = _PATH.fullmatch(parts.path)
    if match is None:
        return None
    owner, name, kind, number = match.groups()
    return GithubRef(f"{owner}/{name}", int(number), LinkKind.ISSUE if kind == "issues" else LinkKind.PULL)


def pull_url(ref: GithubRef, web_base: str = "https://github.com") -> str:
    """The pull request's page."""
    return f"{web_base}/{ref.repo}/pull/{ref.number}"


# "supportbot #12", "supportbot#12", "Fixes support#12", "closes support #12" (any case).
_TICKET_REFERENCE = re.compile(r"\bsupport(?:bot)?\s?#([0-9]{1,9})\b", re.IGNORECASE)


def ticket_references(*texts: str | None) -> list[int]:
    """Ticket numbers a PR's title, body or commit messages name, each once, in order."""
    found: dict[int, None] = {}
    for text in texts:
        for match in _TICKET_REFERENCE.finditer(text or ""):
            found.setdefault(int(match.group(1)), None)
    return [number for number in found if number > 0]


class PullState(str, enum.Enum):
    OPEN = "open"
    DRAFT = "draft"
    MERGED = "merged"
    CLOSED = "closed"  # without merging


class Review(str, enum.Enum):
    """Where a pull request's review stands: the latest review of each reviewer, the strictest first."""

    IN_REVIEW = "in review"  # open and waiting for a decision
    CHANGES_REQUESTED = "changes requested"
    APPROVED = "approved"


@dataclass(frozen=True)
class PullRequest:
    """What GitHub says of a pull request, as far as the desk cares."""

    ref: GithubRef
    title: str
    state: PullState
    review: Review = Review.IN_REVIEW
    merged_by: str | None = None
    merge_commit_sha: str | None = None
    url: str = ""
    body: str = ""
    author: str | None = None
    # The author is an owner, member or collaborator of the repository (GitHub's author_association): only
    # such a PR links itself to the tickets its text names, or anyone could move a ticket by opening one.
    trusted: bool = False
    commit_messages: tuple[str, ...] = ()  # when fetched with its commits

    def references(self) -> list[int]:
        """The tickets its title, body or commit messages name; none for an outsider's PR."""
        return ticket_references(self.title, self.body, *self.commit_messages) if self.trusted else []

    def words(self) -> str:
        """'open, in review', 'merged', 'draft'... as the card shows it after 'PR #12'."""
        if self.state is PullState.OPEN:
            return f"open, {self.review.value}"
        return str(self.state.value)


def pull_state(*, state: str, draft: bool, merged: bool) -> PullState:
    """GitHub's state, draft and merged flags as one state."""
    if merged:
        return PullState.MERGED
    if state == "closed":
        return PullState.CLOSED
    return PullState.DRAFT if draft else PullState.OPEN


def review_state(reviews: list[tuple[str, str]]) -> Review:
    """The review state from (reviewer, state) pairs oldest first: a reviewer's latest decision counts;
    any 'changes requested' outweighs approvals; no decision yet is 'in review'."""
    latest: dict[str, str] = {}
    for who, state in reviews:
        if state in ("APPROVED", "CHANGES_REQUESTED", "DISMISSED"):
            latest[who] = state
    decisions = set(latest.values())
    if "CHANGES_REQUESTED" in decisions:
        return Review.CHANGES_REQUESTED
    if "APPROVED" in decisions:
        return Review.APPROVED
    return Review.IN_REVIEW


@dataclass(frozen=True)
class IssueState:
    """An issue as the desk follows it."""

    ref: GithubRef
    state: str  # open | closed
    url: str
    closed_by: str | None = None


TRUSTED_AUTHORS = frozenset({"OWNER", "MEMBER", "COLLABORATOR"})


def pull_from(ref: GithubRef, data: dict[str, Any], *, review: Review = Review.IN_REVIEW,
              commit_messages: tuple[str, ...] = ()) -> PullRequest:
    """A pull request from GitHub's JSON (the REST answer, or a webhook's `pull_request`)."""
    merged = bool(data.get("merged")) or bool(data.get("merged_at"))
    return PullRequest(
        ref=GithubRef(ref.repo, int(data.get("number") or ref.number), LinkKind.PULL),
        title=str(data.get("title") or ""),
        state=pull_state(state=str(data.get("state")), draft=bool(data.get("draft")), merged=merged),
        review=review,
        merged_by=(data.get("merged_by") or {}).get("login"),
        merge_commit_sha=data.get("merge_commit_sha") if merged else None,
        url=str(data.get("html_url") or ""), body=str(data.get("body") or ""),
        author=(data.get("user") or {}).get("login"), trusted=data.get("author_association") in TRUSTED_AUTHORS,
        commit_messages=commit_messages)


def issue_from(repo: str, data: dict[str, Any]) -> IssueState:
    """An issue from GitHub's JSON (the REST answer, or a webhook's `issue`)."""
    return IssueState(GithubRef(repo, int(data["number"]), LinkKind.ISSUE), str(data.get("state")),
                      str(data.get("html_url") or ""), (data.get("closed_by") or {}).get("login"))
