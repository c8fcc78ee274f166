"""An auditor of the desk's clocks, written from the playbook and the README ("Clocks and escalation"), not
from domain/sla.py: from each ticket's stored history it works out when every promise fell due and checks
that the bot's escalations (and its 🟡 closings) came at the sweep's first beat after that, and never
otherwise. Only the holiday list is the bot's own (BusinessCalendar.is_working_day).

The rules, as the README states them: a normal ticket's first response is due one business day (8 h of
09:00-17:00, Europe/Paris, working days only) after it opens, and a miss tags the owners once; no activity
for five business days tags them again, and every five business days after that. An emergency runs on
wall-clock time: no response within the hour, or no activity for an hour once answered, tags the on-call
team, again every hour. A 🟡 ticket waits for its reporter only: three business days after the later of
the move to 🟡 and the last activity, the sweep resolves it as fixed. A resolved ticket owes nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

HOUR = timedelta(hours=1)
OPENS, CLOSES = time(9), time(17)
BOT = "supportbot"
# What a team member does on a ticket that answers and moves it (not /note, /priority, /product).
TEAM_ACTIONS = frozenset({"reply", "team_message", "status", "take", "assign", "pr", "severity", "resolve",
                          "reopen", "faq"})


class BusinessTime:
    """Business days added the way the README counts them: from the first business instant at or after the
    start, in local wall-clock time, a day being eight hours of opening time."""

    def __init__(self, zone: ZoneInfo, working_day: Callable[[date], bool]) -> None:
        self.zone, self.working_day = zone, working_day

    def add_days(self, start: datetime, days: int) -> datetime:
        left = timedelta(hours=8) * days
        local = start.astimezone(self.zone).replace(tzinfo=None)
        while True:
            day = local.date()
            if self.working_day(day):
                opens, closes = datetime.combine(day, OPENS), datetime.combine(day, CLOSES)
                local = max(local, opens)
                if local < closes:
                    if left <= closes - local:
                        return (local + left).replace(tzinfo=self.zone)
                    left -= closes - local
            local = datetime.combine(day + timedelta(days=1), time(0))


@dataclass
class _State:
    emergency: bool
    created: datetime
    answered: datetime | None = None
    activity: datetime | None = None
    status: str = "received"
    fix_at: datetime | None = None
    first_missed_told: bool = False
    last_repeat: datetime | None = None  # the last stagnant or emergency notice


@dataclass
class Audit:
    """What the auditor found: counts of what it checked and every discrepancy, one line each."""

    tickets: int = 0
    escalations: int = 0
    expirations: int = 0
    problems: list[str] = field(default_factory=list)


class Auditor:
    """Recomputes each ticket's deadlines from its history and compares with what the bot did."""

    def __init__(self, business: BusinessTime, team: Iterable[str], *, beat: Callable[[datetime], datetime],
                 downtime: list[tuple[datetime, datetime]], horizon: datetime) -> None:
        self.business, self.team = business, frozenset(team)
        self.beat, self.downtime, self.horizon = beat, downtime, horizon
        self.audit = Audit()

    def check(self, ticket_id: int, history: list[tuple[datetime, str, str, str]]) -> None:
        """One ticket's history, oldest first: (at, actor, kind, detail)."""
        self.audit.tickets += 1
        at, _actor, kind, detail = history[0]
        assert kind == "created", (ticket_id, history[0])
        state = _State(emergency=detail.startswith("emergency"), created=at, activity=at)
        for at, actor, kind, detail in history[1:]:
            owed = self.next_due(state)
            if actor == BOT and kind in ("escalation", "resolve"):
                self._fired(ticket_id, state, owed, at, detail if kind == "escalation" else "confirmation_expired")
                continue
            if owed is not None and self.fire_by(owed[0]) < at:
                self._problem(ticket_id, f"{owed[1]} due {owed[0]:%a %d %H:%M:%S} not fired before {kind} at {at}")
                return
            self._apply(state, at, actor, kind, detail)
            if kind == "first_response" and state.answered != at:
                self._problem(ticket_id, f"first response recorded at {at}, but the team first acted at {state.answered}")
        owed = self.next_due(state)
        if owed is not None and self.fire_by(owed[0]) < self.horizon:
            self._problem(ticket_id, f"{owed[1]} due {owed[0]:%a %d %H:%M:%S} never fired")

    def next_due(self, s: _State) -> tuple[datetime, str] | None:
        """The next promise the ticket owes, and its kind; None when it owes nothing."""
        if s.status == "resolved":
            return None
        assert s.activity is not None
        if s.status == "fix_provided" and s.answered is not None:
            anchor = max(s.fix_at or s.activity, s.activity)
            return self.business.add_days(anchor, 3), "confirmation_expired"
        if s.emergency:
            base, kind = ((s.created, "emergency_unanswered") if s.answered is None
                          else (s.activity, "emergency_idle"))
            due = base + HOUR
            if s.last_repeat is not None:
                due = max(due, s.last_repeat + HOUR)
            return due, kind
        if s.answered is None and not s.first_missed_told:
            first = self.business.add_days(s.created, 1)
            stagnant = self._stagnant(s)
            return (first, "first_response_missed") if first <= stagnant else (stagnant, "stagnant")
        return self._stagnant(s), "stagnant"

    def _stagnant(self, s: _State) -> datetime:
        assert s.activity is not None
        anchor = max(s.activity, s.last_repeat) if s.last_repeat else s.activity
        return self.business.add_days(anchor, 5)

    def fire_by(self, due: datetime) -> datetime:
        """The sweep's first beat at or after `due`, or after the restart when the bot was down then."""
        for down, up in self.downtime:
            if down <= due < up:
                due = up
        return self.beat(due)

    def _fired(self, ticket_id: int, s: _State, owed: tuple[datetime, str] | None, at: datetime, kind: str) -> None:
        if owed is None or owed[1] != kind or not owed[0] <= at <= self.fire_by(owed[0]):
            expected = f"{owed[1]} at {self.fire_by(owed[0])}" if owed else "nothing"
            self._problem(ticket_id, f"{kind} fired at {at}; expected {expected}")
        if kind == "confirmation_expired":
            self.audit.expirations += 1
            s.status = "resolved"
            return
        self.audit.escalations += 1
        if kind == "first_response_missed":
            s.first_missed_told = True
        else:
            s.last_repeat = at

    def _apply(self, s: _State, at: datetime, actor: str, kind: str, detail: str) -> None:
        team = actor in self.team
        if team and kind in TEAM_ACTIONS:
            s.answered = s.answered or at
            s.activity = at
        elif not team and kind == "message":
            s.activity = at
        if kind == "status":
            s.status = detail.split()[0]
            s.fix_at = at if s.status == "fix_provided" else s.fix_at
        elif kind == "resolve":
            s.status = "resolved"
        elif kind == "reopen":
            s.status = "received"
        elif kind == "severity":
            s.emergency = detail.startswith("emergency")

    def _problem(self, ticket_id: int, line: str) -> None:
        self.audit.problems.append(f"ticket id {ticket_id}: {line}")
