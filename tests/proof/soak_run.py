"""Plays the soak's week into the bot: each step through the desk at its instant on the manual clock, the
sweep on its 15-second beat whenever a clock is due (and only then: a week of empty sweeps would be most of
the run), the outbox flushed as the bot's beat would, a crash and a restart in the middle, and the RSS
measured at the chosen moments."""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from supportbot.config import Settings
from supportbot.domain.people import Sender
from supportbot.services.ports import ButtonPress, IncomingMessage
from tests.conftest import ManualClock
from tests.proof import soak_plan as plan_
from tests.proof import soak_world as world

FLUSH_EVERY = timedelta(seconds=30)  # what a step writes is sent within this long...
FLUSH_AFTER_STEPS = 25  # ...or after this many steps: a busy bot's outbox sends in batches
MAX_CLOCK_GAP = timedelta(hours=1)  # no clock of the playbook is shorter: a step cannot make one due sooner
REMIND_EVERY = timedelta(hours=1)  # the shift reminder's job, at a coarser beat than production's minute


def rss_mib() -> float:
    """This process's resident memory, after a full garbage collection (from /proc/self/statm)."""
    gc.collect()
    with open("/proc/self/statm", encoding="ascii") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


@dataclass
class Figures:
    """What the run measured, printed and put in the assertion messages."""

    steps: int = 0
    refused: list[str] = field(default_factory=list)  # commands or presses the desk refused (none expected)
    sweeps: int = 0
    notices: int = 0
    rss: dict[str, float] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    cpu_seconds: dict[str, float] = field(default_factory=dict)
    downtime: list[tuple[datetime, datetime]] = field(default_factory=list)


class Soak:
    """The bot (one Runtime at a time) and the week's plan, on one manual clock."""

    def __init__(self, settings: Settings, url: str, clock: ManualClock, platform: world.RecordingPlatform) -> None:
        self.settings, self.url, self.clock, self.platform = settings, url, clock, platform
        self.rt: world.Runtime | None = None
        self.figures = Figures()
        self.due_hint: datetime | None = None  # no ticket's clock is due before this (None: none known)
        self.written_at: datetime | None = None  # when the oldest step not yet flushed was played
        self.unflushed = 0
        self.next_remind = clock.now()
        self.started, self.cpu_started = time.perf_counter(), time.process_time()
        self.waiting: plan_.Step | None = None  # the first step after the last stretch played

    async def start(self) -> None:
        self.rt = await world.Runtime.start(self.settings, self.url, self.clock, self.platform)
        self.due_hint = await self.rt.next_due()

    async def crash_and_restart(self, down_for: timedelta) -> None:
        """The bot dies without a word and comes back `down_for` later as a new runtime on the same database."""
        assert self.rt is not None
        await self.rt.crash()
        down = self.clock.now()
        self.clock.set(down + down_for)
        self.figures.downtime.append((down, self.clock.now()))
        await self.start()

    async def play_until(self, steps: Iterator[plan_.Step], until: datetime) -> None:
        """Play the plan's steps up to `until`, then let the clocks run to it."""
        while True:
            step, self.waiting = self.waiting or next(steps, None), None
            if step is None:
                break
            if step.at > until:
                self.waiting = step  # the first step of the next stretch
                break
            await self.advance_to(step.at)
            await self.play(step)
        await self.advance_to(until)  # the last steps' messages may still wait for the outbox's beat

    async def advance_to(self, instant: datetime) -> None:
        """Move the clock to `instant`, sweeping on the beat at every due clock on the way (never back)."""
        assert self.rt is not None
        instant = max(instant, self.clock.now())
        while self.due_hint is not None and self.due_hint <= instant:
            due = await self.rt.next_due()
            beat = beat_at_or_after(max(due, self.clock.now())) if due is not None else None
            if beat is None or beat > instant:
                self.due_hint = due
                break
            await self._move(beat)
            await self.flush()  # what was written before the beat goes first, as the outbox's beat sends it
            self.figures.notices += await self.rt.sweep()
            self.figures.sweeps += 1
            await self.flush()
            self.due_hint = await self.rt.next_due()
        await self._move(instant)

    async def _move(self, instant: datetime) -> None:
        """Set the clock to `instant`, running on the way the outbox's beat (what was written goes out within
        FLUSH_EVERY) and the shift reminder's job, each at its own time."""
        assert self.rt is not None and self.rt.app.reminder is not None
        while True:
            flush_at = self.written_at + FLUSH_EVERY if self.written_at is not None else None
            due = [at for at in (flush_at, self.next_remind) if at is not None and at <= instant]
            if not due:
                break
            self.clock.set(max(self.clock.now(), min(due)))
            if min(due) == flush_at:
                await self.flush()
                continue
            if await self.rt.app.reminder.remind():
                await self.flush()  # what a job writes goes out on the outbox's next beat, as in production
            self.next_remind += REMIND_EVERY
        self.clock.set(instant)

    async def play(self, step: plan_.Step) -> None:
        """One step through the desk, as the Telegram adapter hands it over."""
        assert self.rt is not None
        desk, now = self.rt.app.desk, self.clock.now()
        self.figures.steps += 1
        if step.kind == "press":
            reply = await desk.press_button(ButtonPress(world.PLATFORM, world.TEAM_CHAT, 0, self._reporter(step),
                                                        step.number, step.text, now))
            self._check(reply, step)
        elif step.kind == "command":
            msg = self._message(world.TEAM_CHAT, self._team(step.who), step.text, plan_.COMMAND_BASE + step.seq)
            self._check(await desk.handle_message(msg), step)
        else:
            sender = self._reporter(step) if step.who == "reporter" else self._team(step.who)
            report_id = plan_.REPORT_BASE + step.number  # a message in the conversation replies to the report
            reply_to, message_id = (None, report_id) if step.kind == "report" else (report_id, plan_.SAY_BASE + step.seq)
            msg = self._message(step.chat, sender, step.text, message_id, reply_to)
            assert await desk.handle_message(msg) is None, step
        if step.number:
            self.due_hint = min(self.due_hint or now + MAX_CLOCK_GAP, now + MAX_CLOCK_GAP)
        if step.kind == "command" and step.text.startswith("/severity"):
            self.due_hint = now  # a raised ticket's first hour may have passed already
        self.unflushed += 1
        self.written_at = self.written_at or now
        if self.unflushed >= FLUSH_AFTER_STEPS:
            await self.flush()

    async def flush(self) -> None:
        """Send what is due now (the outbox's beat)."""
        assert self.rt is not None
        await self.rt.flush()
        self.unflushed, self.written_at = 0, None

    async def drain(self, limit: int = 200) -> None:
        """Send the rows still waiting for a retry, moving the clock to each (the outbox's beat)."""
        assert self.rt is not None
        for _ in range(limit):
            await self.flush()
            pending, _dead, due = await self.rt.outbox_state()
            if not pending:
                return
            await self.advance_to(max(_aware(due, self.clock.now()), self.clock.now() + timedelta(seconds=1)))

    def measure(self, label: str) -> None:
        """Note the RSS, and the wall-clock and CPU seconds since the start (the CPU's: the machine is shared)."""
        self.figures.rss[label] = round(rss_mib(), 1)
        self.figures.seconds[label] = round(time.perf_counter() - self.started, 1)
        self.figures.cpu_seconds[label] = round(time.process_time() - self.cpu_started, 1)

    # --- who says what where ------------------------------------------------------------------------

    def _reporter(self, step: plan_.Step) -> Sender:
        uid = plan_.reporter_id(step.number)
        return Sender(world.PLATFORM, uid, f"reporter{uid}")

    def _team(self, name: str) -> Sender:
        person = self.rt.app.deps.directory.person(name) if self.rt else None
        assert person is not None, name
        return Sender(world.PLATFORM, world.TEAM[name], name, person=person)

    def _message(self, chat: int, sender: Sender, text: str, message_id: int,
                 reply_to: int | None = None) -> IncomingMessage:
        return IncomingMessage(world.PLATFORM, chat, message_id, sender, text, self.clock.now(), reply_to=reply_to)

    def _check(self, reply, step: plan_.Step) -> None:
        if reply is None or not reply.ok:
            self.figures.refused.append(f"{step.at:%a %H:%M} {step.who}: {step.text} -> "
                                        f"{reply.text if reply else 'no answer'}")


def beat_at_or_after(instant: datetime) -> datetime:
    """The sweep's first beat at or after `instant` (beats every SWEEP_EVERY since the epoch)."""
    every = int(world.SWEEP_EVERY.total_seconds() * 1_000_000)
    micros = int(instant.timestamp() * 1_000_000)
    beat = -(-micros // every) * every
    return instant + timedelta(microseconds=beat - micros)


def _aware(instant: datetime, like: datetime) -> datetime:
    return instant if instant.tzinfo else instant.replace(tzinfo=like.tzinfo)
