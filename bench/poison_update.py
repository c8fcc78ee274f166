"""How long healthy chats wait behind one poison Telegram update.

supportbot (python-telegram-bot, the desk, SQLite, the outbox) runs in this process against the local
fake Bot API (tests/fakes/telegram_api.py). A poison update arrives first, then one report in each of
10 other support groups; the figure is the time from the poison update being queued until all 10
acknowledgements reached the fake, and how many updates were parked. Three poisons:

- `huge-reply-id`: a reply whose `reply_to_message.message_id` is 2**64 (SQLite: OverflowError before);
- `unreadable`: a `message` without `date` (python-telegram-bot cannot read it; polling ended before);
- `desk-fails`: an update whose handling raises every time (the desk is made to fail on its text).

The baseline is the old retry schedule: 25 tries 0.5 s doubling up to 30 s apart, about 9.5 minutes
while the next getUpdates waited (computed, not run: it would take that long).

    python bench/poison_update.py
"""

from __future__ import annotations

import asyncio
import logging
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from supportbot import runtime  # noqa: E402
from supportbot.bootstrap import build_app, sender_policy  # noqa: E402
from supportbot.bootstrap_serving import telegram_options  # noqa: E402
from supportbot.chat.outbox_sender import OutboxSender  # noqa: E402
from supportbot.chat.retrying import SHORT  # noqa: E402
from supportbot.chat.telegram.bot import TelegramAdapter  # noqa: E402
from supportbot.config import load_settings  # noqa: E402
from supportbot.services import dead_letters  # noqa: E402
from tests.e2e.support_telegram import (  # noqa: E402
    COURT,
    DAVE,
    NO_TICKET_LIMIT,
    acks_for,
    add_court_groups,
    config_text,
    populate,
)
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402

GOOD = 10
POISON = "POISON: the desk fails on this one"
REPORT = "Report {n}: staking on the court page fails with execution reverted when I confirm in MetaMask."
OLD_TRIES, OLD_FIRST, OLD_MAX = 25, 0.5, 30.0


def old_schedule() -> float:
    """Seconds the old retry held a failing update (and with it the next getUpdates)."""
    return sum(min(OLD_MAX, OLD_FIRST * 2 ** (n - 1)) for n in range(1, OLD_TRIES))


async def scenario(kind: str) -> tuple[float, int, float]:
    with tempfile.TemporaryDirectory() as tmp, FakeTelegram() as fake:
        populate(fake)
        chats = add_court_groups(fake, GOOD)
        path = Path(tmp) / "config.toml"
        path.write_text(config_text(Path(tmp), fake, more_court_chats=chats, extra=NO_TICKET_LIMIT), encoding="utf-8")
        app = build_app(load_settings(path, env={}), {"telegram"})
        await runtime.prepare_database(app)
        adapter = TelegramAdapter(app.desk, telegram_options(app.settings))
        pump = runtime.OutboxPump(OutboxSender(adapter.platform, uow=app.database, clock=app.deps.clock,
                                               policy=sender_policy(app.settings)))
        adapter.on_commit = pump.wake
        handle_message = app.desk.handle_message

        async def failing_desk(msg, **kw):
            if msg.text == POISON:
                raise RuntimeError("the desk broke on this message")
            return await handle_message(msg, **kw)

        app.desk.handle_message = failing_desk
        await adapter.start()
        try:
            start = time.monotonic()
            if kind == "huge-reply-id":
                replied = {"message_id": 2**64, "date": 1, "chat": {"id": COURT, "type": "supergroup"}, "text": "?"}
                fake.push_raw_update({"message": fake.raw_message(COURT, DAVE, REPORT.format(n=0),
                                                                  reply_to_message=replied)})
            elif kind == "unreadable":
                fake.push_raw_update({"message": fake.raw_message(COURT, DAVE, "no date", date=None)})
            else:
                fake.post_message(COURT, DAVE, POISON)
            reports = [(chat, fake.post_message(chat, DAVE, REPORT.format(n=i + 1))) for i, chat in enumerate(chats)]
            await fake.wait_for_async(lambda: all(acks_for(fake, c, r) for c, r in reports), timeout=120)
            took = time.monotonic() - start
            parked = len(await dead_letters.waiting(app.database, everything=True))
            while kind != "huge-reply-id" and not parked:  # the poison itself is parked after the short retry
                await asyncio.sleep(0.05)
                parked = len(await dead_letters.waiting(app.database, everything=True))
            parked_after = time.monotonic() - start
        finally:
            await pump.close()
            await adapter.stop()
            await app.database.dispose()
    return took, parked, parked_after


async def main() -> None:
    logging.basicConfig(level=logging.CRITICAL)
    print(f"retry before parking: {SHORT.tries} tries over {SHORT.longest:.1f}s "
          f"(before: {OLD_TRIES} tries over {old_schedule():.0f}s = {old_schedule() / 60:.1f} min)")
    for kind in ("huge-reply-id", "unreadable", "desk-fails"):
        took, parked, parked_after = await scenario(kind)
        print(f"{kind:14} all {GOOD} acks of the other chats in {took:5.2f}s; parked updates: {parked}"
              + (f" (parked after {parked_after:.2f}s)" if parked else ""))


if __name__ == "__main__":
    asyncio.run(main())
