"""SIGKILL mid-stream: what a user sees twice after `kill -9` and a restart.

`supportbot run` is started as a process against the local fake Bot API (tests/fakes/telegram_api.py),
with 200 reports over 40 support groups and then 20 `/note` commands in the team chat queued. The bot
is killed (SIGKILL) a few times while it works — as soon as it has stored some tickets, and again once
some notes are stored — then left to finish. Counted afterwards: tickets stored (should be 200),
acknowledgements that reached a reporter twice, notes stored (should be 20), command answers shown twice.

`--src PATH` runs another checkout's `src/` (e.g. a worktree of an older commit) with the same
interpreter, so old and new code meet the same trial in one run:

    git worktree add /tmp/before <commit> && python bench/kill_restart.py --src /tmp/before/src
    python bench/kill_restart.py                 # this checkout only
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e.support_telegram import (  # noqa: E402
    ALICE,
    DAVE,
    ERIN,
    FRANK,
    NO_TICKET_LIMIT,
    TEAM,
    acks_for,
    add_court_groups,
    config_text,
    populate,
)
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402

GROUPS = 40
REPORTS_PER_GROUP = 5
NOTES = 20
KILLS = 3


def count(db: Path, sql: str) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return int(conn.execute(sql).fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def start(src: Path, folder: Path, config: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(src)}
    for name in ("TELEGRAM_BOT_TOKEN", "DATABASE_URL", "SUPPORTBOT_CONFIG"):
        env.pop(name, None)
    log = open(folder / "bot.log", "a", encoding="utf-8")
    return subprocess.Popen([sys.executable, "-m", "supportbot.cli", "run", "--config", str(config)],
                            cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.005)
    return False


def trial(src: Path) -> dict[str, int | float]:
    with tempfile.TemporaryDirectory() as tmp, FakeTelegram() as fake:
        folder = Path(tmp)
        populate(fake)
        groups = add_court_groups(fake, GROUPS)
        reporters = [DAVE, ERIN, FRANK]
        reports = [(chat, fake.post_message(chat, reporters[i % 3], f"Report {i}: my stake is stuck on the court page"))
                   for i in range(REPORTS_PER_GROUP) for chat in groups]
        notes = [fake.post_message(TEAM, ALICE, f"/note {n} checked the node logs, run {n}") for n in range(1, NOTES + 1)]
        config = folder / "config.toml"
        config.write_text(config_text(folder, fake, more_court_chats=groups, extra=NO_TICKET_LIMIT), encoding="utf-8")
        db = folder / "supportbot.db"
        started = time.monotonic()
        kills = 0
        # Kill points: after a few tickets, mid-way, and while the notes are being handled.
        points = [lambda: count(db, "SELECT count(*) FROM tickets") >= 10,
                  lambda: count(db, "SELECT count(*) FROM tickets") >= 120,
                  lambda: count(db, "SELECT count(*) FROM ticket_events WHERE kind = 'note'") >= 5]
        for point in points[:KILLS]:
            proc = start(src, folder, config)
            if wait(point, 60):
                proc.kill()
                kills += 1
            proc.wait(10)
            if proc.returncode not in (-9, None):
                raise SystemExit(f"the bot ended by itself ({proc.returncode}); see {folder / 'bot.log'}")
        proc = start(src, folder, config)
        try:
            # Every ack, or every ack but those in flight at a kill (not resent); the team chat's 200
            # notices take ten minutes at Telegram's 20 a minute and are not waited for.
            unsent = "SELECT count(*) FROM outbox WHERE last_error LIKE '%stopped while sending%'"
            done = wait(lambda: sum(not acks_for(fake, chat, r) for chat, r in reports) <= count(db, unsent)
                        and count(db, "SELECT count(*) FROM ticket_events WHERE kind = 'note'") >= NOTES
                        and not fake.pending_updates(), 180)
            time.sleep(2)  # anything sent twice is sent by now (the outbox flushes every second)
        finally:
            proc.terminate()
            proc.wait(20)
        replies = [m["reply_to"] for m in fake.bot_messages(TEAM)]
        return {
            "finished": int(done), "kills": kills, "seconds": round(time.monotonic() - started, 1),
            "tickets": count(db, "SELECT count(*) FROM tickets"),
            "acks twice": sum(len(acks_for(fake, chat, r)) > 1 for chat, r in reports),
            "acks missing": sum(not acks_for(fake, chat, r) for chat, r in reports),
            "in flight at a kill, not resent": count(db, "SELECT count(*) FROM outbox WHERE last_error LIKE '%stopped while sending%'"),
            "notes": count(db, "SELECT count(*) FROM ticket_events WHERE kind = 'note'"),
            "note answers twice": sum(replies.count(n) > 1 for n in notes),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, help="another checkout's src/ to run beside this one")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    candidates = [("this checkout", ROOT / "src")] + ([("--src", args.src)] if args.src else [])
    print(f"{GROUPS * REPORTS_PER_GROUP} reports over {GROUPS} groups + {NOTES} /note commands; "
          f"SIGKILL up to {KILLS} times, then a last run to the end")
    for run in range(args.runs):
        for name, src in candidates:
            figures = trial(src)
            print(f"run {run + 1} {name:14} " + "  ".join(f"{k}: {v}" for k, v in figures.items()), flush=True)


if __name__ == "__main__":
    main()
