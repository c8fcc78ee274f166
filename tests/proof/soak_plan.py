"""The soak's week as a script: when each report comes (business and off hours, eight products, a few
emergencies), and what its reporter and the team do after it (replies, status changes, fix confirmations,
ratings, late answers, silence, severity raised), plus two on-call handoffs.

Seeded, so every run plays the same week. A ticket's later steps are made when its report is played, and
wait in a heap: only the tickets still in flight are in memory."""

from __future__ import annotations

import bisect
import heapq
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from supportbot.domain.calendar import BusinessCalendar
from supportbot.domain.durations import parse_duration
from tests.proof import soak_world as world

PARIS = ZoneInfo("Europe/Paris")
WEEK_START = datetime(2026, 12, 28, tzinfo=PARIS)  # Mon; Fri 1 Jan is a holiday, the year ends midweek
WEEK = timedelta(days=7)
EMERGENCY_SHARE = 0.025
BUSINESS_SHARE = 0.7  # of normal reports, sent in business hours; the rest any time of the week
# People's message ids: a report is REPORT_BASE + its ticket's number, later messages and commands go by the
# step's sequence number; the bot's own messages are numbered from 1.
REPORT_BASE = 1_000_000_000
SAY_BASE = 2_000_000_000
COMMAND_BASE = 3_000_000_000
REPORTERS = 6007  # distinct reporters; one writes again about every 6,007 tickets (two days)
ENGINEERS = ("Alice", "Bob", "Dan")
RESPONDERS = ("Carol", "Alice", "Bob", "Dan")
# Normal tickets' stories, by weight (see Plan._story).
STORIES = (("answered", 22), ("fixed", 18), ("unconfirmed", 6), ("followup", 8), ("late", 25),
           ("silent", 19), ("raised", 2))
HANDOFFS = ((datetime(2026, 12, 30, 18, 0, tzinfo=PARIS), "Alice", "/handoff Bob covering tonight"),
            (datetime(2027, 1, 2, 10, 0, tzinfo=PARIS), "Bob", "/handoff Alice back to the rotation"))


@dataclass(order=True)
class Step:
    """One thing someone does at `at`: `kind` is report (a new one, in `chat`), say (a message in the ticket's
    conversation, replying to its report), command (in the team chat) or press (a reporter's button)."""

    at: datetime
    seq: int
    kind: str = field(compare=False)
    who: str = field(compare=False)  # a team member's name, or "reporter"
    number: int = field(compare=False)  # the ticket (0 for a command about none)
    text: str = field(compare=False, default="")
    chat: int = field(compare=False, default=0)  # where a report or a message is written


def reporter_id(number: int) -> int:
    """The Telegram user id of the reporter of ticket `number`."""
    return 3_000_000 + number % REPORTERS


def report_times(count: int, rng: random.Random, calendar: BusinessCalendar) -> list[datetime]:
    """`count` report instants over the week, sorted: most in business hours, the rest spread evenly."""
    business = [WEEK_START + timedelta(days=d, hours=h) for d in range(7) for h in range(9, 17)
                if calendar.is_business_instant(WEEK_START + timedelta(days=d, hours=h))]
    times = []
    for _ in range(count):
        if rng.random() < BUSINESS_SHARE:
            start = rng.choice(business)
            times.append(start + timedelta(seconds=rng.uniform(0, 3600)))
        else:
            times.append(WEEK_START + timedelta(seconds=rng.uniform(0, WEEK.total_seconds())))
    return sorted(times)


class Plan:
    """The week's steps in time order; `number` k is the k-th report, since each report opens a ticket."""

    def __init__(self, tickets: int, calendar: BusinessCalendar, *, seed: int = 14) -> None:
        self.rng = random.Random(seed)
        self.calendar = calendar
        self.reports = report_times(tickets, self.rng, calendar)
        self.heap: list[Step] = []
        self.seq = 0
        self.emergencies = 0
        self.chat = 0  # the chat of the ticket whose story is being written
        self.story_names = [name for name, _ in STORIES]
        self.story_cum = list(_cumulative(w for _, w in STORIES))
        for at, who, text in HANDOFFS:
            self._push(at.astimezone(PARIS), "command", who, 0, text)

    def steps(self) -> Iterator[Step]:
        """Every step of the week in time order (a ticket's story is written as its report is played)."""
        next_report = 0
        while next_report < len(self.reports) or self.heap:
            if next_report < len(self.reports) and (not self.heap or self.reports[next_report] <= self.heap[0].at):
                number = next_report + 1
                at = self.reports[next_report]
                next_report += 1
                yield self._report(number, at)
            else:
                yield heapq.heappop(self.heap)

    def _push(self, at: datetime, kind: str, who: str, number: int, text: str = "") -> None:
        self.seq += 1
        heapq.heappush(self.heap, Step(at, self.seq, kind, who, number, text, self.chat if kind == "say" else 0))

    def _report(self, number: int, at: datetime) -> Step:
        rng = self.rng
        self.seq += 1
        seq = self.seq
        if rng.random() < EMERGENCY_SHARE:
            self.emergencies += 1
            self.chat = world.EMERGENCY_CHAT
            self._emergency_story(number, at)
            return Step(at, seq, "report", "reporter", number,
                        f"The {rng.choice(world.PRODUCTS)} app is down for everyone: withdrawals fail since {at:%H:%M}",
                        self.chat)
        product = rng.randrange(len(world.PRODUCTS))
        chats = world.product_chats(product)
        self.chat = chats[number % len(chats)]
        story = self.story_names[bisect.bisect_right(self.story_cum, rng.random() * self.story_cum[-1])]
        getattr(self, f"_{story}")(number, at)
        text = (f"On the {world.PRODUCTS[product]} page, step {rng.randrange(1, 9)}, the submit button shows "
                f"error {rng.randrange(100, 999)} in Firefox on desktop, account 0x{number:06x}")
        return Step(at, seq, "report", "reporter", number, text, self.chat)

    # --- the stories -------------------------------------------------------------------------------

    def _soon(self, at: datetime, low: float, high: float) -> datetime:
        """A business-hours moment `low`..`high` minutes after the team is next at work after `at`."""
        start = self.calendar.next_business_instant(at)
        return start + timedelta(minutes=self.rng.uniform(low, high))

    def _reply(self, number: int, at: datetime, who: str | None = None) -> None:
        self._push(at, "say", who or self.rng.choice(RESPONDERS), number, "Thanks, we are looking into it.")

    def _answered(self, number: int, at: datetime) -> None:
        reply = self._soon(at, 5, 240)
        self._reply(number, reply)
        self._push(reply + timedelta(minutes=self.rng.uniform(10, 60)), "command", "Carol", number,
                   f"/resolve {number} answered see the FAQ")

    def _fixed(self, number: int, at: datetime) -> None:
        rng = self.rng
        reply = self._soon(at, 5, 180)
        engineer = rng.choice(ENGINEERS)
        self._reply(number, reply, engineer)
        self._push(reply + timedelta(minutes=2), "command", engineer, number, f"/take {number}")
        working = reply + timedelta(minutes=rng.uniform(10, 60))
        self._push(working, "command", engineer, number, f"/status {number} in_progress")
        fix = working + timedelta(hours=rng.uniform(2, 20))
        self._push(fix, "command", engineer, number, f"/status {number} fix_provided")
        confirmed = fix + timedelta(hours=rng.uniform(1, 30))
        self._push(confirmed, "press", "reporter", number, "confirm_fixed")
        if rng.random() < 0.5:
            self._push(confirmed + timedelta(minutes=10), "press", "reporter", number, f"rate_{rng.choice((4, 5))}")

    def _unconfirmed(self, number: int, at: datetime) -> None:
        reply = self._soon(at, 5, 180)
        self._reply(number, reply)
        self._push(reply + timedelta(hours=self.rng.uniform(1, 6)), "command", "Bob", number,
                   f"/status {number} fix_provided")

    def _followup(self, number: int, at: datetime) -> None:
        rng = self.rng
        reply = self._soon(at, 5, 240)
        self._reply(number, reply)
        more = reply + timedelta(hours=rng.uniform(1, 5))
        self._push(more, "say", "reporter", number, "It also happens on my phone, same error.")
        self._reply(number, self._soon(more, 30, 180))

    def _late(self, number: int, at: datetime) -> None:
        due = self.calendar.add(at, parse_duration("1bd"))
        reply = due + timedelta(minutes=self.rng.uniform(30, 480))
        self._reply(number, reply)
        self._push(reply + timedelta(hours=1), "command", "Carol", number, f"/resolve {number} answered")

    def _silent(self, number: int, at: datetime) -> None:
        if self.rng.random() < 0.5:
            self._push(at + timedelta(hours=self.rng.uniform(20, 50)), "say", "reporter", number,
                       "Any news on this? It still fails for me.")

    def _raised(self, number: int, at: datetime) -> None:
        rng = self.rng
        reply = self._soon(at, 5, 120)
        self._reply(number, reply, "Alice")
        raised = reply + timedelta(minutes=30)
        self._push(raised, "command", "Alice", number, f"/severity {number} emergency")
        again = raised + timedelta(minutes=rng.uniform(70, 150))
        self._reply(number, again, "Alice")
        self._push(again + timedelta(minutes=rng.uniform(60, 200)), "command", "Alice", number,
                   f"/resolve {number} fixed")

    def _emergency_story(self, number: int, at: datetime) -> None:
        rng = self.rng
        engineer = rng.choice(ENGINEERS)
        quiet = rng.uniform(5, 40) if rng.random() < 0.6 else rng.uniform(70, 200)
        reply = at + timedelta(minutes=quiet)
        self._reply(number, reply, engineer)
        self._push(reply + timedelta(minutes=10), "command", engineer, number, f"/status {number} in_progress")
        self._push(reply + timedelta(minutes=rng.uniform(30, 150)), "command", engineer, number,
                   f"/resolve {number} fixed")


def _cumulative(weights: Iterable[float]) -> Iterator[float]:
    total = 0.0
    for weight in weights:
        total += weight
        yield total

