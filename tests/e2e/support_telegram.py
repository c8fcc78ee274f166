"""Helpers for the Telegram end-to-end tests: a world in the fake Bot API, a config for it."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.fakes.telegram_api import FakeTelegram
from tests.support.e2e_config import clock_sections

COURT = -100101  # a product support group
FORUM = -100200  # a product support forum (a topic per ticket)
EMERGENCY = -100900
TEAM = -100500
SECURITY = -100700
STRANGERS = -100999  # a group the bot was added to but is not in the config

ALICE, BOB, CAROL, SAM = 1001, 1002, 1003, 1004  # the team (Alice and Bob are on call)
DAVE, ERIN, FRANK = 5001, 5002, 5003  # reporters
OTHER_BOT = 6001

SEED_PHRASE = ("abandon ability able about above absent absorb abstract absurd abuse access accident "
               "acid acoustic acquire across")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def add_court_groups(fake: FakeTelegram, count: int) -> tuple[int, ...]:
    """More support groups for the court product (tests that must not hit the 20-a-minute group limit)."""
    chats = tuple(-100300 - i for i in range(count))
    for chat_id in chats:
        fake.add_chat(chat_id, title=f"Court support {chat_id}")
    return chats


def populate(fake: FakeTelegram) -> None:
    """The chats and people every test starts with."""
    for chat_id, title in ((COURT, "Court support"), (EMERGENCY, "Emergencies"), (TEAM, "Support team"),
                           (SECURITY, "Security team"), (STRANGERS, "Somewhere else")):
        fake.add_chat(chat_id, title=title)
    fake.add_chat(FORUM, title="Curate support", is_forum=True)
    fake.add_user(ALICE, "Alice", "alice")
    fake.add_user(BOB, "Bob")
    fake.add_user(CAROL, "Carol", "carol")
    fake.add_user(SAM, "Sam")
    fake.add_user(DAVE, "Dave", "dave_reports")
    fake.add_user(ERIN, "Erin")
    fake.add_user(FRANK, "Frank")
    fake.add_user(OTHER_BOT, "Other")
    with fake.lock:
        fake.users[OTHER_BOT]["is_bot"] = True


# For a flood on purpose (a few reporters, many reports each): the per-reporter ticket limit is off.
NO_TICKET_LIMIT = "[limits]\ntickets_per_user = 0\n"


def config_text(tmp: Path, fake: FakeTelegram, *, emergency: str = "1h", telegram_extra: str = "",
                more_court_chats: tuple[int, ...] = (), now: datetime | None = None, extra: str = "",
                database_url: str | None = None) -> str:
    """The bot's config for this fake; the on-call rotation started an hour before `now` (Alice's shift);
    `extra` is added at the end (more sections, such as [faq]); the database is a SQLite file in `tmp`
    unless `database_url` says otherwise."""
    court_chats = ", ".join(str(c) for c in (COURT, *more_court_chats))
    now = now or datetime.now(UTC)
    starts = (now - timedelta(hours=1)).isoformat(timespec="seconds")
    sqlite_url = f"sqlite+aiosqlite:///{tmp / 'supportbot.db'}"
    return f"""
log_level = "INFO"

[database]
url = "{database_url or sqlite_url}"

[telegram]
token = "{fake.token}"
api_base_url = "{fake.base_url}"
poll_timeout = 2
{telegram_extra}

{clock_sections(emergency)}
[[people]]
name = "Alice"
telegram_id = {ALICE}
telegram_username = "alice"
roles = ["engineer", "admin"]

[[people]]
name = "Bob"
telegram_id = {BOB}
roles = ["engineer"]

[[people]]
name = "Carol"
telegram_id = {CAROL}
telegram_username = "carol"
roles = ["owner"]

[[people]]
name = "Sam"
telegram_id = {SAM}
roles = ["security"]

[oncall]
rotation = ["Alice", "Bob"]
shift = "7d"
starts = "{starts}"
team_telegram_chat = {TEAM}

[[products]]
key = "court"
name = "Court v2"
owners = ["Carol"]
telegram_chats = [{court_chats}]

[[products]]
key = "curate"
name = "Curate"
owners = ["Carol"]
telegram_chats = [{FORUM}]

[emergency]
telegram_chats = [{EMERGENCY}]

[security]
disclosure_url = "https://example.org/security"
telegram_chat = {SECURITY}
{extra}
"""


def acks_for(fake: FakeTelegram, chat_id: int, report_id: int) -> list[dict]:
    """The bot's acknowledgements (cards) answering one report."""
    return [m for m in fake.bot_messages(chat_id)
            if m["reply_to"] == report_id and m["buttons"] and "Ticket #" in (m["text"] or "")]


def texts_in(fake: FakeTelegram, chat_id: int) -> list[str]:
    return [m["text"] or "" for m in fake.bot_messages(chat_id)]
