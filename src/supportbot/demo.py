"""`supportbot demo`: a scripted conversation through the real desk, on a temporary database."""

from __future__ import annotations

import io
import itertools
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

from supportbot.bootstrap import App, build_app, console_chat_ids, sender_policy
from supportbot.chat.console import ConsoleChat, ConsolePlatform
from supportbot.chat.outbox_sender import OutboxSender
from supportbot.config import Settings
from supportbot.runtime import prepare_database

# Monday 7 Dec 2026, 10:00 in Paris: inside business hours, so the normal clock runs.
DEMO_START = datetime(2026, 12, 7, 9, 0, tzinfo=timezone.utc)

SCRIPT = """\
# A reporter describes a problem in the Court support channel.
/in court
/as dave
Staking on the court page fails with "execution reverted" on mainnet. I click Stake, confirm in MetaMask and nothing happens.
thanks!
# The team takes it from the team chat.
/in team
/as Alice
/tickets
/take 1
/status 1 in_progress
/pr 1 https://github.com/kleros/kleros-v2/pull/1234
/status 1 fix_provided deployed to staging
/resolve 1 fixed deployed to mainnet
/ticket 1
# A reporter tries a team command.
/in court
/as dave
/take 1
"""


class DemoClock:
    """A clock the script moves by hand, so the demo shows the same times on every run."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)


async def run_demo(settings: Settings, write: Callable[[str], None] = print, script: str = SCRIPT) -> int:
    """Play the script and print the transcript; 0 when it ran through."""
    with tempfile.TemporaryDirectory(prefix="supportbot-demo-") as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'demo.db'}"
        settings = settings.model_copy(update={"database": settings.database.model_copy(
            update={"url": settings.database.url.__class__(url)})})
        clock = DemoClock(DEMO_START)
        app = build_app(settings, {"console"}, clock=clock)
        try:
            await prepare_database(app)
            chat = _chat(app, write)
            for line in io.StringIO(script):
                line = line.rstrip("\n")
                if line.startswith("# "):
                    write(f"\n── {line[2:]}")
                    continue
                if line.startswith("/wait "):
                    await _wait(app, chat, clock, line, write)
                    continue
                clock.advance(60)  # people take a minute to type
                await chat.handle(line)
        finally:
            await app.database.dispose()
    return 0


def _chat(app: App, write: Callable[[str], None]) -> ConsoleChat:
    ids = itertools.count(1)
    places = console_chat_ids(app.settings)
    platform = ConsolePlatform(write, {v: k for k, v in places.items()}, ids)
    sender = OutboxSender(platform, uow=app.database, clock=app.deps.clock, policy=sender_policy(app.settings))
    return ConsoleChat(app.desk, sender, places, write, ids, echo=True)


async def _wait(app: App, chat: ConsoleChat, clock: DemoClock, line: str, write: Callable[[str], None]) -> None:
    """`/wait 3600` moves the clock and runs the sweep as the scheduler would."""
    seconds = float(line.split()[1])
    clock.advance(seconds)
    write(f"   (… {int(seconds // 60)} minutes later)")
    if app.sweeper is not None:
        await app.sweeper.sweep()
    await chat.flush()
