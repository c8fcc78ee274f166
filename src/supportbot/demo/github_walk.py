"""The demo's GitHub: a stand-in for GitHub's REST API (it opens the issue /issue asks for and answers for
the pull requests /pr links) and the webhook deliveries GitHub would send, signed with the run's secret and
posted to the bot's own web server, so a ticket moves from what happens on GitHub alone."""

from __future__ import annotations

import itertools
import json
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

import aiohttp

from supportbot.domain.github_links import GithubRef, IssueState, LinkKind, PullRequest, PullState, pull_url
from supportbot.services.github_ports import Fetched
from supportbot.web.github_webhook import PATH, signature

DEMO_REPO = "kleros/kleros-v2"
# GitHub's people in the demo: the engineer who opens and merges the fix, the one who closes the issue.
AUTHOR, MERGER = "alice-dev", "bob-dev"
FIRST_ISSUE = 41


class StandInGithub:
    """Answers the desk's GitHub calls as GitHub would, from what the demo did there (no network): a pull
    request the script only linked with /pr is merged (its ticket was fixed by hand); an issue it is asked to
    open gets the next number."""

    def __init__(self) -> None:
        self.pulls: dict[int, dict[str, Any]] = {}
        self.issues: dict[int, dict[str, Any]] = {}
        self._numbers = itertools.count(FIRST_ISSUE)

    async def pull(self, ref: GithubRef, *, etag: str | None = None) -> Fetched[PullRequest]:
        data = self.pulls.get(ref.number)
        state = PullState.OPEN if data and not data["merged"] else PullState.MERGED
        return Fetched(PullRequest(ref, str(data["title"]) if data else "", state, url=pull_url(ref)), None)

    async def issue(self, ref: GithubRef, *, etag: str | None = None) -> Fetched[IssueState]:
        data = self.issues.get(ref.number, {"state": "open"})
        return Fetched(IssueState(ref, str(data["state"]), _issue_url(ref.repo, ref.number)), None)

    async def open_issue(self, repo: str, *, title: str, body: str) -> IssueState:
        number = next(self._numbers)
        self.issues[number] = {"number": number, "title": title, "body": body, "state": "open",
                               "html_url": _issue_url(repo, number)}
        return IssueState(GithubRef(repo, number, LinkKind.ISSUE), "open", _issue_url(repo, number))

    async def contains(self, repo: str, *, commit: str, head: str) -> bool:
        return True

    def state(self) -> str:
        return "ok"

    async def close(self) -> None:
        return None


def _issue_url(repo: str, number: int) -> str:
    return f"https://github.com/{repo}/issues/{number}"


@dataclass
class Deliveries:
    """GitHub's webhook: each delivery signed with the run's secret and posted to the web server at `url`."""

    github: StandInGithub
    url: str
    secret: str

    @staticmethod
    def new_secret() -> str:
        """A webhook secret for one run: nothing outside the run can sign a delivery it accepts."""
        return secrets.token_hex(32)

    async def play(self, line: str) -> str:
        """`/github pull_request opened 7 <body>`, `/github pull_request merged 7`, `/github issues closed 41`:
        post that delivery; the transcript's line for it."""
        _, event, action, number, *body = line.split(maxsplit=4)
        payload = self._payload(event, action, int(number), body[0] if body else "")
        data = json.dumps(payload).encode()
        headers = {"User-Agent": "GitHub-Hookshot/demo", "X-GitHub-Event": event, "X-GitHub-Delivery": str(uuid.uuid4()),
                   "X-Hub-Signature-256": signature(self.secret, data), "Content-Type": "application/json"}
        async with aiohttp.ClientSession() as session, \
                session.post(self.url + PATH, data=data, headers=headers) as response:
            answer = await response.json()
        merged = " (merged)" if action == "merged" else ""
        return (f"   GitHub → {event} {payload['action']}{merged} #{number}, signed: "
                f"{response.status} {answer.get('ok') or answer.get('error')}")

    def _payload(self, event: str, action: str, number: int, body: str) -> dict[str, Any]:
        repository = {"full_name": DEMO_REPO}
        if event == "pull_request":
            pull = self.github.pulls.setdefault(number, {
                "number": number, "title": body.split(". ")[0] or f"Pull request {number}", "body": body,
                "state": "open", "draft": False, "merged": False, "user": {"login": AUTHOR},
                "author_association": "MEMBER", "html_url": pull_url(GithubRef(DEMO_REPO, number))})
            if action == "merged":  # GitHub says "closed" with merged true
                action = "closed"
                pull.update(state="closed", merged=True, merged_by={"login": MERGER},
                            merge_commit_sha=secrets.token_hex(20))
            sender = MERGER if pull["merged"] else AUTHOR
            return {"action": action, "number": number, "pull_request": dict(pull), "repository": repository,
                    "sender": {"login": sender}}
        issue = self.github.issues.setdefault(number, {"number": number, "state": "open",
                                                       "html_url": _issue_url(DEMO_REPO, number)})
        issue["state"] = "closed" if action == "closed" else "open"
        return {"action": action, "issue": dict(issue), "repository": repository, "sender": {"login": MERGER}}
