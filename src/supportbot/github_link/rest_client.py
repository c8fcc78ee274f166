"""GitHub's REST API over aiohttp: pull requests, their reviews, issues, commit comparisons.

Every call has a timeout; conditional requests carry the last ETag (a 304 costs no rate limit); the rate
limit GitHub reports is kept, and once spent no call is made until it resets (GithubUnavailable says when).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from supportbot.domain.github_links import GithubRef, IssueState, PullRequest, issue_from, pull_from, review_state
from supportbot.services.github_ports import Fetched, GithubRefused, GithubUnavailable

log = logging.getLogger(__name__)

API_VERSION = "2022-11-28"
SECONDARY_LIMIT_WAIT = 60.0  # GitHub's advice when a rate-limit answer names no time to wait
OK, UNREACHABLE, RATE_LIMITED, UNKNOWN = "ok", "unreachable", "rate_limited", "unknown"


@dataclass(frozen=True)
class GithubOptions:
    """The [github] section as the adapter takes it."""

    api_base_url: str = "https://api.github.com"
    token: str | None = None
    timeout: float = 10.0


class RestClient:
    """The desk's GitHub calls (services.github_ports.GithubApi)."""

    def __init__(self, options: GithubOptions, *, wall: Callable[[], float] = time.time) -> None:
        self.options = options
        self._wall = wall  # epoch seconds, for X-RateLimit-Reset
        self._session: aiohttp.ClientSession | None = None
        self._reset_at: float | None = None  # rate limit spent until then
        self._state = UNKNOWN

    def state(self) -> str:
        """How GitHub answered last: ok, unreachable, rate_limited (or unknown before any call)."""
        if self._state == RATE_LIMITED and self._reset_at is not None and self._wall() >= self._reset_at:
            return OK
        return self._state

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": API_VERSION,
                       "User-Agent": "supportbot"}
            if self.options.token:
                headers["Authorization"] = f"Bearer {self.options.token}"
            self._session = aiohttp.ClientSession(headers=headers,
                                                  timeout=aiohttp.ClientTimeout(total=self.options.timeout))
        return self._session

    async def _call(self, method: str, path: str, *, etag: str | None = None,
                    body: dict[str, Any] | None = None) -> tuple[int, Any, str | None]:
        """(status, JSON body or None, ETag); raises GithubUnavailable or GithubRefused."""
        if self._reset_at is not None and self._wall() < self._reset_at:
            raise GithubUnavailable("rate limit spent", retry_after=self._reset_at - self._wall())
        headers = {"If-None-Match": etag} if etag else {}
        url = f"{self.options.api_base_url}{path}"
        try:
            async with self._client().request(method, url, headers=headers, json=body) as response:
                payload = await response.json(content_type=None) if response.status != 304 else None
                status, answer_headers = response.status, response.headers
        except (TimeoutError, aiohttp.ClientError, ValueError) as err:
            self._state = UNREACHABLE
            raise GithubUnavailable(f"{method} {path}: {type(err).__name__}") from None
        self._note_limit(answer_headers)
        if status in (403, 429) and (answer_headers.get("Retry-After") or answer_headers.get("X-RateLimit-Remaining") == "0"):
            self._state = RATE_LIMITED
            wait = _seconds(answer_headers.get("Retry-After"))
            if wait is None and self._reset_at is not None:
                wait = max(0.0, self._reset_at - self._wall())
            if wait is not None:
                self._reset_at = max(self._reset_at or 0.0, self._wall() + wait)
            raise GithubUnavailable(f"{method} {path}: rate limited ({status})",
                                    retry_after=SECONDARY_LIMIT_WAIT if wait is None else wait)
        if status >= 500:
            self._state = UNREACHABLE
            raise GithubUnavailable(f"{method} {path}: GitHub answered {status}")
        self._state = OK
        if status >= 400:
            message = payload.get("message", "") if isinstance(payload, dict) else ""
            raise GithubRefused(f"{method} {path}: {status} {message}".strip())
        return status, payload, answer_headers.get("ETag")

    def _note_limit(self, headers: Any) -> None:
        """Keep when the rate limit resets once GitHub says none is left."""
        if headers.get("X-RateLimit-Remaining") == "0":
            self._reset_at = _seconds(headers.get("X-RateLimit-Reset"))
        elif headers.get("X-RateLimit-Remaining") is not None:
            self._reset_at = None

    async def pull(self, ref: GithubRef, *, etag: str | None = None) -> Fetched[PullRequest]:
        """The pull request (with its review state), or Fetched(None) when unchanged since `etag`."""
        status, data, new_etag = await self._call("GET", f"/repos/{ref.repo}/pulls/{ref.number}", etag=etag)
        if status == 304:
            return Fetched(None, etag)
        _, reviews, _ = await self._call("GET", f"/repos/{ref.repo}/pulls/{ref.number}/reviews")
        pairs = [((r.get("user") or {}).get("login", ""), r.get("state", "")) for r in reviews or []]
        _, commits, _ = await self._call("GET", f"/repos/{ref.repo}/pulls/{ref.number}/commits")
        messages = tuple(str((c.get("commit") or {}).get("message") or "") for c in commits or [])
        return Fetched(pull_from(ref, data, review=review_state(pairs), commit_messages=messages), new_etag)

    async def issue(self, ref: GithubRef, *, etag: str | None = None) -> Fetched[IssueState]:
        status, data, new_etag = await self._call("GET", f"/repos/{ref.repo}/issues/{ref.number}", etag=etag)
        if status == 304:
            return Fetched(None, etag)
        return Fetched(issue_from(ref.repo, data), new_etag)

    async def open_issue(self, repo: str, *, title: str, body: str) -> IssueState:
        _, data, _ = await self._call("POST", f"/repos/{repo}/issues", body={"title": title, "body": body})
        return issue_from(repo, data)

    async def contains(self, repo: str, *, commit: str, head: str) -> bool:
        """True when `head` (a tag, branch or commit) has `commit` in its history."""
        _, data, _ = await self._call("GET", f"/repos/{repo}/compare/{commit}...{head}")
        return isinstance(data, dict) and data.get("status") in ("ahead", "identical")


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
