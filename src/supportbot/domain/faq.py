"""The reporter-side FAQ: which entry a new report may be answered by, and whether a reporter's reply says
the suggested answer solved their problem.

Both are deliberately cautious. A suggestion is only a hint in the acknowledgement, so it needs a keyword
said as a whole word; a "solved" reply closes the ticket, so only a short, plain confirmation counts and
anything that hedges, negates or asks ("not solved", "still broken", "is it fixed?") does not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class FaqEntry:
    """One FAQ topic: its key (for /faq <key>), a short title, the answer, and the words that suggest it."""

    key: str
    answer: str
    title: str = ""
    keywords: tuple[str, ...] = ()

    @property
    def heading(self) -> str:
        """The title, or the key in words when none is configured."""
        return self.title or self.key.replace("_", " ").capitalize()


def _whole(phrase: str) -> re.Pattern[str]:
    """A keyword or phrase as whole words: "stake" finds "Stake failed", not "mistake"; spaces match any run."""
    words = [re.escape(word) for word in phrase.casefold().split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)")


def suggestion(entries: Iterable[FaqEntry], text: str) -> FaqEntry | None:
    """The FAQ entry a report's text matches best: the one with most of its keywords said in it as whole
    words (case-insensitive); the first such entry on a tie; None when no keyword is said."""
    words = text.casefold()
    best, best_hits = None, 0
    for entry in entries:
        hits = sum(1 for keyword in set(entry.keywords) if keyword.strip() and _whole(keyword).search(words))
        if hits > best_hits:
            best, best_hits = entry, hits
    return best


# --- "that worked": the reporter says the suggestion solved it -----------------------------------------

# What says "solved" on its own, as consecutive words.
_SOLVED = re.compile(
    r"\b(solved|fixed|resolved|sorted|that worked|it worked|this worked|that did it|works now|working now"
    r"|it works|it's working|it is working)\b"
)
# Every other word a plain confirmation may hold ("Fixed, thanks!", "Yes, that worked perfectly").
# Anything else — "not", "still", "but", "yesterday", "broken" — makes the reply more than a confirmation.
_FILLER = frozenset("""
    solved fixed resolved sorted worked works working did it it's its this that is now all
    thanks thank you thx ty cheers much so very lot a yes yep yeah great perfect perfectly awesome
    ok okay cool nice good fine indeed really totally problem issue the my me for again everything
    wow hi hey guys team
""".split())
# A question is not a confirmation, even without its question mark: "is it fixed".
_ASKING = frozenset({"is", "has", "was", "did", "does", "are", "have", "can", "could", "will", "would", "should",
                     "when", "why", "how", "what", "where", "which", "who"})
MAX_SOLVED_WORDS = 12


def says_solved(text: str) -> bool:
    """True when a reply is a plain "it is solved": "solved", "that worked", "it works now", "fixed, thanks".

    False for anything that negates, hedges, asks or says more ("not solved", "still broken", "is it fixed?",
    "it worked yesterday"), so that a closed ticket is always one its reporter meant to close."""
    said = text.casefold().replace("\u2019", "'")
    if "?" in said:
        return False
    words = re.findall(r"[\w']+", said)  # any script: a word not known here is a word too many
    if not words or len(words) > MAX_SOLVED_WORDS or words[0] in _ASKING:
        return False
    if any(word not in _FILLER for word in words):
        return False
    return _SOLVED.search(" ".join(words)) is not None
