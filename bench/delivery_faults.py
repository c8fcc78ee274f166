"""Outbox delivery through Telegram faults: a 5xx outage, and sends Telegram takes but answers too late.

The real outbox sender, the real python-telegram-bot (HTTPXRequest) and a real SQLite database, in
this process, against the local fake Bot API (tests/fakes/telegram_api.py). Each scenario runs twice:
with today's sender, and with the sender as it was before (every failure a counted try, no breaker,
no at-most-once after a late answer, one row at a time), reproduced by a wrapper that reports every
platform failure the old way and `parallel_chats=1`.

(a) 20 acknowledgements (cards answering reports, over 5 groups) while Telegram answers 503 to every
    send for 2.5 minutes. Time is scaled down 6x so the run is short: a 25 s outage, back-off from
    1/6 s (the old 8 tries then span 1/6 x (1+2+...+64) = 21 s, as they span 127 s at full scale)
    and outage_max_wait 10 s.
(b) 10 acknowledgements to 10 groups; Telegram takes each of the first 10 sends at once but answers
    only after 1.2 s, while the bot gives up waiting after 0.5 s (at full scale: 12 s and 10 s).

The sender is flushed every 0.2 s, as the pump does after each commit.

    python bench/delivery_faults.py
"""

from __future__ import annotations

import asyncio
import logging
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from telegram import Bot  # noqa: E402
from telegram.request import HTTPXRequest  # noqa: E402

from supportbot.chat.outbox_sender import OutboxSender, SenderPolicy  # noqa: E402
from supportbot.chat.telegram.delivery import TelegramPlatform  # noqa: E402
from supportbot.chat.telegram.limits import FloodLimiter  # noqa: E402
from supportbot.db import migrate  # noqa: E402
from supportbot.db.engine import Database  # noqa: E402
from supportbot.services.outbox import MaybeDelivered, OutboxItem, OutboxKind, PlatformDown, RetryLater  # noqa: E402
from supportbot.services.ports import SystemClock  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402

FIRST_CHAT = -1002000000
REPORTER = 700001
BEAT = 0.2
SCALE = 6.0
OUTAGE = 150.0  # seconds at full scale: just past the old sender's 8 tries (1+2+...+64 = 127 s)
GIVE_UP = 90.0  # seconds: a run still unfinished by then is reported as it stands


class OldErrors:
    """The platform as the sender saw it before: every failure a RetryLater that costs a try."""

    def __init__(self, inner: TelegramPlatform) -> None:
        self.inner, self.name = inner, inner.name

    async def send(self, item):
        try:
            return await self.inner.send(item)
        except (PlatformDown, MaybeDelivered) as err:
            raise RetryLater(str(err)) from None

    async def edit(self, item, card):
        return await self.inner.edit(item, card)

    async def delete(self, item):
        return await self.inner.delete(item)


@dataclass
class Outcome:
    acks: int
    delivered: int
    duplicated: int
    dead: int
    unconfirmed: int
    seconds: float
    calls: int  # sendMessage requests that reached the fake
    tries: int  # the most tries any row used

    def line(self) -> str:
        return (f"{self.delivered:2d}/{self.acks} delivered, {self.duplicated:2d} shown twice, {self.dead:2d} dead, "
                f"{self.unconfirmed:2d} marked unconfirmed; {self.calls:3d} sendMessage calls, at most "
                f"{self.tries} tries used by a row; done in {self.seconds:5.1f} s")


async def run(fake: FakeTelegram, folder: Path, *, old: bool, chats: list[int], acks: int, read_timeout: float,
              policy: SenderPolicy, fault) -> Outcome:
    """Queue the acks, switch the fault on, flush until no row is pending; count what reached the chats."""
    folder.mkdir()
    database = Database.from_url(f"sqlite+aiosqlite:///{folder / 'supportbot.db'}")
    await migrate.upgrade(database.engine)
    reports = [(chats[n % len(chats)], fake.post_message(chats[n % len(chats)], REPORTER, f"report {n}"))
               for n in range(acks)]
    now = datetime.now(UTC)
    async with database() as uow:
        for n, (chat_id, message_id) in enumerate(reports):
            await uow.outbox.add(OutboxItem(platform="telegram", chat_id=chat_id, kind=OutboxKind.CARD,
                                            text=f"🔴 Ticket #{n + 1} received", reply_to=message_id,
                                            payload={"buttons": ["take"], "ticket_number": n + 1}, created_at=now))
        await uow.commit()
    request = HTTPXRequest(connection_pool_size=32, read_timeout=read_timeout, write_timeout=read_timeout)
    bot = Bot(fake.token, base_url=fake.base_url, request=request)
    await bot.initialize()
    platform = TelegramPlatform(bot, FloodLimiter())
    sender = OutboxSender(OldErrors(platform) if old else platform, uow=database, clock=SystemClock(),
                          policy=policy)
    calls_before = fake.count("sendMessage")
    fault()
    started = time.monotonic()
    while time.monotonic() - started < GIVE_UP:
        await sender.flush()
        if not await pending(database):
            break
        await asyncio.sleep(BEAT)
    seconds = time.monotonic() - started
    await asyncio.sleep(2.0)  # late answers still on their way are logged by the fake only once given
    await bot.shutdown()
    statuses = await row_states(database)
    await database.dispose()
    replies = Counter((m["chat_id"], m["reply_to"]) for m in fake.bot_messages() if m["chat_id"] in chats)
    wanted = set(reports)
    return Outcome(acks, sum(1 for r in wanted if replies[r]), sum(1 for r in wanted if replies[r] > 1),
                   statuses["dead"], statuses["unconfirmed"], seconds, fake.count("sendMessage") - calls_before,
                   statuses["tries"])


async def pending(database: Database) -> bool:
    import sqlalchemy as sa

    async with database() as uow:
        count = await uow.session.execute(sa.text("SELECT count(*) FROM outbox WHERE status = 'pending'"))
        return count.scalar_one() > 0


async def row_states(database: Database) -> Counter:
    import sqlalchemy as sa

    async with database() as uow:
        rows = (await uow.session.execute(sa.text("SELECT status, last_error, attempts FROM outbox"))).all()
    states = Counter(status for status, _, _ in rows)
    states["unconfirmed"] = sum(1 for status, error, _ in rows if status == "sent" and error and "may not" in error)
    states["tries"] = max(attempts for _, _, attempts in rows)
    return states


def groups(fake: FakeTelegram, first: int, count: int) -> list[int]:
    chats = [first - i for i in range(count)]
    for chat in chats:
        fake.add_chat(chat, title=f"Support {chat}")
    return chats


async def main() -> None:
    logging.basicConfig(level=logging.CRITICAL)  # the sender's warnings, one per row, would drown the figures
    fake = FakeTelegram().start()
    fake.add_user(REPORTER, "Dana", "dana")
    try:
        with tempfile.TemporaryDirectory(prefix="delivery-faults-") as tmp:
            folder = Path(tmp)
            print(f"(a) 20 acks through a {OUTAGE / SCALE:.0f} s run of 503 on every send "
                  f"({OUTAGE / 60:g} minutes scaled down {SCALE:g}x)")
            for old in (True, False):
                chats = groups(fake, FIRST_CHAT - (0 if old else 100), 5)
                policy = SenderPolicy(max_attempts=8, first_backoff=1 / SCALE, max_backoff=300 / SCALE,
                                      outage_max_wait=60 / SCALE, parallel_chats=1 if old else 8)
                outcome = await run(fake, folder / f"a{old}", old=old, chats=chats, acks=20, read_timeout=10,
                                    policy=policy, fault=lambda: fake.outage(OUTAGE / SCALE, 503))
                fake.outage(0)
                print(f"    {'before' if old else 'now   '}: {outcome.line()}")
            print("(b) 10 acks to 10 groups; Telegram takes each send but answers after 1.2 s; the bot waits 0.5 s")
            for old in (True, False):
                chats = groups(fake, FIRST_CHAT - (200 if old else 300), 10)
                policy = SenderPolicy(parallel_chats=1 if old else 8)
                outcome = await run(fake, folder / f"b{old}", old=old, chats=chats, acks=10, read_timeout=0.5,
                                    policy=policy, fault=lambda: fake.slow_answers(1.2, count=10))
                fake.slow_answers(0)
                print(f"    {'before' if old else 'now   '}: {outcome.line()}")
    finally:
        fake.stop()


if __name__ == "__main__":
    asyncio.run(main())
