"""Report → acknowledgement latency on Telegram, in the real configuration, beside a bare echo bot.

Each bot runs as a process against its own local fake Bot API (tests/fakes/telegram_api.py, started in
this process, enforcing Telegram's flood limits) and gets the same reports at the same steady rate:
by default 50 support groups at 5 reports a second in all. supportbot runs as configured in
production: a product over those groups and an on-call team chat that gets a "New ticket" notice for
every report — 5 a second into one group that Telegram lets take 20 a minute, so that chat's backlog
grows for the whole run and its flood limit holds it most of the time. Every acknowledgement goes to
a group that is never near its limit. The runs alternate (echo, supportbot, echo, supportbot, …)
so both see the same machine.

Latency is the time from a report reaching the fake to the bot's reply to it reaching the fake.
supportbot stores the ticket, its event, link, card and team notice in one SQLite transaction (WAL,
synchronous=FULL), confirms the update only after that, and sends the acknowledgement through its
outbox under its own flood limiter; the echo bot answers "Ticket received" with a quoted reply.

    python bench/ack_latency.py [--runs 3] [--reports 600] [--rate 5] [--groups 50] [--src OTHER/src] [--floor]

`--floor` adds a third bot, run between the two: the echo bot that first writes the rows supportbot
writes for a report, in one durable transaction with prebuilt Core statements, through supportbot's
engine. No bot that keeps a report before acknowledging it can answer faster than that: it shows how
much of supportbot's latency is the durable write itself, and how much is supportbot.

`--src` runs another checkout's `src/` as supportbot (e.g. `git worktree add /tmp/before <commit>`).
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakes.telegram_api import FakeTelegram, RateLimits  # noqa: E402

REPORT = ("Report {n}: staking on the court page fails with 'execution reverted' when I confirm in MetaMask "
          "on Chrome, account 0x1234567890123456789012345678901234567890")
FIRST_GROUP = -1001000000
TEAM = -1009000000
ENGINEER = 1001
FIRST_USER = 700000
WARM_UP = 20
ECHO = "echo bot"
STORED_ECHO = "stored echo"
SUPPORTBOT = "supportbot"


def echo_bot(base_url: str, token: str) -> None:
    """The baseline: python-telegram-bot's Application answering each message with a quoted reply."""
    from telegram import Update
    from telegram.ext import Application, MessageHandler, filters

    async def answer(update: Update, _context) -> None:
        assert update.message is not None
        await update.message.reply_text("Ticket received", do_quote=True)

    app = Application.builder().token(token).base_url(base_url).build()
    app.add_handler(MessageHandler(filters.TEXT, answer))
    app.run_polling(poll_interval=0, timeout=30, allowed_updates=["message"])


def stored_echo_bot(base_url: str, token: str, url: str) -> None:
    """The floor for any bot that keeps what it is told: the echo bot, but before answering it writes the
    rows supportbot writes for a report (the ticket numbered from its counter, its link, its event, its card
    and team notice in the outbox) with prebuilt SQLAlchemy Core statements in one transaction, through
    supportbot's own engine (the same SQLite file settings: WAL, synchronous=FULL)."""
    from telegram import Update
    from telegram.ext import Application, MessageHandler, filters

    from bench.intake import CoreLoop

    writer = CoreLoop()
    reports = itertools.count(1)  # the rows' keys: message ids repeat from one group to the next

    async def opened(_app: Application) -> None:
        await writer.open(url)

    async def closing(_app: Application) -> None:
        await writer.close(0)  # the database's connection thread would keep the process alive

    async def answer(update: Update, _context) -> None:
        assert update.message is not None
        await writer.one(next(reports))
        await update.message.reply_text("Ticket received", do_quote=True)

    app = Application.builder().token(token).base_url(base_url).post_init(opened).post_shutdown(closing).build()
    app.add_handler(MessageHandler(filters.TEXT, answer))
    app.run_polling(poll_interval=0, timeout=30, allowed_updates=["message"])


def supportbot_config(folder: Path, fake: FakeTelegram, groups: list[int]) -> Path:
    """supportbot as an operator runs it: default scheduler and outbox settings, an on-call team chat."""
    starts = (datetime.now(UTC) - timedelta(hours=1)).isoformat(timespec="seconds")
    path = folder / "config.toml"
    path.write_text(f"""
log_level = "WARNING"
[database]
url = "sqlite+aiosqlite:///{folder / 'supportbot.db'}"
[telegram]
token = "{fake.token}"
api_base_url = "{fake.base_url}"
[business_hours]
timezone = "UTC"
days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
open = "00:00"
close = "23:59"
[[people]]
name = "Alice"
telegram_id = {ENGINEER}
telegram_username = "alice"
roles = ["engineer", "admin"]
[oncall]
rotation = ["Alice"]
starts = "{starts}"
team_telegram_chat = {TEAM}
[[products]]
key = "court"
name = "Court v2"
owners = ["Alice"]
telegram_chats = [{", ".join(map(str, groups))}]
""", encoding="utf-8")
    return path


def replies_by_report(fake: FakeTelegram) -> dict[tuple[int, int], float]:
    """When the bot's reply to each message arrived, by (chat, replied message id)."""
    with fake.lock:
        return {(key[0], rec["reply_to"]): rec["sent_at"] for key, rec in fake.messages.items()
                if rec["from_bot"] and rec["reply_to"] is not None}


def post_reports(fake: FakeTelegram, groups: list[int], count: int, rate: float,
                 start: int) -> dict[tuple[int, int], float]:
    """Post `count` reports at a steady rate, round-robin over groups and reporters; returns when each was posted."""
    posted: dict[tuple[int, int], float] = {}
    began = time.monotonic()
    for i in range(count):
        delay = began + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        n = start + i
        group = groups[n % len(groups)]
        at = time.time()
        message_id = fake.post_message(group, FIRST_USER + n % (len(groups) * 3), REPORT.format(n=n))
        posted[(group, message_id)] = at
    return posted


def run_once(name: str, args: argparse.Namespace) -> tuple[list[float], int, int]:
    """One bot on a fresh fake and database: warm up, post the reports; (latencies in ms, 429s, team notices)."""
    groups = [FIRST_GROUP - i for i in range(args.groups)]
    with tempfile.TemporaryDirectory(prefix="ack-latency-", dir=ROOT) as tmp, \
            FakeTelegram(rate_limits=RateLimits()) as fake:
        folder = Path(tmp)
        for chat in (*groups, TEAM):
            fake.add_chat(chat, title=f"Chat {chat}")
        fake.add_user(ENGINEER, "Alice", "alice")
        if name == ECHO:
            command = [sys.executable, str(Path(__file__).resolve()), "--echo-bot", fake.base_url, fake.token]
        elif name == STORED_ECHO:
            command = [sys.executable, str(Path(__file__).resolve()), "--stored-echo-bot", fake.base_url, fake.token,
                       f"sqlite+aiosqlite:///{folder / 'echo.db'}"]
        else:
            config = supportbot_config(folder, fake, groups)
            command = [sys.executable, "-m", "supportbot.cli", "run", "--config", str(config)]
        src = args.src.resolve() if args.src else ROOT / "src"
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(src), str(ROOT)]), "PTB_TIMEDELTA": "true"}
        with open(folder / f"{name}.log", "w", encoding="utf-8") as log:
            proc = subprocess.Popen(command, cwd=folder, stdout=log, stderr=subprocess.STDOUT, env=env)
            try:
                warm = post_reports(fake, groups, WARM_UP, args.rate, start=0)
                fake.wait_for(lambda: set(warm) <= set(replies_by_report(fake)), timeout=60)
                time.sleep(1)
                posted = post_reports(fake, groups, args.reports, args.rate, start=WARM_UP)
                fake.wait_for(lambda: set(posted) <= set(replies_by_report(fake)), timeout=120)
            finally:
                proc.terminate()
                proc.wait(30)
        replies = replies_by_report(fake)
        latencies = [(replies[key] - at) * 1000 for key, at in posted.items()]
        return latencies, fake.count("sendMessage", 429), len(fake.bot_messages(TEAM))


def summary(latencies: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(latencies, n=100)
    return {"p50": statistics.median(latencies), "p90": cuts[89], "p99": cuts[98], "max": max(latencies)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each bot, interleaved")
    parser.add_argument("--reports", type=int, default=600)
    parser.add_argument("--rate", type=float, default=5.0, help="reports per second, over all groups")
    parser.add_argument("--groups", type=int, default=50, help="support groups the reports are spread over")
    parser.add_argument("--src", type=Path, help="another checkout's src/ to run as supportbot")
    parser.add_argument("--floor", action="store_true",
                        help="also run the echo bot that stores the report's rows before answering")
    parser.add_argument("--echo-bot", nargs=2, metavar=("BASE_URL", "TOKEN"), help=argparse.SUPPRESS)
    parser.add_argument("--stored-echo-bot", nargs=3, metavar=("BASE_URL", "TOKEN", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.echo_bot:
        echo_bot(*args.echo_bot)
        return
    if args.stored_echo_bot:
        stored_echo_bot(*args.stored_echo_bot)
        return
    print(f"{args.reports} reports at {args.rate:g}/s over {args.groups} groups; supportbot also sends a team "
          f"notice per report ({args.rate * 60:g} a minute into one group held to Telegram's 20); "
          f"supportbot from {args.src or 'this checkout'}", flush=True)
    bots = (ECHO, STORED_ECHO, SUPPORTBOT) if args.floor else (ECHO, SUPPORTBOT)
    figures: dict[str, list[dict[str, float]]] = {name: [] for name in bots}
    for run in range(1, args.runs + 1):
        for name in bots:
            latencies, throttled, notices = run_once(name, args)
            stats = summary(latencies)
            figures[name].append(stats)
            extra = f"  429s {throttled}" + (f"  team notices sent {notices}" if name == SUPPORTBOT else "")
            print(f"run {run} {name:10s} " + "  ".join(f"{k} {v:7.1f} ms" for k, v in stats.items())
                  + f"  (n={len(latencies)}){extra}", flush=True)
    print()
    for name, runs in figures.items():
        print(f"{name:10s} over {len(runs)} runs  " + "  ".join(
            f"{k} min {min(r[k] for r in runs):6.1f} / median {statistics.median(r[k] for r in runs):6.1f} ms"
            for k in ("p50", "p99")))
    ratios = [(s["p50"] / e["p50"], s["p99"] / e["p99"]) for e, s in zip(figures[ECHO], figures[SUPPORTBOT],
                                                                          strict=True)]
    print("ratio supportbot / echo bot, each run beside the echo run before it: "
          + "  ".join(f"p50 {a:.2f}x p99 {b:.2f}x" for a, b in ratios))
    print(f"median ratio: p50 {statistics.median(a for a, _ in ratios):.2f}x  "
          f"p99 {statistics.median(b for _, b in ratios):.2f}x  (target: both <= 1.5x)")
    if args.floor:
        for label, first, second in (("stored echo / echo bot", ECHO, STORED_ECHO),
                                     ("supportbot / stored echo", STORED_ECHO, SUPPORTBOT)):
            pairs = list(zip(figures[first], figures[second], strict=True))
            print(f"median ratio {label}: p50 {statistics.median(b['p50'] / a['p50'] for a, b in pairs):.2f}x  "
                  f"p99 {statistics.median(b['p99'] / a['p99'] for a, b in pairs):.2f}x")


if __name__ == "__main__":
    main()
