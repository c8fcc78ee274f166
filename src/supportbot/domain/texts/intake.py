"""What intake says about floods and long reports: the per-reporter ticket limit, a report's full text."""

from __future__ import annotations

from datetime import timedelta

from supportbot.domain.texts.feedback import wall_clock_words

TICKET_LIMIT_REACHED = (
    "You have opened {count} tickets in the last {window}, the most one person can open in that time, so this "
    "message did not open a new ticket and was not kept. The team sees your earlier tickets. You can post a "
    "new report again from {when}; meanwhile, to add to one of your tickets, reply to it or write in its thread."
)
# /ticket <id> under the card: the reporter's whole text, when the title does not already say it all.
REPORT_HEAD = "Report ({size} characters):"
REPORT_PRIVATE = ("Report: {size} characters, reported privately; ask for ticket #{number} in a private chat "
                  "with me or in the team chat to read it.")
# A notice that quotes a long report shows its start only; /ticket and the team board show it whole.
NOTICE_REPORT_LIMIT = 1500
REPORT_CUT = "… ({size} characters in all: /ticket {number} shows the rest)"


def ticket_limit_reached(count: int, window: timedelta, when: str) -> str:
    """The one answer to a reporter over the ticket limit: why, when they may post again, what the team sees."""
    return TICKET_LIMIT_REACHED.format(count=count, window=wall_clock_words(window), when=when)


def size_words(text: str) -> str:
    """'20,000': a report's length in characters, as people read a big number."""
    return f"{len(text):,}"


def report_start(text: str, number: int, limit: int = NOTICE_REPORT_LIMIT) -> str:
    """A report as a notice quotes it: whole when short, else its first `limit` characters (cut at a line or
    a word when one is near) and where to read the rest."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    for separator in ("\n", " "):
        at = cut.rfind(separator)
        if at > limit * 3 // 4:
            cut = cut[:at]
            break
    return cut.rstrip() + REPORT_CUT.format(size=size_words(text), number=number)
