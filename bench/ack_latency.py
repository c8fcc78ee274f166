"""Report → acknowledgement latency on Telegram: supportbot beside a bare python-telegram-bot echo bot.

Both bots run as processes against the same local fake Bot API (tests/fakes/telegram_api.py, started
in this process) and get the same reports at the same steady rate. Latency is the time from a report
reaching the fake to the bot's reply to it reaching the fake.

supportbot does more than echo: per report it stores the ticket, its event, link and acknowledgement
in one SQLite transaction (WAL, synchronous=FULL), confirms the update to Telegram only after that,
and sends the acknowledgement through its outbox (claimed and marked sent in two more transactions),
under its own flood limiter. Reports are spread over many groups and reporters, and no team chat is
configured, so that Telegram's per-group limits (20 a minute) never hold a message back: what is
measured is latency, not flood control.

    python bench/ack_latency.py [--reports 1000] [--rate 20] [--chats 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakes.telegram_api import FakeTelegram  # noqa: E402

REPORT = ("Report {n}: staking on the court page fails with 'execution reverted' when I confirm in MetaMask "
          "on Chrome, account 0x1234567890123456789012345678901234567890")
FIRST_CHAT = -1001000000
FIRST_USER = 700000
WARM_UP = 20


def echo_bot(base_url: str, token: str) -> None:
    """The baseline: python-telegram-bot's Application answering each message with a quoted reply."""
    from telegram import Update
    from telegram.ext import Application, MessageHandler, filters

    async def answer(update: Update, _context) -> None:
        await update.message.reply_text("Ticket received", do_quote=True)

    app = Application.builder().token(token).base_url(base_url).build()
    app.add_handler(MessageHandler(filters.TEXT, answer))
    app.run_polling(poll_interval=0, timeout=30, allowed_updates=["message"])


def supportbot_config(folder: Path, fake: FakeTelegram, chats: list[int]) -> Path:
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
[[products]]
key = "court"
name = "Court v2"
telegram_chats = [{", ".join(map(str, chats))}]
""", encoding="utf-8")
    return path


def replies_by_report(fake: FakeTelegram) -> dict[tuple[int, int], float]:
    """When the bot's reply to each message arrived, by (chat, replied message id)."""
    with fake.lock:
        return {(key[0], rec["reply_to"]): rec["sent_at"] for key, rec in fake.messages.items()
                if rec["from_bot"] and rec["reply_to"] is not None}


def post_reports(fake: FakeTelegram, chats: list[int], count: int, rate: float, start: int) -> dict[tuple[int, int], float]:
    """Post `count` reports at a steady rate, round-robin over chats and reporters; returns when each was posted."""
    posted: dict[tuple[int, int], float] = {}
    began = time.monotonic()
    for i in range(count):
        delay = began + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        n = start + i
        chat = chats[n % len(chats)]
        at = time.time()
        message_id = fake.post_message(chat, FIRST_USER + n % (len(chats) * 3), REPORT.format(n=n))
        posted[(chat, message_id)] = at
    return posted


def measure(name: str, command: list[str], fake: FakeTelegram, chats: list[int], args: argparse.Namespace,
            folder: Path) -> list[float]:
    """Start a bot, warm it up, post the reports, and return each report's latency in milliseconds."""
    log = open(folder / f"{name}.log", "w", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]), "PTB_TIMEDELTA": "true"}
    proc = subprocess.Popen(command, cwd=folder, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        warm = post_reports(fake, chats, WARM_UP, 5, start=0)
        fake.wait_for(lambda: set(warm) <= set(replies_by_report(fake)), timeout=60)
        time.sleep(1)
        posted = post_reports(fake, chats, args.reports, args.rate, start=WARM_UP)
        fake.wait_for(lambda: set(posted) <= set(replies_by_report(fake)), timeout=120)
    finally:
        proc.terminate()
        proc.wait(30)
        log.close()
    replies = replies_by_report(fake)
    return [(replies[key] - at) * 1000 for key, at in posted.items()]


def summary(latencies: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(latencies, n=100)
    return {"p50": statistics.median(latencies), "p90": cuts[89], "p99": cuts[98], "max": max(latencies)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=20.0, help="reports per second")
    parser.add_argument("--chats", type=int, default=200, help="support groups the reports are spread over")
    parser.add_argument("--echo-bot", nargs=2, metavar=("BASE_URL", "TOKEN"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.echo_bot:
        echo_bot(*args.echo_bot)
        return
    per_chat_minute = args.rate * 60 / args.chats
    print(f"{args.reports} reports at {args.rate:g}/s over {args.chats} groups "
          f"({per_chat_minute:.1f} a minute per group, under Telegram's 20; {args.rate:g}/s overall, under 30): "
          "flood limits never apply, so this measures latency.")
    chats = [FIRST_CHAT - i for i in range(args.chats)]
    results = {}
    with tempfile.TemporaryDirectory(prefix="ack-latency-", dir=ROOT) as tmp, FakeTelegram() as fake:
        folder = Path(tmp)
        for chat in chats:
            fake.add_chat(chat, title=f"Support {chat}")
        echo = [sys.executable, str(Path(__file__).resolve()), "--echo-bot", fake.base_url, fake.token]
        results["echo bot (python-telegram-bot Application)"] = measure("echo", echo, fake, chats, args, folder)
        config = supportbot_config(folder, fake, chats)
        bot = [sys.executable, "-m", "supportbot.cli", "run", "--config", str(config)]
        results["supportbot (ticket stored, then acknowledged)"] = measure("supportbot", bot, fake, chats, args, folder)
        requests_429 = fake.count("sendMessage", 429)
    base, ours = (summary(v) for v in results.values())
    for (name, values), stats in zip(results.items(), (base, ours), strict=True):
        print(f"{name:48s} " + "  ".join(f"{k} {v:7.1f} ms" for k, v in stats.items()) + f"  (n={len(values)})")
    print(f"{'ratio supportbot / echo bot':48s} p50 {ours['p50'] / base['p50']:.2f}x  p99 {ours['p99'] / base['p99']:.2f}x"
          f"  (429 answers during the run: {requests_429})")


if __name__ == "__main__":
    main()
