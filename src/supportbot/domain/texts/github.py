"""What the GitHub link-up says: refusals of /pr and /issue, the card's PR and issue lines, history details,
the notices to the team."""

from __future__ import annotations

from supportbot.domain.github_links import LinkKind, parse_link
from supportbot.domain.tickets import Ticket

__all__ = [
    "GITHUB_ACTOR", "GITHUB_OFF", "PR_NOT_A_PULL", "PR_ISSUE_LINK", "PR_REPO_NOT_CONFIGURED", "ISSUE_QUEUED",
    "ISSUE_OPENED", "ISSUE_ALREADY", "ISSUE_UNDER_WAY", "ISSUE_ASKED_DETAIL", "ISSUE_TITLE", "ISSUE_WHICH_REPO", "ISSUE_NO_REPO", "ISSUE_REPO_NOT_CONFIGURED",
    "ISSUE_SECURITY", "ISSUE_FAILED", "ISSUE_BODY", "ISSUE_TRACKER_LINE", "PR_IN_REVIEW_DETAIL", "PR_MERGED_DETAIL",
    "PR_CLOSED_DETAIL", "PR_CLOSED_NOTICE", "ISSUE_CLOSED_DETAIL", "ISSUE_OPENED_DETAIL", "PR_LINKED_DETAIL",
    "DEPLOYED_SUGGESTION", "RELEASE_WHERE", "DEPLOYMENT_WHERE", "github_lines",
]

GITHUB_ACTOR = "GitHub ({login})"  # the actor of every change GitHub makes, in the history
GITHUB_OFF = "GitHub is not set up here: /issue needs a [github] section in the config."

PR_NOT_A_PULL = "{link} is not a pull request link (https://github.com/<org>/<repo>/pull/<number>)."
PR_ISSUE_LINK = "That is a GitHub issue, not a pull request: give the PR's link (/issue opens an issue from a ticket)."
PR_REPO_NOT_CONFIGURED = "{repo} is not a repository of any product here ({repos}); an admin adds it to github_repos."

ISSUE_QUEUED = "Opening a GitHub issue in {repo} for ticket #{number}; the team chat gets its link once GitHub answers."
ISSUE_OPENED = "🔗 GitHub issue {label} opened for ticket #{number}: {url}"
ISSUE_ALREADY = "Ticket #{number} already has a GitHub issue: {url}"
ISSUE_UNDER_WAY = "A GitHub issue for ticket #{number} is being opened already; the team chat gets its link."
ISSUE_ASKED_DETAIL = "asked in {repo}"
ISSUE_TITLE = "{title} (support #{number})"
ISSUE_WHICH_REPO = "Which repository? Ticket #{number}'s product has several: {repos}."
ISSUE_NO_REPO = "Ticket #{number} has no product with a GitHub repository; name one: /issue {number} <org/repo>."
ISSUE_REPO_NOT_CONFIGURED = "{repo} is not a repository of any product here ({repos})."
ISSUE_SECURITY = "Ticket #{number} is a security ticket: it is never copied to GitHub."
ISSUE_FAILED = "⚠️ GitHub did not open the issue for ticket #{number} in {repo}: {reason}"
ISSUE_BODY = "{body}\n\n---\nFrom support ticket #{number}.{tracker}"
ISSUE_TRACKER_LINE = " Status: {url}"

PR_LINKED_DETAIL = "linked from {label}"
PR_IN_REVIEW_DETAIL = "PR {label}"
PR_MERGED_DETAIL = "PR {label} merged by {login}"
PR_CLOSED_DETAIL = "PR {label} closed without merging"
PR_CLOSED_NOTICE = "PR {label} for ticket #{number} was closed without merging; the ticket is ⭕️ in progress again."
ISSUE_OPENED_DETAIL = "GitHub issue {label}: {url}"
ISSUE_CLOSED_DETAIL = "GitHub issue {label} closed"

DEPLOYED_SUGGESTION = "🚀 The fix for ticket #{number} ({label}) is in {where}. Resolve the ticket once it is done."
RELEASE_WHERE = "release {name}"
DEPLOYMENT_WHERE = "the {environment} deployment"


def github_lines(ticket: Ticket) -> list[str]:
    """The card's lines for linked PRs ('PR #1234 (open, in review): <link>') and GitHub issues."""
    lines = []
    for url in ticket.pr_links:
        ref, words = parse_link(url), ticket.github_links.get(url)
        lines.append(f"PR #{ref.number} ({words}): {url}" if ref and words else f"PR: {url}")
    for url, words in ticket.github_links.items():
        ref = parse_link(url)
        if ref is not None and ref.kind is LinkKind.ISSUE:
            lines.append(f"Issue #{ref.number} ({words}): {url}")
    return lines
