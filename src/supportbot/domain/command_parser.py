"""The command grammar: chat text such as "/status 12 🟡 deployed" into typed commands."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TypeVar

from supportbot.domain.command_args import Args, echo
from supportbot.domain.commands import (
    ALIASES,
    DEFAULT_PERIOD,
    PERIODS,
    REPORT_COMMANDS,
    SECRET_REFUSED,
    AddNote,
    Assign,
    AttachPR,
    Command,
    CommandError,
    DeclareEmergency,
    Faq,
    Handoff,
    Keep,
    ListTickets,
    OpenIssue,
    Reopen,
    Report,
    Resolve,
    SendBoardLink,
    SetPriority,
    SetProduct,
    SetSeverity,
    SetStatus,
    ShowBacklog,
    ShowDigest,
    ShowHelp,
    ShowOnCall,
    ShowStats,
    ShowTicket,
    Take,
    usage_for,
)
from supportbot.domain.github_links import LinkKind, parse_link
from supportbot.domain.secret_detection import find_secrets
from supportbot.domain.texts.github import PR_ISSUE_LINK, PR_NOT_A_PULL
from supportbot.domain.ticket_states import SUB_STATES, Priority, Resolution, Severity, Status
from supportbot.domain.tickets import REOPEN_TO

T = TypeVar("T")


# --- words ----------------------------------------------------------------------

# Phrases of up to three words, written with "_" and without emoji variation selectors.
_STATUS_WORDS: dict[str, Status] = {
    "received": Status.RECEIVED, "🔴": Status.RECEIVED,
    "in_progress": Status.IN_PROGRESS, "inprogress": Status.IN_PROGRESS,
    "progress": Status.IN_PROGRESS, "wip": Status.IN_PROGRESS, "⭕": Status.IN_PROGRESS,
    "fix_provided": Status.FIX_PROVIDED, "fixprovided": Status.FIX_PROVIDED,
    "fix": Status.FIX_PROVIDED, "🟡": Status.FIX_PROVIDED,
    "resolved": Status.RESOLVED, "🟢": Status.RESOLVED,
}  # fmt: skip
_SEVERITY_WORDS: dict[str, Severity] = {
    "emergency": Severity.EMERGENCY, "🚨": Severity.EMERGENCY,
    "normal": Severity.NORMAL, "🐛": Severity.NORMAL,
}  # fmt: skip
_RESOLUTION_WORDS: dict[str, Resolution] = {
    "fixed": Resolution.FIXED, "answered": Resolution.ANSWERED,
    "duplicate": Resolution.DUPLICATE, "dup": Resolution.DUPLICATE, "dupe": Resolution.DUPLICATE,
    "not_an_issue": Resolution.NOT_AN_ISSUE, "notanissue": Resolution.NOT_AN_ISSUE,
}  # fmt: skip
_PRIORITY_WORDS: dict[str, Priority] = {p.value: p for p in Priority}
_SUB_STATE_WORDS: dict[str, str] = {key: key for key in SUB_STATES} | {
    "review": "pr_review", "in_review": "pr_review", "pr_in_review": "pr_review", "deploy": "deploying",
    "investigation": "investigating", "waiting": "waiting_reporter", "waiting_for_reporter": "waiting_reporter",
}  # fmt: skip
_PERIOD_WORDS: dict[str, str] = {p: p for p in PERIODS} | {
    "daily": "day", "weekly": "week", "monthly": "month", "quarterly": "quarter", "yearly": "year",
}  # fmt: skip

_HEAD = re.compile(r"/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]{1,64}))?(?=\s|$)")
_URL = re.compile(r"https?://[^\s/?#]+(?:[/?#]\S*)?", re.IGNORECASE)
_REPO = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")


# --- one parser per command ---------------------------------------------------------


def _product_and(a: Args, table: Mapping[str, T], what: str) -> tuple[str | None, T | None]:
    """An optional product and an optional word from `table`, in either order."""
    product: str | None = None
    found: T | None = None
    while a.raw:
        value = a.word(table)
        if value is not None and found is None:
            found = value
        elif value is None and product is None:
            product = a.pop().lower()
        else:
            raise a.fail(f"Give at most one product and one {what}.")
    return product, found


def _stats(a: Args) -> Command:
    product, period = _product_and(a, _PERIOD_WORDS, "period")
    return ShowStats(product, DEFAULT_PERIOD if period is None else period)


def _attach_pr(a: Args) -> Command:
    number = a.number()
    url = a.pop() if a.raw else ""
    # Discord users wrap links in <...> to suppress the preview.
    if url.startswith("<") and url.endswith(">"):
        url = url[1:-1]
    if not url:
        raise a.fail("Give the pull request's link.")
    if not _URL.fullmatch(url):
        raise a.fail(f"{echo(url)} is not an http(s) link.")
    ref = parse_link(url)  # only pull requests: an issue or any other link is refused, GitHub linked or not
    if ref is not None and ref.kind is LinkKind.ISSUE:
        raise a.fail(PR_ISSUE_LINK)
    if ref is None:
        raise a.fail(PR_NOT_A_PULL.format(link=echo(url)))
    return a.done(AttachPR(number, url))


def _open_issue(a: Args) -> Command:
    number = a.number()
    repo = a.pop() if a.raw else None
    if repo is not None and not _REPO.fullmatch(repo):
        raise a.fail(f"{echo(repo)} is not a repository (org/repo).")
    return a.done(OpenIssue(number, repo))


def _status(a: Args) -> Command:
    """A sub-state word may follow in_progress: "/status 12 in_progress pr_review"."""
    number, status = a.number(), a.required(_STATUS_WORDS, "a status")
    sub_state = a.word(_SUB_STATE_WORDS) if status is Status.IN_PROGRESS else None
    return SetStatus(number, status, a.rest(), sub_state)


def _product_word(a: Args) -> str | None:
    return a.pop().lower() if a.raw else None


def _resolve(a: Args) -> Command:
    """A note only after a reason, so "/resolve 3 wontfix" cannot pass for a fix with a note."""
    number, given, reason = a.number(), bool(a.raw), a.word(_RESOLUTION_WORDS)
    if given and reason is None:
        raise a.fail("Start the note with a reason: fixed, answered, duplicate or not_an_issue.")
    return Resolve(number, reason, a.rest())


def _reopen(a: Args) -> Command:
    number = a.number()
    to = a.word(_STATUS_WORDS) if a.raw else Status.RECEIVED
    if to not in REOPEN_TO:
        raise a.fail("A ticket reopens as received or in_progress.")
    return a.done(Reopen(number, to))


_PARSERS: dict[str, Callable[[Args], Command]] = {
    "report": lambda a: Report(a.text("a description of the problem")),
    "emergency": lambda a: DeclareEmergency(a.text("a description of the emergency")),
    "ticket": lambda a: a.done(ShowTicket(a.number_or_none())),
    "tickets": lambda a: ListTickets(*_product_and(a, _STATUS_WORDS, "status")),
    "status": _status,
    "take": lambda a: a.done(Take(a.number())),
    "assign": lambda a: a.done(Assign(a.number(), a.word_or_fail("the person to assign"))),
    "pr": _attach_pr,
    "issue": _open_issue,
    "note": lambda a: AddNote(a.number(hash_only_on_reply=True), a.text("the note")),
    "severity": lambda a: a.done(SetSeverity(a.number(), a.required(_SEVERITY_WORDS, "a level"))),
    "priority": lambda a: a.done(SetPriority(a.number(), a.required(_PRIORITY_WORDS, "a priority (p1 to p4)"))),
    "product": lambda a: a.done(SetProduct(a.number(), a.word_or_fail("the product's key").lower())),
    "backlog": lambda a: a.done(ShowBacklog(_product_word(a))),
    "resolve": _resolve,
    "reopen": _reopen,
    "oncall": lambda a: a.done(ShowOnCall()),
    "handoff": lambda a: Handoff(a.word_or_fail("who takes the shift over"), a.rest()),
    "keep": lambda a: a.done(Keep(a.number())),
    "faq": lambda a: a.done(Faq(a.pop().lower() if a.raw else None)),
    "stats": _stats,
    "digest": lambda a: a.done(ShowDigest(_product_word(a))),
    "dashboard": lambda a: a.done(SendBoardLink()),
    "help": lambda a: a.done(ShowHelp()),
}


def parse_command(text: str, *, bot_username: str | None = None, reply_ticket: int | None = None) -> Command | None:
    """The command in the text, or None if it is none for this bot; CommandError if malformed."""
    text = text.lstrip()
    head = _HEAD.match(text)
    if head is None:
        return None
    name, addressee = head.group(1).lower(), head.group(2)
    if addressee and bot_username and addressee.lower() != bot_username.lstrip("@").lower():
        return None
    name = ALIASES.get(name, name)
    parser = _PARSERS.get(name)
    if parser is None:
        raise CommandError(f"Unknown command /{head.group(1)}.", usage_for("help"))
    if name not in REPORT_COMMANDS and find_secrets(text):
        raise CommandError(SECRET_REFUSED, usage_for(name))  # quoting none of it
    return parser(Args(name, text[head.end() :], reply_ticket))
