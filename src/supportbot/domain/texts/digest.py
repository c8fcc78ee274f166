"""The weekly digest, /digest and the owners' morning summary."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

__all__ = [
    "CHART_AXIS", "CHART_BACKLOG", "CHART_OPENED", "CHART_RESOLVED", "chart_day",
    "DIGEST_BACKLOG", "DIGEST_BREACH_KINDS", "DIGEST_BREACHES", "DIGEST_CHART_CAPTION", "DIGEST_CHART_TITLE",
    "DIGEST_FIGURE", "DIGEST_FIRST_RESPONSE", "DIGEST_FOR", "DIGEST_HEAD", "DIGEST_MORE", "DIGEST_NO_BREACHES",
    "DIGEST_NO_UNTRIAGED", "DIGEST_ON_TIME", "DIGEST_OPENED", "DIGEST_SATISFACTION", "DIGEST_SATISFACTION_VALUE", "DIGEST_RESOLUTION_RATE", "DIGEST_RESOLUTION_TIME", "DIGEST_RESOLVED",
    "DIGEST_SO_FAR_HEAD", "DIGEST_TICKET", "DIGEST_UNTRIAGED", "IMAGE_SAVED", "MORNING_FOR", "MORNING_SUMMARY",
    "MORNING_TICKET", "digest_day", "digest_days", "digest_text", "morning_summary",
]

DIGEST_HEAD = "📬 Weekly digest{where}: {days}, against the week before"
DIGEST_SO_FAR_HEAD = "📬 Digest{where}, this week so far: {days}, against the whole week before"
DIGEST_FOR = " for {product}"  # a product's digest; the team's covers every product and says nothing
DIGEST_OPENED = "Issues opened"
DIGEST_RESOLVED = "Resolved (whenever opened)"
DIGEST_BACKLOG = "Backlog at the end"
DIGEST_FIRST_RESPONSE = "First response time (median)"
DIGEST_RESOLUTION_TIME = "Average resolution time"
DIGEST_RESOLUTION_RATE = "Resolution rate of the week's issues"
DIGEST_ON_TIME = "First responses on time"
DIGEST_SATISFACTION = "Satisfaction (CSAT: ratings of 4 or 5)"
DIGEST_SATISFACTION_VALUE = "{csat} of {ratings} rating(s)"
DIGEST_FIGURE = "{label}: {this} (week before: {last})"
DIGEST_BREACHES = "⏰ Promises broken this week ({count}):"
DIGEST_NO_BREACHES = "⏰ No promise broken this week."
DIGEST_BREACH_KINDS = {
    "first_response_missed": "first response missed",
    "stagnant": "no activity for too long",
    "emergency_unanswered": "emergency unanswered",
    "emergency_idle": "emergency left idle",
}
DIGEST_UNTRIAGED = "🗂 Untriaged (no priority yet), oldest first ({count} open):"
DIGEST_NO_UNTRIAGED = "🗂 Every open ticket has a priority."
DIGEST_TICKET = "#{number} {title} — {detail}"
DIGEST_MORE = "… and {count} more"
DIGEST_CHART_CAPTION = "📈 Opened and resolved per day, with the backlog{where}: {days}"
DIGEST_CHART_TITLE = "Opened and resolved per day{where}"
CHART_OPENED = "opened"
CHART_RESOLVED = "resolved"
CHART_BACKLOG = "backlog (open at day's end)"
CHART_AXIS = "tickets"
IMAGE_SAVED = "🖼 image saved: {path}"

MORNING_SUMMARY = "☀️ Good morning{where}: {count} open ticket(s) have no priority yet. Please triage:"
MORNING_FOR = ", {product}"  # tickets of one product; those of none say nothing
MORNING_TICKET = "#{number} {title} — {age} old"


def digest_day(day: date) -> str:
    """A day as the digest names it: 'Mon 30 Nov'."""
    return f"{day:%a} {day.day} {day:%b}"


def chart_day(day: date) -> str:
    """A day under the chart's bars: weekday above date."""
    return f"{day:%a}\n{day.day} {day:%b}"


def digest_days(days: Sequence[date]) -> str:
    """The days a digest covers: 'Mon 30 Nov – Sun 6 Dec', or 'Mon 7 Dec' for one."""
    first, last = digest_day(days[0]), digest_day(days[-1])
    return first if first == last else f"{first} – {last}"


def digest_text(head: str, figures: Sequence[tuple[str, str, str]], breaches: Sequence[str], breach_count: int,
                untriaged: Sequence[str], untriaged_count: int) -> str:
    """The digest: its head line, each (label, this week, week before), the broken promises, the untriaged."""
    lines = [head, *(DIGEST_FIGURE.format(label=label, this=this, last=last) for label, this, last in figures), ""]
    if breach_count:
        lines += [DIGEST_BREACHES.format(count=breach_count), *breaches]
        if breach_count > len(breaches):
            lines.append(DIGEST_MORE.format(count=breach_count - len(breaches)))
    else:
        lines.append(DIGEST_NO_BREACHES)
    if untriaged_count:
        lines += [DIGEST_UNTRIAGED.format(count=untriaged_count), *untriaged]
        if untriaged_count > len(untriaged):
            lines.append(DIGEST_MORE.format(count=untriaged_count - len(untriaged)))
    else:
        lines.append(DIGEST_NO_UNTRIAGED)
    return "\n".join(lines)


def morning_summary(where: str, count: int, tickets: Sequence[str]) -> str:
    """The owners' morning list of their `count` untriaged tickets (the lines listed)."""
    return "\n".join([MORNING_SUMMARY.format(where=where, count=count), *tickets])
