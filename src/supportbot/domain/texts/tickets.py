"""What reporters and the team read about tickets: answers to commands and buttons, cards, lists, notices."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from supportbot.domain.texts.feedback import button_label_of, sub_state_words
from supportbot.domain.texts.github import github_lines
from supportbot.domain.texts.intake import report_start
from supportbot.domain.ticket_states import Resolution, Severity, Status
from supportbot.domain.tickets import MAX_TICKET_NUMBER, Ticket

MAX_TITLE = 80
BOT_ACTOR = "supportbot"  # who the history names for what the bot did on its own

BUTTON_LABELS = {
    "take": "✋ Take",
    "in_progress": "⭕️ In progress",
    "fix_provided": "🟡 Fix provided",
    "resolved": "🟢 Resolved",
}
BUTTON_ACTIONS = tuple(BUTTON_LABELS)


def button_label(action: str) -> str | None:
    """The label of a card button or of a reporter's button (texts.feedback); None for no button."""
    return BUTTON_LABELS.get(action) or button_label_of(action)


def button_target(number: str, action: str) -> tuple[int, str] | None:
    """(ticket number, action) of a card button from the parts a client sent back, or None.

    Button data returns from the client, so it is checked like any user input."""
    if not number.isascii() or not number.isdigit() or len(number) > 10:
        return None
    ticket = int(number)
    if not 1 <= ticket <= MAX_TICKET_NUMBER or button_label(action) is None:
        return None
    return ticket, action

NOT_A_TEAM_MEMBER = "Only the support team can do that."
TEAM_ONLY_CHANGE = "Only the {team} team can change ticket #{number}."
UNKNOWN_PERSON = "I don't know anyone called {name!r}. Team members: {names}."
NO_PRODUCT = "There is no product {key!r}. Products: {keys}."
NOTHING_OPEN = "No open tickets{where}."
NOT_AVAILABLE_HERE = "That command is not available here."
NOT_A_TICKET_CHANGE = "That command does not change a ticket."
NO_ROTATION = "No on-call rotation is configured."
NOT_AN_ONCALL_COMMAND = "That is not an on-call command."
PRIVATE_HINT = "To report a problem, send /report followed by a description. /help lists what you can do."
BUTTON_INVALID = "That button is no longer valid."
BUTTON_ALREADY_HANDLED = "That press was already handled."

# Answers to ticket commands and buttons.
OPEN_NOT_HERE = "Tickets are opened from a support channel or a private chat, not from here."
TICKET_OPENED = "Ticket #{number} opened."
REOPEN_REFUSED = "Only the team or the reporter can reopen ticket #{number}."
REOPENED = "{marker}: reopened by {actor}."
TAKEN = "✋ Ticket #{number} taken by {actor}."
ASSIGNED = "👤 Ticket #{number} assigned to {person} (by {actor})."
PR_ATTACHED = "🔗 PR attached to ticket #{number}: {url}"
PR_ALREADY_ATTACHED = "That PR is already attached to ticket #{number}."
NOTE_ADDED = "📝 Note added to ticket #{number} (internal)."
SEVERITY_UNCHANGED = "Ticket #{number} is already {severity}."
SEVERITY_CHANGED = "Ticket #{number} is now {severity} (by {actor})."

# /ticket, /tickets, /help and /faq.
NO_TICKETS_OF_YOURS = "You have no tickets. Describe a problem with /report <text>."
YOUR_TICKETS = "Your tickets:\n{rows}"
LIST_TRUNCATED = "… and more; narrow with /tickets <product> <status>."
REPORTED_BY = "Reported by {name} on {platform}, {when}"
FIRST_RESPONSE_AT = "First response: {when}"
NEXT_ESCALATION_AT = "Next escalation ({kind}): {when}"
HISTORY_HEAD = "History:"
# History details the bot writes (shown by /ticket).
CREATED_DETAIL = "{severity} ticket from {platform}"
SECURITY_CREATED_DETAIL = "private security ticket ({why})"
SECRETS_REDACTED = "secrets redacted: {kinds}"
SECURITY_WORDING = "security wording"
EDIT_EXPOSED_SECRET = "edit exposed a secret"
HELP_INTRO = "Describe a problem in a product's support channel and I open a ticket.\n"
HELP_TEAM_HEAD = "Team commands:"
HELP_ANYONE_HEAD = "You can use:"
HELP_LINE = "{usage} — {summary}"
NO_FAQ_ENTRY = "No FAQ entry {key!r}. Known keys: {known}."
NO_FAQ_KEYS = "none configured"

START_TEXT = (
    "Hi! I turn support requests into tickets.\n"
    "To report a problem, post it in the support channel of the product it concerns, or send /report "
    "followed by a description. Please say where you found the issue, what happened step by step, the "
    "affected account (0x address), screenshots if relevant, and your device and browser or wallet.\n"
    "For something that cannot wait, use /emergency. Never share a seed phrase or private key: no one "
    "from the team will ever ask for it.\n"
    "/ticket lists your tickets; /ticket <number> shows one."
)

SECURITY_REPLY = (
    "🛡 This looks like a security matter, so it must not be discussed here. Please report it privately: "
    "{url} — the security team has been told."
)
SECRET_REPLY = (
    "🛡 Your message seemed to contain a secret (seed phrase or private key) and has been removed where "
    "possible. Treat that wallet as compromised and move your funds to a new one. Never share these with "
    "anyone, including the team. To report a security issue, use {url}."
)
SECRET_PUBLIC_REPLY = (
    "🛡 A message here was removed because it looked like it contained a secret. "
    "Security reports go through {url}."
)
SECURITY_EMERGENCY_REPLY = (
    "🛡 Received. The security team and the on-call engineers have been alerted and are handling this "
    "privately, so it was taken out of this channel. Please share no details here; anything more goes "
    "through {url}."
)
SECURITY_TICKET_PRIVATE = (
    "Ticket #{number} is a security ticket: ask for it in a private chat with me, or in the security chat."
)
SECURITY_LIST_TITLE = "🛡 security ticket, handled privately"
SECRET_IN_COMMAND = (
    "🛡 That command seemed to contain a secret (seed phrase or private key), so it was not run and "
    "nothing of it was kept. Delete your message if you can, and treat that wallet as compromised."
)
SECRET_IN_PRIVATE = (
    "🛡 That message seemed to contain a secret (seed phrase or private key); it was not kept. Delete it, "
    "treat that wallet as compromised and move your funds to a new one. No one from the team will ever ask "
    "for it. To report a problem, send /report followed by a description without the secret."
)
DELETE_FAILED = "⚠️ Could not delete message {message_id} in chat {chat_id} that exposed a secret: {reason}"


def marker_line(ticket: Ticket) -> str:
    """'🔴 Ticket #12 received' style headline ('⭕️ Ticket #12 in progress · PR in review' with a sub-state)."""
    return f"{ticket.status.marker} Ticket #{ticket.number} {status_words(ticket)}"


def status_words(ticket: Ticket) -> str:
    """'in progress · PR in review': the status' label, and the sub-state while in progress."""
    if ticket.status is Status.IN_PROGRESS and ticket.sub_state:
        return f"{ticket.status.label} · {sub_state_words(ticket.sub_state)}"
    return ticket.status.label


def severity_words(severity: Severity) -> str:
    """'🚨 emergency' or '🐛 normal'."""
    return f"{severity.icon} {severity.value}"


def checklist(missing: Sequence[str]) -> str:
    """The list of what the team still needs from the reporter."""
    if not missing:
        return ""
    return "To help us, please add:\n" + "\n".join(f"• {item}" for item in missing)


def card_text(
    ticket: Ticket, *, product_name: str | None, due: str | None = None, back_at: str | None = None,
) -> str:
    """The ticket card: headline with its marker, product, severity, owner, PRs, and what is due."""
    lines = [f"{marker_line(ticket)} — {product_name or 'no product'} · {severity_words(ticket.severity)}"]
    if ticket.priority:
        lines[0] += f" · {ticket.priority.label}"
    if ticket.security:
        lines[0] += " · 🛡 security"
    lines.append(ticket.title)
    if ticket.assignee:
        lines.append(f"Assigned to {ticket.assignee}")
    lines.extend(github_lines(ticket))  # "PR #1234 (open, in review): <link>", GitHub issues
    if ticket.status is Status.RESOLVED and ticket.resolution:
        lines.append(f"Resolution: {resolution_words(ticket.resolution)}")
    elif ticket.status is Status.RECEIVED and ticket.missing:
        lines.append(checklist(ticket.missing))
    if back_at and ticket.status is not Status.RESOLVED:
        lines.append(f"The team is away now and back {back_at}.")
    if due and ticket.first_response_at is None and ticket.status is not Status.RESOLVED:
        lines.append(f"First response due by {due}.")
    return "\n".join(lines)


def resolution_words(resolution: Resolution) -> str:
    """'not an issue' from not_an_issue."""
    return resolution.value.replace("_", " ")


def moved(ticket: Ticket, actor: str) -> str:
    """Reply after a status change."""
    text = f"{marker_line(ticket)} (by {actor})."
    if ticket.status is Status.RESOLVED and ticket.resolution:
        text = f"{marker_line(ticket)} as {resolution_words(ticket.resolution)} (by {actor})."
    return text


def history_line(when: str, actor: str, kind: str, detail: str) -> str:
    """One line of the ticket history: when (already in local time), who, what."""
    return f"{when} · {actor} · {kind}" + (f": {detail}" if detail else "")


def ticket_list(rows: Iterable[str], where: str) -> str:
    """A heading and one line per ticket, or the 'nothing open' line."""
    rows = list(rows)
    if not rows:
        return NOTHING_OPEN.format(where=where)
    return f"Open tickets{where} (oldest first):\n" + "\n".join(rows)


def list_row(ticket: Ticket, *, age: str, shared: bool = False) -> str:
    """One ticket in a list: marker, number, severity, priority (once triaged), product, owner, title.

    In a chat others read (`shared`), a security ticket shows no title."""
    who = f" · {ticket.assignee}" if ticket.assignee else ""
    if ticket.status is Status.IN_PROGRESS and ticket.sub_state:  # what it waits on: '· PR in review'
        who = f" · {sub_state_words(ticket.sub_state)}{who}"
    priority = f" {ticket.priority.label}" if ticket.priority else ""
    title = SECURITY_LIST_TITLE if shared and ticket.security else ticket.title
    return (
        f"{ticket.status.marker} #{ticket.number} {ticket.severity.icon}{priority} [{ticket.product or '-'}] "
        f"{title}{who} · {age}"
    )


def new_emergency_notice(ticket: Ticket, product_name: str | None) -> str:
    """What the team chat sees when an emergency opens: the tag line follows as mentions."""
    return f"🚨 Emergency #{ticket.number} ({product_name or 'no product'}): {ticket.title}"


def new_ticket_notice(ticket: Ticket, product_name: str | None, owners: Sequence[str]) -> str:
    """What the team chat sees when a normal ticket opens: the owner is named, not tagged."""
    who = ", ".join(owners) if owners else "no owner configured"
    return f"🐛 New ticket #{ticket.number} for {product_name or 'no product'} (owner: {who}): {ticket.title}"


def security_notice(ticket: Ticket, secrets: Sequence[str]) -> str:
    """What the security chat sees for a private ticket (an emergency says so first); a long report is quoted
    in part, /ticket shows it whole."""
    found = f" Secrets found and redacted: {', '.join(secrets)}." if secrets else ""
    urgent = "🚨 Security emergency: " if ticket.severity is Severity.EMERGENCY else ""
    return (
        f"{urgent}🛡 Private security ticket #{ticket.number} from {ticket.reporter_name} "
        f"({ticket.source_platform}).{found}\n{report_start(ticket.body, ticket.number)}"
    )


def security_emergency_notice(ticket: Ticket, *, on_call: Sequence[str], security: Sequence[str]) -> str:
    """What the team chat sees of a security emergency: who is tagged, never what it is about."""
    who = [f"{name} (on call)" for name in on_call] + [f"{name} (security team)" for name in security]
    return (f"🚨🛡 Security emergency #{ticket.number}: tagged {', '.join(who) or 'nobody'}; "
            f"details in the security chat.")
