"""Helpers for the Telegram end-to-end tests: a world in the fake Bot API, a config, the bot as a process."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
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


def config_text(tmp: Path, fake: FakeTelegram, *, emergency: str = "1h", telegram_extra: str = "",
                more_court_chats: tuple[int, ...] = (), now: datetime | None = None) -> str:
    """The bot's config for this fake; the on-call rotation started an hour before `now` (Alice's shift)."""
    court_chats = ", ".join(str(c) for c in (COURT, *more_court_chats))
    now = now or datetime.now(timezone.utc)
    starts = (now - timedelta(hours=1)).isoformat(timespec="seconds")
    return f"""
log_level = "INFO"

[database]
url = "sqlite+aiosqlite:///{tmp / 'supportbot.db'}"

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
"""


def supportbot_command() -> list[str]:
    return [sys.executable, "-m", "supportbot.cli", "run"]


@dataclass
class BotProcess:
    """`supportbot run --config ...` as users start it, in its own folder."""

    folder: Path
    config: Path
    log_path: Path = field(init=False)
    proc: subprocess.Popen | None = None
    runs: int = 0

    def __post_init__(self) -> None:
        self.log_path = self.folder / "bot.log"

    def start(self) -> "BotProcess":
        self.runs += 1
        log = open(self.log_path, "a", encoding="utf-8")
        log.write(f"\n===== run {self.runs} =====\n")
        log.flush()
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.pop("TELEGRAM_BOT_TOKEN", None)
        self.proc = subprocess.Popen([*supportbot_command(), "--config", str(self.config)], cwd=self.folder,
                                     stdout=log, stderr=subprocess.STDOUT, env=env)
        log.close()
        return self

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        return self.proc.returncode

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def tickets(self) -> list[tuple[int, int, int]]:
        """(number, source chat, source message) of every stored ticket, read straight from the database."""
        return self._read("SELECT number, source_chat_id, source_message_id FROM tickets ORDER BY number")

    def outbox_pending(self, chats: tuple[int, ...] = ()) -> int | None:
        """How many outbox rows are still to send, to these chats or any (None before the database exists)."""
        where = f" AND chat_id IN ({', '.join(str(int(c)) for c in chats)})" if chats else ""
        rows = self._read(f"SELECT count(*) FROM outbox WHERE status = 'pending'{where}")
        return rows[0][0] if rows else None

    def _read(self, query: str) -> list[tuple]:
        try:
            with sqlite3.connect(f"file:{self.folder / 'supportbot.db'}?mode=ro", uri=True, timeout=5) as db:
                return db.execute(query).fetchall()
        except sqlite3.OperationalError:  # not created yet
            return []


def wait_until(predicate, timeout: float = 15.0, interval: float = 0.05, message: str = ""):
    """Poll predicate() until truthy; return its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s: {message}")
        time.sleep(interval)


def acks_for(fake: FakeTelegram, chat_id: int, report_id: int) -> list[dict]:
    """The bot's acknowledgements (cards) answering one report."""
    return [m for m in fake.bot_messages(chat_id)
            if m["reply_to"] == report_id and m["buttons"] and "Ticket #" in (m["text"] or "")]


def texts_in(fake: FakeTelegram, chat_id: int) -> list[str]:
    return [m["text"] or "" for m in fake.bot_messages(chat_id)]


def receiving(fake: FakeTelegram, since: dict[str, int]) -> bool:
    """A bot started after `since` (counts from request_counts) has published its menus and receives updates."""
    now = request_counts(fake)
    return now["setMyCommands"] >= since["setMyCommands"] + 4 and (
        now["getUpdates"] > since["getUpdates"] or now["setWebhook"] > since["setWebhook"])


def request_counts(fake: FakeTelegram) -> dict[str, int]:
    return {m: fake.count(m) for m in ("setMyCommands", "getUpdates", "setWebhook")}
