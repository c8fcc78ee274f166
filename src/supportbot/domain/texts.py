"""Every sentence the bot says, in one place; adapters only add markup, mentions and buttons."""

from __future__ import annotations

from datetime import datetime
from typing import Iterable, Sequence

from supportbot.domain.tickets import Resolution, Severity, Status, Ticket

MAX_TITLE = 80

BUTTON_LABELS = {
    "take": "✋ Take",
    "in_progress": "⭕️ In progress",
    "fix_provided": "🟡 Fix provided",
    "resolved": "🟢 Resolved",
}
BUTTON_ACTIONS = tuple(BUTTON_LABELS)

CHATTER_IGNORED = ""
NOT_A_TEAM_MEMBER = "Only the support team can do that."
UNKNOWN_PERSON = "I don't know anyone called {name!r}. Team members: {names}."
NO_PRODUCT = "There is no product {key!r}. Products: {keys}."
NOTHING_OPEN = "No open tickets{where}."

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
DELETE_FAILED = "⚠️ Could not delete message {message_id} in chat {chat_id} that exposed a secret: {reason}"


def marker_line(ticket: Ticket) -> str:
    """'🔴 Ticket #12 received' style headline."""
    return f"{ticket.status.marker} Ticket #{ticket.number} {ticket.status.label}"


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
    if ticket.security:
        lines[0] += " · 🛡 security"
    lines.append(ticket.title)
    if ticket.assignee:
        lines.append(f"Assigned to {ticket.assignee}")
    lines.extend(f"PR: {url}" for url in ticket.pr_links)
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


def history_line(at: datetime, actor: str, kind: str, detail: str, zone_format: str) -> str:
    """One line of the ticket history."""
    return f"{zone_format} · {actor} · {kind}" + (f": {detail}" if detail else "")


def ticket_list(rows: Iterable[str], where: str) -> str:
    """A heading and one line per ticket, or the 'nothing open' line."""
    rows = list(rows)
    if not rows:
        return NOTHING_OPEN.format(where=where)
    return f"Open tickets{where} (oldest first):\n" + "\n".join(rows)


def list_row(ticket: Ticket, *, age: str) -> str:
    """One ticket in a list: marker, number, severity, product, owner, title."""
    who = f" · {ticket.assignee}" if ticket.assignee else ""
    return (
        f"{ticket.status.marker} #{ticket.number} {ticket.severity.icon} [{ticket.product or '-'}] "
        f"{ticket.title}{who} · {age}"
    )


def new_emergency_notice(ticket: Ticket, product_name: str | None) -> str:
    """What the team chat sees when an emergency opens: the tag line follows as mentions."""
    return f"🚨 Emergency #{ticket.number} ({product_name or 'no product'}): {ticket.title}"


def new_ticket_notice(ticket: Ticket, product_name: str | None, owners: Sequence[str]) -> str:
    """What the team chat sees when a normal ticket opens: the owner is named, not tagged."""
    who = ", ".join(owners) if owners else "no owner configured"
    return f"🐛 New ticket #{ticket.number} for {product_name or 'no product'} (owner: {who}): {ticket.title}"


def security_notice(ticket: Ticket, secrets: Sequence[str]) -> str:
    """What the security chat sees for a private ticket."""
    found = f" Secrets found and redacted: {', '.join(secrets)}." if secrets else ""
    return (
        f"🛡 Private security ticket #{ticket.number} from {ticket.reporter_name} "
        f"({ticket.source_platform}).{found}\n{ticket.body}"
    )
