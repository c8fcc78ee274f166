"""The weekly digest: the week's figures against the week before, broken promises, the untriaged, a chart.

Sent once a week to the team chat (all products) and to each product's digest chat (that product), once
whatever the number of replicas: the week's key is stored with its messages in one transaction, and a bot
that was down at the slot sends it when it is back. /digest shows the week so far to whoever asks."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time

from supportbot.domain import commands as cmd
from supportbot.domain import metrics, permissions, texts
from supportbot.domain.digest_schedule import (
    DigestWeek,
    WeeklySlot,
    local_instant,
    parse_when,
    reported_week,
    week_so_far,
)
from supportbot.domain.tickets import NotAllowed
from supportbot.services.context import Deps
from supportbot.services.digest_chart import DaySeries
from supportbot.services.metrics import figures_for
from supportbot.services.outbox import Chart, OutboxItem, OutboxKind
from supportbot.services.ports import IncomingMessage, Reply, TicketLine

# Broken promises listed by ticket; a bad week says how many more there were.
MAX_BREACHES_LISTED = 10
CHART_FILENAME = "digest.png"
# A long digest goes out in parts of whole lines, each under the smallest platform limit (Discord's 2,000
# characters; Telegram's 4,096).
PART_LENGTH = 1900


@dataclass(frozen=True)
class DigestPlan:
    """When the digest goes out (business time zone) and how many untriaged tickets it lists."""

    slot: WeeklySlot = parse_when("mon 09:00")
    top_untriaged: int = 5


@dataclass(frozen=True)
class Digest:
    """A digest as sent: its text, and its chart (drawn when sent) with the chart's caption."""

    text: str
    chart: Chart
    caption: str
    empty: bool = False  # nothing opened, resolved or open in either week: not worth a scheduled message


async def build(deps: Deps, week: DigestWeek, *, product: str | None, top_untriaged: int,
                so_far: bool = False) -> Digest:
    """The digest of `week` for a product (all when None); never security tickets, as it goes to the team."""
    zone = deps.clocks.calendar.zone
    now = deps.clock.now()
    this = await figures_for(deps, product=product, start=week.start, end=week.end, security=False)
    last = await figures_for(deps, product=product, start=week.previous_start, end=week.start, security=False)
    async with deps.uow() as uow:
        # From the week before's start to now: the backlog at each day's end is counted back from now.
        opened, resolved = await uow.digest.opened_and_resolved(week.previous_start, now, product=product,
                                                                security=False)
        open_now = await uow.tickets.count_open(product, security=False)
        breaches = await uow.digest.breaches(week.start, week.end, product=product, security=False)
        untriaged, untriaged_count = await uow.digest.untriaged(product=product, limit=top_untriaged)
    ends = [local_instant(day, time(0), zone) for day in week.days[1:]] + [week.end]
    opened, resolved = sorted(opened), sorted(resolved)
    series = day_series(week, ends, opened, resolved, open_now)
    known = deps.directory.product(product) if product else None
    where = texts.DIGEST_FOR.format(product=known.name if known else product) if product else ""
    days = texts.digest_days(week.days)
    head = (texts.DIGEST_SO_FAR_HEAD if so_far else texts.DIGEST_HEAD).format(where=where, days=days)
    figures = [
        (texts.DIGEST_OPENED, str(this.opened), str(last.opened)),
        (texts.DIGEST_RESOLVED, str(sum(series.resolved)), str(_count(resolved, week.previous_start, week.start))),
        (texts.DIGEST_BACKLOG, str(this.backlog), str(last.backlog)),
        (texts.DIGEST_FIRST_RESPONSE, metrics.span(this.first_response_median),
         metrics.span(last.first_response_median)),
        (texts.DIGEST_RESOLUTION_TIME, metrics.span(this.resolution_mean), metrics.span(last.resolution_mean)),
        (texts.DIGEST_RESOLUTION_RATE, metrics.percent(this.resolution_rate), metrics.percent(last.resolution_rate)),
        (texts.DIGEST_ON_TIME, metrics.percent(this.first_response_on_time_rate),
         metrics.percent(last.first_response_on_time_rate)),
        (texts.DIGEST_SATISFACTION, _satisfaction(this), _satisfaction(last)),
    ]
    text = texts.digest_text(
        head, figures, [_breach_line(b) for b in breaches[:MAX_BREACHES_LISTED]], len(breaches),
        [_untriaged_line(t, now) for t in untriaged], untriaged_count)
    chart = Chart(texts.DIGEST_CHART_TITLE.format(where=where), series, CHART_FILENAME)
    empty = not (opened or resolved or open_now or breaches)
    return Digest(text, chart, texts.DIGEST_CHART_CAPTION.format(where=where, days=days), empty)


def day_series(week: DigestWeek, ends: Sequence[datetime], opened: Sequence[datetime],
               resolved: Sequence[datetime], open_now: int) -> DaySeries:
    """Opened and resolved per day of the week (each day ending at its instant in `ends`), and the backlog
    at each day's end; the instants are sorted."""
    starts = [week.start, *ends[:-1]]
    return DaySeries(
        days=week.days,
        opened=tuple(_count(opened, a, b) for a, b in zip(starts, ends, strict=True)),
        resolved=tuple(_count(resolved, a, b) for a, b in zip(starts, ends, strict=True)),
        backlog=tuple(backlog_at(end, opened, resolved, open_now) for end in ends),
    )


def backlog_at(instant: datetime, opened: Sequence[datetime], resolved: Sequence[datetime], open_now: int) -> int:
    """The tickets open at `instant`: those open now, less those opened since, plus those resolved since
    (the sorted instants reach from before `instant` to now)."""
    return max(0, open_now - _since(opened, instant) + _since(resolved, instant))


def _count(instants: Sequence[datetime], start: datetime, end: datetime) -> int:
    """How many of the sorted instants fall in [start, end)."""
    return bisect_left(instants, end) - bisect_left(instants, start)


def _since(instants: Sequence[datetime], start: datetime) -> int:
    """How many of the sorted instants fall at or after start."""
    return len(instants) - bisect_left(instants, start)


def _satisfaction(figures: metrics.Metrics) -> str:
    if not figures.ratings:
        return metrics.percent(None)
    return texts.DIGEST_SATISFACTION_VALUE.format(csat=metrics.percent(figures.csat), ratings=figures.ratings)


def _breach_line(line: TicketLine) -> str:
    kind = texts.DIGEST_BREACH_KINDS.get(line.detail, line.detail.replace("_", " "))
    return texts.DIGEST_TICKET.format(number=line.number, title=line.title, detail=kind)


def _untriaged_line(line: TicketLine, now: datetime) -> str:
    return texts.MORNING_TICKET.format(number=line.number, title=line.title, age=metrics.span(now - line.at))


def text_parts(text: str, limit: int = PART_LENGTH) -> list[str]:
    """The text cut between lines into parts of at most `limit` characters (a longer line is cut short)."""
    parts: list[list[str]] = [[]]
    size = 0
    for line in (line[:limit] for line in text.split("\n")):
        if parts[-1] and size + 1 + len(line) > limit:
            parts.append([])
            size = -1
        parts[-1].append(line)
        size += 1 + len(line)
    return ["\n".join(lines) for lines in parts]


def digest_items(deps: Deps, digest: Digest, *, platform: str, chat_id: int, dedupe: str | None = None,
                 thread_id: int | None = None, skip_parts: int = 0) -> list[OutboxItem]:
    """The digest's text, then its chart, for one chat (in this order: a chat's rows go in queue order);
    `skip_parts` leaves out the first parts of the text (said already)."""
    now = deps.notifier.now()
    items = [deps.notifier.say(platform=platform, chat_id=chat_id, text=part, thread_id=thread_id,
                               dedupe=f"{dedupe}:text:{n}" if dedupe else None)
             for n, part in enumerate(text_parts(digest.text)) if n >= skip_parts]
    chart = OutboxItem(platform=platform, chat_id=chat_id, kind=OutboxKind.PHOTO, text=digest.caption,
                       thread_id=thread_id, payload=digest.chart,
                       dedupe_key=f"{dedupe}:chart" if dedupe else None, created_at=now)
    return [*items, chart]


class WeeklyDigest:
    """Sends the week's digest once, at the configured slot or as soon after it as the bot runs."""

    def __init__(self, deps: Deps, plan: DigestPlan | None = None) -> None:
        self.deps = deps
        self.plan = plan or DigestPlan()

    async def send_due(self) -> int:
        """Send the digest of the last slot passed unless it went out already; returns the chats sent to."""
        deps = self.deps
        now = deps.clock.now()
        zone = deps.clocks.calendar.zone
        slot = self.plan.slot.latest(now, zone)
        key = f"digest:{slot.isoformat()}"
        async with deps.uow() as uow:
            if await uow.handled.has(key):  # the usual case, every minute: nothing more is read
                return 0
        week = reported_week(slot, zone)
        places: list[tuple[str | None, dict[str, int]]] = [(None, dict(deps.directory.team_chats))]
        places += [(p.key, p.digest_chats) for p in deps.directory.products if p.digest_chats]
        items: list[OutboxItem] = []
        for product, chats in places:
            if not chats:
                continue
            digest = await build(deps, week, product=product, top_untriaged=self.plan.top_untriaged)
            if digest.empty:  # a desk just installed, or a product nobody wrote about: nothing to say
                continue
            for platform, chat_id in sorted(chats.items()):
                items += digest_items(deps, digest, platform=platform, chat_id=chat_id,
                                      dedupe=f"{key}:{product or 'all'}:{platform}:{chat_id}")
        async with deps.uow() as uow:
            # Stored with the messages in one transaction: another replica, or this one after a restart, finds it.
            if not await uow.handled.add(key, now):
                return 0
            await uow.outbox.add_many(items)
            await uow.commit()
        return sum(item.kind is OutboxKind.PHOTO for item in items)  # one chart per chat


async def show_digest(deps: Deps, plan: DigestPlan, command: cmd.ShowDigest, msg: IncomingMessage) -> Reply:
    """/digest: the week so far, to the caller; its chart follows in the same chat."""
    permissions.require_team(msg.sender, "digest")
    known = deps.directory.product(command.product) if command.product else None
    if command.product and known is None:
        raise NotAllowed(texts.NO_PRODUCT.format(
            key=command.product, keys=", ".join(p.key for p in deps.directory.products) or "none"))
    product = known.key if known else None
    week = week_so_far(deps.clock.now(), plan.slot, deps.clocks.calendar.zone)
    digest = await build(deps, week, product=product, top_untriaged=plan.top_untriaged, so_far=True)
    first, *_ = text_parts(digest.text)
    async with deps.uow() as uow:
        # The answer is the first part; what is left of a long digest, then the chart, follow in the chat.
        await uow.outbox.add_many(digest_items(deps, digest, platform=msg.platform, chat_id=msg.chat_id,
                                               thread_id=msg.thread_id, skip_parts=1))
        await uow.commit()
    return Reply(first)
