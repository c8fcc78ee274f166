"""A local fake of GitHub's REST API, answering as the real one does for the calls the desk makes:

GET /repos/{o}/{r}/pulls/{n}, /pulls/{n}/reviews and /pulls/{n}/commits, GET and POST /repos/{o}/{r}/issues[/{n}],
GET /repos/{o}/{r}/compare/{base}...{head}; an ETag on every GET and 304 for If-None-Match with the current
one (not counted against the rate limit); X-RateLimit-Limit/Remaining/Reset on every answer; 403 with
X-RateLimit-Remaining: 0 once the limit is spent, or 429 with Retry-After (a secondary limit); any status
on demand (`fail_with`, e.g. 502) while GitHub is "down"; 404 for what does not exist; 401 for a wrong token.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer


@dataclass
class FakeGithub:
    """GitHub's state: pull requests, reviews, issues, which commits each ref holds, the rate limit."""

    token: str | None = None  # when set, other tokens get 401
    limit: int = 5000
    remaining: int = 5000
    reset_at: int = 2_000_000_000  # epoch seconds of the limit's reset
    fail_with: int | None = None  # answer this status to everything (502: GitHub down)
    secondary_retry_after: int | None = None  # answer 429 with this Retry-After (secondary limit)
    hang: asyncio.Event | None = None  # when set: no answer until the event is set (GitHub slow)
    pulls: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    reviews: dict[tuple[str, int], list[dict[str, Any]]] = field(default_factory=dict)
    issues: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    commits: dict[tuple[str, int], list[dict[str, Any]]] = field(default_factory=dict)
    contains: set[tuple[str, str, str]] = field(default_factory=set)  # (repo, head, commit): head has commit
    requests: list[tuple[str, str, int]] = field(default_factory=list)  # (method, path, status) answered
    next_number: int = 100

    # --- setting GitHub up, as people acting on it would ---

    def add_pull(self, repo: str, number: int, *, title: str = "Fix it", body: str = "", author: str = "dana",
                 draft: bool = False, association: str = "MEMBER", commits: tuple[str, ...] = ("Fix it",),
                 ) -> dict[str, Any]:
        pull = {"number": number, "title": title, "body": body, "state": "open", "draft": draft, "merged": False,
                "merged_at": None, "merged_by": None, "merge_commit_sha": None, "user": {"login": author},
                "author_association": association, "html_url": f"https://github.com/{repo}/pull/{number}",
                "head": {"sha": f"head{number:036d}"}}
        self.pulls[(repo.lower(), number)] = pull
        self.commits[(repo.lower(), number)] = [
            {"sha": f"{i:040d}", "commit": {"message": message, "author": {"name": author}}}
            for i, message in enumerate(commits)]
        return pull

    def review(self, repo: str, number: int, who: str, state: str) -> None:
        self.reviews.setdefault((repo.lower(), number), []).append({"user": {"login": who}, "state": state})

    def merge(self, repo: str, number: int, *, by: str = "erin", sha: str = "m" * 40) -> None:
        self.pulls[(repo.lower(), number)].update(state="closed", merged=True, merged_at="2026-12-07T10:00:00Z",
                                                  merged_by={"login": by}, merge_commit_sha=sha)

    def close(self, repo: str, number: int) -> None:
        self.pulls[(repo.lower(), number)].update(state="closed")

    def close_issue(self, repo: str, number: int, *, by: str = "erin") -> None:
        self.issues[(repo.lower(), number)].update(state="closed", closed_by={"login": by})

    # --- the API ---

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._gate])
        app.router.add_get("/repos/{owner}/{name}/pulls/{number:[0-9]+}", self._get_pull)
        app.router.add_get("/repos/{owner}/{name}/pulls/{number:[0-9]+}/reviews", self._get_reviews)
        app.router.add_get("/repos/{owner}/{name}/pulls/{number:[0-9]+}/commits", self._get_commits)
        app.router.add_get("/repos/{owner}/{name}/issues/{number:[0-9]+}", self._get_issue)
        app.router.add_post("/repos/{owner}/{name}/issues", self._post_issue)
        app.router.add_get("/repos/{owner}/{name}/compare/{spec}", self._compare)
        return app

    def _limit_headers(self) -> dict[str, str]:
        return {"X-RateLimit-Limit": str(self.limit), "X-RateLimit-Remaining": str(max(self.remaining, 0)),
                "X-RateLimit-Reset": str(self.reset_at), "X-RateLimit-Resource": "core"}

    @web.middleware
    async def _gate(self, request: web.Request, handler: Any) -> web.StreamResponse:
        response = await self._answer(request, handler)
        self.requests.append((request.method, request.path, response.status))
        return response

    async def _answer(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if self.hang is not None:
            await self.hang.wait()
        if self.fail_with is not None:
            return web.json_response({"message": "Server Error"}, status=self.fail_with)
        if self.token is not None and request.headers.get("Authorization") != f"Bearer {self.token}":
            return web.json_response({"message": "Bad credentials"}, status=401, headers=self._limit_headers())
        if self.secondary_retry_after is not None:
            return web.json_response({"message": "You have exceeded a secondary rate limit."}, status=429,
                                     headers={**self._limit_headers(), "Retry-After": str(self.secondary_retry_after)})
        if self.remaining <= 0:
            return web.json_response({"message": "API rate limit exceeded"}, status=403, headers=self._limit_headers())
        try:
            response = await handler(request)
        except web.HTTPNotFound:
            self.remaining -= 1
            return web.json_response({"message": "Not Found"}, status=404, headers=self._limit_headers())
        if response.status != 304:  # a conditional request answered 304 costs nothing
            self.remaining -= 1
        response.headers.update(self._limit_headers())
        return response

    @staticmethod
    def _json(request: web.Request, value: Any, status: int = 200) -> web.Response:
        body = json.dumps(value, sort_keys=True)
        etag = f'"{hashlib.sha256(body.encode()).hexdigest()[:32]}"'
        if request.method == "GET" and request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(text=body, status=status, content_type="application/json", headers={"ETag": etag})

    @staticmethod
    def _key(request: web.Request) -> tuple[str, int]:
        info = request.match_info
        return f"{info['owner']}/{info['name']}".lower(), int(info.get("number", 0))

    async def _get_pull(self, request: web.Request) -> web.Response:
        pull = self.pulls.get(self._key(request))
        if pull is None:
            raise web.HTTPNotFound()
        return self._json(request, pull)

    async def _get_reviews(self, request: web.Request) -> web.Response:
        if self._key(request) not in self.pulls:
            raise web.HTTPNotFound()
        return self._json(request, self.reviews.get(self._key(request), []))

    async def _get_commits(self, request: web.Request) -> web.Response:
        if self._key(request) not in self.pulls:
            raise web.HTTPNotFound()
        return self._json(request, self.commits.get(self._key(request), []))

    async def _get_issue(self, request: web.Request) -> web.Response:
        issue = self.issues.get(self._key(request))
        if issue is None:
            raise web.HTTPNotFound()
        return self._json(request, issue)

    async def _post_issue(self, request: web.Request) -> web.Response:
        data = await request.json()
        if not data.get("title"):
            return web.json_response({"message": "Validation Failed"}, status=422)
        repo = f"{request.match_info['owner']}/{request.match_info['name']}"
        number = self.next_number
        self.next_number += 1
        issue = {"number": number, "title": data["title"], "body": data.get("body", ""), "state": "open",
                 "closed_by": None, "html_url": f"https://github.com/{repo}/issues/{number}"}
        self.issues[(repo.lower(), number)] = issue
        return self._json(request, issue, status=201)

    async def _compare(self, request: web.Request) -> web.Response:
        base, _, head = request.match_info["spec"].partition("...")
        repo = f"{request.match_info['owner']}/{request.match_info['name']}".lower()
        held = base == head or (repo, head, base) in self.contains
        status = "identical" if base == head else "ahead" if held else "diverged"
        return self._json(request, {"status": status, "ahead_by": int(held), "behind_by": 0 if held else 1})


@asynccontextmanager
async def serving(fake: FakeGithub) -> AsyncIterator[str]:
    """The fake on a free local port, in the caller's event loop; yields its base URL."""
    server = TestServer(fake.app())
    await server.start_server()
    try:
        yield str(server.make_url("")).rstrip("/")
    finally:
        await server.close()
