"""What reporters are asked once the team is done, and what they answer: fix confirmation on 🟡, the "How did we
do?" rating on 🟢, and the team's notices about both."""

from __future__ import annotations

from datetime import timedelta

from supportbot.domain.durations import Duration
from supportbot.domain.ticket_states import SUB_STATES

# Buttons the ticket's reporter may press (the team may too); card buttons are in texts.tickets.
REPORTER_BUTTON_LABELS = {
    "confirm_fixed": "✅ Fixed for me",
    "still_broken": "❌ Still broken",
    "faq_solved": "✅ This solved it",  # under an FAQ suggestion (texts.triage)
    **{f"rate_{score}": str(score) for score in range(1, 6)},
}
CONFIRM_ACTIONS = ("confirm_fixed", "still_broken")
RATE_ACTIONS = tuple(f"rate_{score}" for score in range(1, 6))

NOT_YOUR_TICKET = "Only the reporter of ticket #{number} or the team can answer this."

# Fix confirmation (🟡).
CONFIRM_ASK = (
    "🟡 A fix for ticket #{number} has been provided. Does it work for you now? Press a button below, or "
    "reply here. Without an answer it is closed as fixed on {when}."
)
CONFIRM_ASK_SECURITY = (
    "🟡 A fix for security ticket #{number} has been provided. Once the reporter confirms it through the "
    "private route, press a button below. Without an answer it is closed as fixed on {when}."
)
CONFIRM_WHEN_UNKNOWN = "a later day"  # a first response still owed comes first: the closing day is not known yet
CONFIRMED = "🟢 Ticket #{number} resolved as fixed: {actor} confirmed the fix. Thank you!"
CONFIRMED_DETAIL = "fixed: confirmed by {actor}"
STILL_BROKEN = "⭕️ Ticket #{number} is back in progress: {actor} says it is still broken. The team has been told."
STILL_BROKEN_DETAIL = "still broken (said {actor})"
STILL_BROKEN_NOTICE = "❌ Ticket #{number} ({title}): {actor} says the fix does not work; it is back in progress."
CONFIRM_CLOSED = "Ticket #{number} is no longer awaiting confirmation ({marker} {label})."
EXPIRED = "🟢 Ticket #{number} resolved as fixed: no answer within {within}."
EXPIRED_DETAIL = "fixed: no answer within {within}"
CONFIRM_CLOCK = "Resolves as fixed without an answer: {when}"

# Satisfaction (🟢).
RATE_ASK = "🟢 Ticket #{number} is resolved. How did we do? Press 1 (poor) to 5 (great); reply to this message to add a comment."
RATED = "Thanks for rating ticket #{number}: {score}/5. Reply to the question to add a comment."
RATING_CHANGED = "Your rating of ticket #{number} is now {score}/5."
RATING_UNCHANGED = "Ticket #{number} is already rated {score}/5."
RATING_LOCKED = "Sorry, ticket #{number} was rated more than {within} ago; the rating can no longer be changed."
RATING_NOT_RESOLVED = "Ticket #{number} is not resolved; it can be rated once it is."
RATING_REPORTER_ONLY = "Only the reporter of ticket #{number} can rate it."
RATED_DETAIL = "{score}/5"
COMMENT_DETAIL = "comment: {comment}"
COMMENT_THANKS = "Thanks, your comment on ticket #{number} is noted."
LOW_RATING_NOTICE = "⚠️ Ticket #{number} ({title}) was rated {score}/5 by {reporter}{comment}."
RATING_LINE = "Rating: {score}/5{comment}"
MAX_COMMENT = 1000

# Sub-states of ⭕️ in progress.
SUB_STATE_UNCHANGED = "Ticket #{number} is already in progress · {words}."
SUB_STATE_IN_PROGRESS_ONLY = "A sub-state goes with in_progress only."


_UNIT_WORDS = {"s": "second", "m": "minute", "h": "hour", "d": "day", "bd": "business day"}


def duration_words(span: Duration) -> str:
    """'3 business days', '1 hour': a configured duration as people say it."""
    word = _UNIT_WORDS.get(span.unit, span.unit)
    return f"{span.amount} {word}" + ("" if span.amount == 1 else "s")


SUB_STATE_WORDS = frozenset(SUB_STATES.values())  # as cards and history lines say them


def wall_clock_words(span: timedelta) -> str:
    """'7 days', '12 hours', '30 minutes': a wall-clock span in its largest whole unit."""
    seconds = int(span.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        if seconds >= size and seconds % size == 0:
            return duration_words(Duration(seconds // size, _UNIT_KEYS[unit]))
    return duration_words(Duration(max(seconds, 0), "s"))


_UNIT_KEYS = {word: unit for unit, word in _UNIT_WORDS.items()}


def sub_state_words(key: str | None) -> str:
    """'PR in review' from pr_review; the key itself when unknown (a stored row of an older version)."""
    return SUB_STATES.get(key, key) if key else ""


def button_label_of(action: str) -> str | None:
    """The label of a reporter's button, or None when `action` is not one."""
    return REPORTER_BUTTON_LABELS.get(action)


def comment_suffix(comment: str | None) -> str:
    """' — "comment"' after a score, or nothing."""
    return f' — "{comment}"' if comment else ""
