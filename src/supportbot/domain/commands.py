"""The commands a person can give the desk: their specs (name, usage, audience) and typed forms."""

from __future__ import annotations

from dataclasses import dataclass

from supportbot.domain.ticket_states import SUB_STATES, Priority, Resolution, Severity, Status
from supportbot.domain.tickets import DeskError

PERIODS = ("day", "week", "month", "quarter", "year")
DEFAULT_PERIOD = "week"


@dataclass(frozen=True)
class CommandSpec:
    name: str
    usage: str
    audience: str  # "anyone", "team" or "oncall"
    summary: str


_STATUS_USAGE = "<received|in_progress|fix_provided|resolved>"
_SUB_STATE_USAGE = "|".join(SUB_STATES)
COMMANDS: tuple[CommandSpec, ...] = tuple(CommandSpec(*row) for row in (
    ("report", "/report <text>", "anyone", "Open a ticket"),
    ("emergency", "/emergency <text>", "anyone", "Open an emergency ticket"),
    ("ticket", "/ticket [id]", "anyone", "Show a ticket: status, owner, deadlines"),
    ("tickets", "/tickets [product] [status]", "team", "List open tickets, oldest first"),
    ("status", f"/status <id> {_STATUS_USAGE} [{_SUB_STATE_USAGE}] [note]", "team",
     "Move a ticket to another status"),
    ("take", "/take <id>", "team", "Assign a ticket to yourself"),
    ("assign", "/assign <id> <person>", "team", "Assign a ticket to someone"),
    ("pr", "/pr <id> <url>", "team", "Attach a pull request"),
    ("issue", "/issue <id> [org/repo]", "team", "Open a GitHub issue from a ticket"),
    ("note", "/note <id> <text>", "team", "Add an internal note"),
    ("severity", "/severity <id> <emergency|normal>", "team", "Re-triage a ticket's severity"),
    ("priority", "/priority <id> <p1|p2|p3|p4>", "team", "Triage a ticket: p1 first"),
    ("product", "/product <id> <product>", "team", "Move a ticket to another product"),
    ("backlog", "/backlog [product]", "team", "Open tickets by priority, then age"),
    ("resolve", "/resolve <id> [fixed|answered|duplicate|not_an_issue [note]]", "team", "Resolve a ticket"),
    # Reporters may reopen their own tickets, so /help shows it to them too.
    ("reopen", "/reopen <id> [in_progress]", "anyone", "Reopen a resolved ticket"),
    ("oncall", "/oncall", "anyone", "Who is on call now, and until when"),
    ("handoff", "/handoff <person> [notes]", "oncall", "Hand your on-call shift over"),
    ("keep", "/keep <id>", "team", "Keep a ticket through a shift handoff"),
    ("faq", "/faq [key]", "anyone", "The FAQ's topics, or one answer"),
    ("stats", "/stats [product] [day|week|month|quarter|year]", "team", "Playbook metrics"),
    ("digest", "/digest [product]", "team", "The weekly digest, now"),
    ("dashboard", "/dashboard", "team", "Get a private sign-in link to the team board"),
    ("help", "/help", "anyone", "What you can do here"),
))  # fmt: skip
_SPECS = {spec.name: spec for spec in COMMANDS}
# Telegram sends /start when someone first opens a private chat with the bot.
ALIASES = {"start": "help"}
REPORT_COMMANDS = frozenset({"report", "emergency"})  # a secret in these is redacted into a private ticket
SECRET_REFUSED = "That seemed to contain a secret (seed phrase or private key), so it was not run."


def usage_for(name: str) -> str:
    """The usage line of a command, e.g. '/take <id>'."""
    return _SPECS[ALIASES.get(name, name)].usage


class CommandError(DeskError):
    """A malformed or unknown command: a one-line reason plus the usage."""

    def __init__(self, reason: str, usage: str) -> None:
        super().__init__(f"{reason} Usage: {usage}")
        self.reason = reason
        self.usage = usage


# --- the commands ---------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    """Something a person asked the desk to do."""


@dataclass(frozen=True)
class Report(Command):
    text: str


@dataclass(frozen=True)
class DeclareEmergency(Command):
    text: str


@dataclass(frozen=True)
class ShowTicket(Command):
    number: int | None


@dataclass(frozen=True)
class ListTickets(Command):
    product: str | None
    status: Status | None


@dataclass(frozen=True)
class SetStatus(Command):
    number: int
    status: Status
    note: str
    sub_state: str | None = None  # a SUB_STATES key, only with in_progress


@dataclass(frozen=True)
class Take(Command):
    number: int


@dataclass(frozen=True)
class Assign(Command):
    number: int
    person: str


@dataclass(frozen=True)
class AttachPR(Command):
    number: int
    url: str


@dataclass(frozen=True)
class OpenIssue(Command):
    """/issue: a GitHub issue made from the ticket, in `repo` or its product's repository."""

    number: int
    repo: str | None = None


@dataclass(frozen=True)
class AddNote(Command):
    number: int
    text: str


@dataclass(frozen=True)
class SetSeverity(Command):
    number: int
    severity: Severity


@dataclass(frozen=True)
class SetPriority(Command):
    number: int
    priority: Priority


@dataclass(frozen=True)
class SetProduct(Command):
    number: int
    product: str  # a product key, checked against config by the desk


@dataclass(frozen=True)
class ShowBacklog(Command):
    product: str | None


@dataclass(frozen=True)
class Resolve(Command):
    number: int
    reason: Resolution | None
    note: str


@dataclass(frozen=True)
class Reopen(Command):
    number: int
    to: Status = Status.RECEIVED


@dataclass(frozen=True)
class ShowOnCall(Command):
    pass


@dataclass(frozen=True)
class Handoff(Command):
    person: str
    notes: str


@dataclass(frozen=True)
class Keep(Command):
    number: int


@dataclass(frozen=True)
class Faq(Command):
    key: str | None  # None lists the topics


@dataclass(frozen=True)
class ShowStats(Command):
    product: str | None
    period: str = DEFAULT_PERIOD


@dataclass(frozen=True)
class ShowDigest(Command):
    """/digest: the weekly digest (figures, breaches, untriaged tickets, chart) for the week so far."""

    product: str | None = None


@dataclass(frozen=True)
class SendBoardLink(Command):
    """/dashboard: a one-time sign-in link to the team board, sent privately."""


@dataclass(frozen=True)
class ShowHelp(Command):
    pass
