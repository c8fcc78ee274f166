"""What the team and reporters read about triage and the FAQ: priorities, product moves, the backlog, FAQ topics
and the FAQ suggestion in an acknowledgement."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from supportbot.domain.faq import FaqEntry
from supportbot.domain.ticket_states import Priority
from supportbot.domain.tickets import Ticket

# /priority
PRIORITY_SET = "Ticket #{number} is now {priority} (by {actor})."
PRIORITY_UNCHANGED = "Ticket #{number} is already {priority}; nothing changed."
PRIORITY_REFUSED = "Only product owners, engineers and admins can set a ticket's priority."
UNTRIAGED_WORD = "untriaged"

# /product
PRODUCT_MOVED = "📦 Ticket #{number} moved to {product} (by {actor})."
PRODUCT_UNCHANGED = "Ticket #{number} is already in {product}; nothing changed."

# /backlog
BACKLOG_TRUNCATED = "… and more; narrow with /backlog <product>."

# /faq and the suggestion in an acknowledgement
FAQ_TOPICS_HEAD = "FAQ topics:"
FAQ_TOPIC_LINE = "• {key} — {title}"
FAQ_TOPICS_TEAM_HINT = "In a ticket's conversation, /faq <key> answers with one."
NO_FAQ_TOPICS = "There are no FAQ topics yet."
FAQ_ANSWER_TEAM_ONLY = "Only the support team can answer with /faq <key>; /faq alone lists the topics."
FAQ_SOLVED_ACTION = "faq_solved"  # the reporter's button under a suggestion (its label: texts.feedback)
FAQ_SUGGESTION = (
    "💡 This may help: {title} — {answer}\n"
    "If it solves your problem, press the button below or reply \"solved\" to this message and I will close "
    "the ticket. If not, the team will get back to you as usual."
)
FAQ_SOLVED_REPORTER_ONLY = "Only the reporter of ticket #{number} can say the FAQ solved it."
FAQ_SOLVED_TOO_LATE = "Ticket #{number} is {marker} {label} now; the team has taken it from there."
SOLVED_BY_FAQ_DETAIL = "solved by FAQ {key}"  # the resolution's history line
SOLVED_BY_FAQ_REPLY = (
    "🟢 Ticket #{number} resolved as answered: glad that helped! If the problem comes back, /reopen {number}."
)


def priority_words(priority: Priority | None) -> str:
    """'P1' … 'P4', or 'untriaged'."""
    return priority.label if priority else UNTRIAGED_WORD


def priority_detail(old: Priority | None, new: Priority) -> str:
    """The history line of a triage: 'p2', or 'p3 → p1' when it changes."""
    return new.value if old is None else f"{old.value} → {new.value}"


def product_detail(old: str | None, new: str) -> str:
    """The history line of a product move: 'none → court'."""
    return f"{old or 'none'} → {new}"


def product_moved_notice(ticket: Ticket, *, actor: str, old_name: str | None, new_name: str,
                         owners: Sequence[str], tagged: bool) -> str:
    """What the team chat sees when a ticket changes product: the new product's owners are tagged (mentions
    follow) for an emergency, named for the others."""
    who = ", ".join(owners) if owners else "no owner configured"
    owner = "" if tagged and owners else f" (owner: {who})"
    return (f"📦 {ticket.severity.icon} Ticket #{ticket.number} moved from {old_name or 'no product'} to "
            f"{new_name} by {actor}{owner}: {ticket.title}")


def backlog_list(rows: Iterable[str], where: str) -> str:
    """A heading and one line per ticket, or the 'nothing open' line."""
    rows = list(rows)
    if not rows:
        return f"No open tickets{where}."
    return f"Backlog{where} (by priority, then oldest first):\n" + "\n".join(rows)


def backlog_row(ticket: Ticket, *, age: str, title: str) -> str:
    """One ticket of the backlog: marker, number, priority, product, title, age."""
    return (f"{ticket.status.marker} #{ticket.number} {priority_words(ticket.priority)} "
            f"{ticket.severity.icon} [{ticket.product or '-'}] {title} · {age}")


def faq_topics(entries: Iterable[FaqEntry], *, team: bool) -> str:
    """The FAQ's keys and titles, for anyone; the team is reminded how to answer with one."""
    lines = [FAQ_TOPIC_LINE.format(key=entry.key, title=entry.heading) for entry in entries]
    if not lines:
        return NO_FAQ_TOPICS
    return "\n".join([FAQ_TOPICS_HEAD, *lines, *([FAQ_TOPICS_TEAM_HINT] if team else [])])


def faq_suggestion(entry: FaqEntry) -> str:
    """The hint sent with the acknowledgement of a report that matches an FAQ entry."""
    return FAQ_SUGGESTION.format(title=entry.heading, answer=entry.answer)
