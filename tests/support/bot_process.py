"""`supportbot run` as a separate process, as users start it: for the few end-to-end smoke tests."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.cli import clean_env, command


@dataclass
class BotProcess:
    """`supportbot run --config ...` in its own folder (also its HOME), its output in bot.log there."""

    folder: Path
    config: Path
    proc: subprocess.Popen | None = None
    runs: int = 0
    log_path: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log_path = self.folder / "bot.log"

    def start(self) -> BotProcess:
        self.runs += 1
        with open(self.log_path, "a", encoding="utf-8") as log:
            log.write(f"\n===== run {self.runs} =====\n")
            log.flush()
            self.proc = subprocess.Popen([*command(), "run", "--config", str(self.config)], cwd=self.folder,
                                         stdout=log, stderr=subprocess.STDOUT,
                                         env={**clean_env(self.folder), "PYTHONUNBUFFERED": "1"})
        return self

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs."""
        if self.alive():
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> int | None:
        """SIGTERM, as a service manager stops it; its exit code."""
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

    def log_tail(self, size: int = 6000) -> str:
        """The end of the log, without the scheduler's line per job run."""
        lines = [line for line in self.log().splitlines() if "apscheduler" not in line]
        return "\n".join(lines)[-size:]

    def query(self, sql: str, *args: Any) -> list[tuple]:
        """Rows straight from the bot's SQLite database, read-only ([] before it exists)."""
        try:
            with sqlite3.connect(f"file:{self.folder / 'supportbot.db'}?mode=ro", uri=True, timeout=5) as db:
                return db.execute(sql, args).fetchall()
        except sqlite3.OperationalError:  # not created yet
            return []

    def tickets(self) -> list[tuple[int, int, int]]:
        """(number, source chat, source message) of every stored ticket."""
        return self.query("SELECT number, source_chat_id, source_message_id FROM tickets ORDER BY number")

    def outbox_pending(self, chats: tuple[int, ...] = ()) -> int | None:
        """How many outbox rows are still to send, to these chats or any (None before the database exists)."""
        where = f" AND chat_id IN ({', '.join(str(int(c)) for c in chats)})" if chats else ""
        rows = self.query(f"SELECT count(*) FROM outbox WHERE status = 'pending'{where}")
        return rows[0][0] if rows else None


def wait_until(predicate: Callable[[], Any], timeout: float = 15.0, interval: float = 0.01, message: str = "",
               bot: BotProcess | None = None, fake: Any = None) -> Any:
    """Poll predicate() until truthy; return its value (on time-out, or when `bot` died, show its log and the
    fake's state)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline or (bot is not None and not bot.alive()):
            detail = (f"\n--- bot log ---\n{bot.log_tail()}" if bot else "") + (f"\n{fake.dump()}" if fake else "")
            raise AssertionError(f"timed out after {timeout}s: {message}{detail}")
        time.sleep(interval)
