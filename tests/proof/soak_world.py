"""The soak's bot: supportbot's desk, sweep, shift reminder and outbox sender as `supportbot run` wires them
(bootstrap.build_app, bootstrap.outbox_sender), on the test's database and a manual clock, delivering to a
recording chat platform instead of Telegram's servers.

The platform is the chat port (services.outbox.ChatPlatform), not python-telegram-bot against the fake Bot
API: 20,000 tickets through HTTP would take the soak's whole time budget in JSON and sockets, while what it
watches (memory, the outbox, the clocks) lives behind the port. Each delivery is a line in a file, not an
object in memory, so the test's own bookkeeping does not grow with the week."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO

import sqlalchemy as sa

from supportbot import runtime
from supportbot.bootstrap import App, build_app, outbox_sender
from supportbot.chat.outbox_sender import OutboxSender
from supportbot.config import Settings, load_settings
from supportbot.db.engine import Database
from supportbot.db.tables import outbox, tickets
from supportbot.services.outbox import Delivered, MessageLink, OutboxItem, RetryLater
from supportbot.services.ports import Clock

PLATFORM = "telegram"
TEAM_CHAT = -100500
EMERGENCY_CHAT = -100900
SECURITY_CHAT = -100700
PRODUCTS = ("court", "curate", "poh", "escrow", "linguo", "tokens", "reality", "vea")
CHATS_PER_PRODUCT = 2
TEAM = {"Alice": 1001, "Bob": 1002, "Carol": 1003, "Dan": 1004, "Sam": 1005}
ROTATION_START = "2026-11-30T09:00:00+01:00"  # weekly shifts: Alice, Bob, Alice, ...
SWEEP_EVERY = timedelta(seconds=15)  # the default [scheduler] sweep_interval
FAIL_EVERY = 97  # one send in this many is refused once with a 429, as Telegram does under load


def product_chats(product_index: int) -> tuple[int, ...]:
    """The Telegram groups of one product."""
    return tuple(-100100 - 10 * product_index - k for k in range(CHATS_PER_PRODUCT))


def config_text() -> str:
    """The desk's config: eight products, a team of five with a weekly rotation, Paris business hours with
    French holidays (New Year's Day falls in the soak's week), every clock at the playbook's defaults."""
    people = "".join(f"""
[[people]]
name = "{name}"
telegram_id = {uid}
roles = [{'"engineer", "admin"' if name == "Alice" else '"engineer"' if name in ("Bob", "Dan")
          else '"security"' if name == "Sam" else '"owner"'}]
""" for name, uid in TEAM.items())
    products = "".join(f"""
[[products]]
key = "{key}"
name = "{key.title()}"
owners = ["Carol"]
telegram_chats = [{", ".join(str(c) for c in product_chats(i))}]
""" for i, key in enumerate(PRODUCTS))
    return f"""
[database]
url = "sqlite+aiosqlite:///unused.db"

[telegram]
token = "4242:soak-test-token"

[business_hours]
timezone = "Europe/Paris"
holidays = {{ country = "FR" }}

[digest]
enabled = false
{people}
[oncall]
rotation = ["Alice", "Bob"]
shift = "7d"
starts = "{ROTATION_START}"
team_telegram_chat = {TEAM_CHAT}
{products}
[emergency]
telegram_chats = [{EMERGENCY_CHAT}]

[security]
disclosure_url = "https://example.org/security"
telegram_chat = {SECURITY_CHAT}
"""


def load_config(folder: Path) -> Settings:
    path = folder / "soak.toml"
    path.write_text(config_text(), encoding="utf-8")
    return load_settings(path, env={})


class RecordingPlatform:
    """A ChatPlatform that writes one tab-separated line per delivery (send, edit or delete) to a file, a send's
    with when it arrived, and refuses every FAIL_EVERY-th send once with a 429, so retries are part of the week."""

    name = PLATFORM

    def __init__(self, log: TextIO, clock: Clock) -> None:
        self.log, self.clock = log, clock
        self.ids: Iterator[int] = itertools.count(1)
        self.calls = 0
        self.refused = 0
        self.sent = 0
        self.edited = 0

    async def send(self, item: OutboxItem) -> Delivered:
        self.calls += 1
        if self.calls % FAIL_EVERY == 0:
            self.refused += 1
            raise RetryLater("Too Many Requests: retry after 2", after=2.0)
        self.sent += 1
        first_line = item.text.split("\n", 1)[0]
        self.log.write(f"send\t{item.id}\t{item.chat_id}\t{item.ticket_id}\t{item.kind.value}\t"
                       f"{item.dedupe_key or ''}\t{first_line}\t{self.clock.now().isoformat()}\n")
        return Delivered(next(self.ids))

    async def edit(self, item: OutboxItem, card: MessageLink) -> None:
        self.edited += 1
        self.log.write(f"edit\t{item.id}\t{card.chat_id}\t{item.ticket_id}\t{item.kind.value}\t\t\n")

    async def delete(self, item: OutboxItem) -> None:
        self.log.write(f"delete\t{item.id}\t{item.chat_id}\t{item.ticket_id}\t{item.kind.value}\t\t\n")


@dataclass
class Runtime:
    """One life of the bot: its app (desk, sweeper, reminder) and its outbox sender on the shared platform."""

    app: App
    sender: OutboxSender

    @classmethod
    async def start(cls, settings: Settings, url: str, clock: Clock, platform: RecordingPlatform) -> Runtime:
        """A new runtime on the database at `url`, checked as `supportbot run` checks it at start."""
        app = build_app(settings, {PLATFORM}, clock=clock, database=Database.from_url(url))
        await runtime.prepare_database(app)
        return cls(app, outbox_sender(app, platform))

    async def flush(self) -> None:
        """Send what is due now, as the outbox's beat does (rows waiting for a retry stay)."""
        while (await self.sender.flush()).more:
            pass

    async def sweep(self) -> int:
        assert self.app.sweeper is not None
        return await self.app.sweeper.sweep()

    async def next_due(self) -> datetime | None:
        """The earliest instant any open ticket's clock is due (the sweep's index)."""
        async with self.app.database.engine.connect() as db:
            return (await db.execute(sa.select(sa.func.min(tickets.c.next_due_at)))).scalar()

    async def outbox_state(self) -> tuple[int, int, datetime | None]:
        """Pending rows, dead rows, and when the first pending row is due."""
        async with self.app.database.engine.connect() as db:
            pending, due = (await db.execute(sa.select(sa.func.count(), sa.func.min(outbox.c.next_attempt_at))
                                             .where(outbox.c.status == "pending"))).one()
            dead = (await db.execute(sa.select(sa.func.count()).where(outbox.c.status == "dead"))).scalar()
        return pending, dead or 0, due

    async def crash(self) -> None:
        """Stop as a killed process does: nothing flushed, nothing swept; only the connections go."""
        await self.app.database.dispose()
