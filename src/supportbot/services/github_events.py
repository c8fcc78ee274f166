"""GitHub's webhook deliveries, once their signature is checked: which event does what to the tickets.

pull_request (opened, ready for review, closed, reopened...) and issues (closed, reopened) carry the item's
state, so the change is the same as polling would find; release (published) and deployment_status (success)
queue a check of whether they contain a 🟡 ticket's merge commit. Each ticket's change records the delivery's
id in its own transaction: a delivery GitHub sends again changes nothing."""

from __future__ import annotations

import logging
from typing import Any

from supportbot.domain import texts
from supportbot.domain.github_links import GithubRef, issue_from, pull_from
from supportbot.services import github_sync
from supportbot.services.context import Deps
from supportbot.services.github_sync import GithubPlan

log = logging.getLogger(__name__)

PULL_ACTIONS = frozenset({"opened", "reopened", "ready_for_review", "converted_to_draft", "closed", "edited",
                          "synchronize"})
# New commits (or a new PR) may name a ticket in their messages, which the delivery does not carry.
NEW_COMMITS = frozenset({"opened", "reopened", "ready_for_review", "synchronize"})
ISSUE_ACTIONS = frozenset({"closed", "reopened"})


async def on_delivery(deps: Deps, plan: GithubPlan, *, event: str, delivery: str, payload: dict[str, Any]) -> str:
    """Handle one delivery; what was done, in a few words (the webhook answers it, the log keeps it)."""
    repo = str((payload.get("repository") or {}).get("full_name") or "")
    configured = plan.configured(repo) if repo else None
    if configured is None:
        return f"ignored: {repo or 'no repository'} is not configured"
    action = str(payload.get("action") or "")
    login = (payload.get("sender") or {}).get("login")
    if event == "pull_request" and action in PULL_ACTIONS and isinstance(payload.get("pull_request"), dict):
        data = payload["pull_request"]
        pr = pull_from(GithubRef(configured, int(data.get("number") or payload.get("number") or 0)), data)
        changed = await github_sync.observe_pull(deps, pr, login=login, delivery=delivery)
        if action in NEW_COMMITS and await github_sync.discover(deps, pr, delivery=delivery):
            return f"pull request {pr.ref.label} {action}: its commits are fetched"
        return f"pull request {pr.ref.label} {action}: {changed} ticket(s) moved"
    if event == "issues" and action in ISSUE_ACTIONS and isinstance(payload.get("issue"), dict):
        if "pull_request" in payload["issue"]:  # GitHub sends PRs as issues too; the pull_request event has them
            return "ignored: a pull request's issue event"
        issue = issue_from(configured, payload["issue"])
        changed = await github_sync.observe_issue(deps, issue, login=login, delivery=delivery)
        return f"issue {issue.ref.label} {action}: {changed} ticket(s) resolved"
    if event == "release" and action == "published" and isinstance(payload.get("release"), dict):
        release = payload["release"]
        tag = str(release.get("tag_name") or "")
        where = texts.RELEASE_WHERE.format(name=release.get("name") or tag)
        checks = await github_sync.deployed(deps, configured, head=tag, where=where, delivery=delivery)
        return f"release {tag}: {checks} ticket(s) to check"
    if event == "deployment_status" and isinstance(payload.get("deployment_status"), dict):
        if payload["deployment_status"].get("state") != "success":
            return "ignored: deployment not successful"
        deployment = payload.get("deployment") or {}
        where = texts.DEPLOYMENT_WHERE.format(environment=deployment.get("environment") or "new")
        checks = await github_sync.deployed(deps, configured, head=str(deployment.get("sha") or ""), where=where,
                                            delivery=delivery)
        return f"deployment: {checks} ticket(s) to check"
    return f"ignored: {event} {action}".strip()

