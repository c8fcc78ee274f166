"""Discord gateway events as people cause them: messages in support channels, threads, forum posts and
DMs (attachments only, replies, huge or odd texts), edits, system and webhook messages, slash commands
with any option values (those a forged client sends too), autocomplete, and button presses with any
custom id. Each event is a plain dict the harness plays through the fake Discord's gateway."""

from __future__ import annotations

from hypothesis import strategies as st

from tests.e2e.support_discord import (
    ALICE,
    BOB,
    CAROL,
    COURT,
    DAVE,
    ELSEWHERE,
    EMERGENCY,
    ERIN,
    OTHER_BOT,
    RITA,
    SAM,
    SECURITY,
    TEAM,
)
from tests.fuzz import texts

BOT_NAME = "supportbot"
CHANNELS = (COURT, EMERGENCY, TEAM, SECURITY, ELSEWHERE)
PEOPLE = (ALICE, BOB, CAROL, SAM, DAVE, ERIN, RITA)
COMMANDS = ("report", "emergency", "ticket", "tickets", "status", "take", "assign", "pr", "issue", "note", "severity",
            "resolve", "reopen", "priority", "product", "backlog", "oncall", "handoff", "keep", "faq", "stats",
            "digest", "dashboard", "help")
OPTION_NAMES = ("text", "ticket", "product", "status", "note", "person", "url", "repo", "level", "reason", "to",
                "priority", "notes", "key", "period", "sub_state", "security")
CUSTOM_IDS = ("t:1:take", "t:1:in_progress", "t:1:fix_provided", "t:1:resolved", "t:4:confirm_fixed",
              "t:4:still_broken", "t:5:rate_1", "t:5:rate_5", "t:2:take", "t:3:resolved", "t:0:take", "t:99:take",
              "t:1:rate_9", "t:1:", "t::take", "t:1:take:x", "t:٣:take", "T:1:TAKE", "ticket:1:take")
# Where a message is posted: a channel, the ticket threads the bot opened (by their order), a DM, the forum.
WHERE = st.one_of(st.sampled_from(CHANNELS), st.sampled_from(("thread:0", "thread:1", "thread:2", "dm", "forum")))
authors = st.one_of(st.sampled_from(PEOPLE), st.just(OTHER_BOT), st.integers(10**17, 10**18))
content = texts.text(BOT_NAME).map(lambda text: text[:4000])  # Discord takes at most 4,000 (with Nitro)
option_value = st.one_of(texts.argument, st.integers(-(2**53), 2**53), texts.text(BOT_NAME).map(lambda t: t[:6000]),
                         st.sampled_from(("received", "in_progress", "fix_provided", "resolved", "emergency", "normal",
                                          "fixed", "answered", "duplicate", "not_an_issue", "high", "low", "court",
                                          "curate", "week", "month", "year", "Alice", "gas")))


def post() -> st.SearchStrategy[dict]:
    """A person's message: text, attachments only, or both; maybe a reply to the report or its card."""
    return st.builds(lambda where, user, text, files, reply: {"kind": "post", "where": where, "user": user,
                                                              "content": text, "attachments": files, "reply": reply},
                     WHERE, authors, content | st.just(""), st.integers(0, 3),
                     st.sampled_from((None, None, "report", "card", "missing")))


def edit() -> st.SearchStrategy[dict]:
    """The first report's author edits it."""
    return content.map(lambda text: {"kind": "edit", "content": text})


def system() -> st.SearchStrategy[dict]:
    """A message the bot must leave alone: a member joining, a pin, a thread notice, a webhook's or a bot's."""
    return st.builds(lambda where, kind, text: {"kind": "system", "where": where, "type": kind, "content": text},
                     st.sampled_from((COURT, EMERGENCY, TEAM)), st.sampled_from((6, 7, 18, 21, 46, "webhook")),
                     content)


def slash() -> st.SearchStrategy[dict]:
    """A slash command with options of any value (the harness keeps those the command declares); the
    commands are registered in the server, so DMs have none."""
    return st.builds(lambda where, user, name, options, complete: {
        "kind": "autocomplete" if complete else "slash", "where": where, "user": user, "name": name,
        "options": options},
        st.one_of(st.sampled_from(CHANNELS), st.sampled_from(("thread:0", "thread:1"))), authors,
        st.sampled_from(COMMANDS), st.dictionaries(st.sampled_from(OPTION_NAMES), option_value, max_size=4),
        st.integers(0, 5).map(lambda n: n == 0))


def press() -> st.SearchStrategy[dict]:
    """A press on the first ticket's card: one of its buttons, a near miss, or any custom id a forged client sends."""
    return st.builds(lambda user, custom_id: {"kind": "press", "user": user, "custom_id": custom_id},
                     authors, st.sampled_from(CUSTOM_IDS) | st.text(texts.any_char, min_size=1, max_size=100))


def event() -> st.SearchStrategy[dict]:
    """Any of the above."""
    return st.one_of(post(), post(), edit(), system(), slash(), slash(), press())
