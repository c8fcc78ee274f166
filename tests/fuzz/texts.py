"""What people type, for the fuzzing of both platforms: commands with odd arguments, unicode oddities,
markup-looking text, secrets, huge texts."""

from __future__ import annotations

from hypothesis import strategies as st

from supportbot.domain.commands import COMMANDS

SEED_PHRASE = ("abandon ability able about above absent absorb abstract absurd abuse access accident "
               "acid acoustic acquire across")
PRIVATE_KEY = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
REPORT = "Staking on the court page fails with execution reverted when I confirm in MetaMask."
COMMAND_NAMES = tuple(c.name for c in COMMANDS) + ("start", "nonsense", "REPORT", "tickets_all")
STATUSES = ("received", "in_progress", "fix_provided", "resolved", "open", "🟢", "")
ODD = ("\x00", "\ud800", "\udfff", "\u202e", "\u200b", "\ufeff", "\r\n", "\t", "🏳️‍🌈", "e\u0301", "𝕏", "\U0010ffff",
       "<b>", "</i>", "<a href='x'>", "&amp;", "&", "<", ">", '"', "<tg-spoiler>", "@everyone", "@here", "<@2001>",
       "<@&4001>", "<#3101>", "```", "**", "_", "||", "\\", "%s", "{number}", "{}", "#1", "#0", "#-1")

# Any character, lone surrogates and control characters included (what a client may really send).
any_char = st.characters(codec=None, exclude_categories=())
odd_piece = st.sampled_from(ODD)
word = st.text(any_char, max_size=12) | odd_piece | st.sampled_from(("court", "staking", "gas", "help", "1", "999"))
number = st.one_of(st.integers(-3, 8), st.sampled_from((2**31, 2**63, 2**64 + 1, -(2**63) - 1, 10**30)))
argument = st.one_of(number.map(str), word, st.sampled_from(STATUSES), st.sampled_from(("fixed", "answered",
                     "duplicate", "not_an_issue", "emergency", "normal", "Alice", "@alice", "Bob", "week", "year",
                     "https://github.com/org/repo/pull/1", "court", "curate", "gas", "stake")))


def sentence(max_words: int = 12) -> st.SearchStrategy[str]:
    """Words and oddities joined by spaces or line breaks."""
    return st.lists(word, max_size=max_words).flatmap(
        lambda words: st.sampled_from((" ", "\n", "")).map(lambda sep: sep.join(words)))


def huge(alphabet_text: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A text repeated to around and beyond the platforms' limits (2,000; 4,096 characters)."""
    return st.tuples(alphabet_text.filter(bool), st.integers(1, 9000)).map(
        lambda pair: (pair[0] * (pair[1] // len(pair[0]) + 1))[: pair[1]])


def command(bot_username: str | None) -> st.SearchStrategy[str]:
    """A /command, maybe addressed to a bot, with odd arguments."""
    suffix = st.sampled_from(("", f"@{bot_username}" if bot_username else "", "@other_bot", "@"))
    return st.builds(lambda name, at, args, sep: f"/{name}{at}" + "".join(sep + a for a in args),
                     st.sampled_from(COMMAND_NAMES), suffix, st.lists(argument, max_size=5),
                     st.sampled_from((" ", "  ", "\n", "\t")))


def text(bot_username: str | None = None) -> st.SearchStrategy[str]:
    """Anything a person may write in a chat."""
    return st.one_of(
        command(bot_username),
        sentence(),
        st.just(REPORT),
        st.builds(lambda a, b: f"{a} {b}", st.sampled_from((REPORT, SEED_PHRASE, PRIVATE_KEY)), sentence(4)),
        huge(st.text(any_char, min_size=1, max_size=8) | odd_piece),
        huge(st.just(REPORT + " ")),
    )
