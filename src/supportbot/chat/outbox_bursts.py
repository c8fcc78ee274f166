"""Notices that come faster than a chat may show them go out folded into one message that lists every
ticket they were about, emergencies first: when the platform holds the chat to its send limit and more than
a few wait (a burst), and when the chat's queue passes its bound. Acknowledgements, cards, replies in a
ticket's conversation and messages with buttons are never folded; the folded rows are marked sent through
the digest in the same transaction that queues it, so a crash folds all of them or none."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from supportbot.domain import texts
from supportbot.services.outbox import Mention, OutboxItem, OutboxKind, WaitingNotice
from supportbot.services.ports import Clock, UnitOfWorkFactory

log = logging.getLogger("supportbot.chat.outbox_sender")  # the sender's log: one place for delivery

# Each platform's longest message (chat/telegram/render.py, chat/discord/render.py; a test holds them equal).
MESSAGE_LIMITS = {"telegram": 4096, "discord": 2000}
DEFAULT_LIMIT = 2000
MENTION_ROOM = 40  # characters a mention may take once rendered (a Discord id, a Telegram name)
LINE_MAX = 200  # a notice quoted in a digest is cut to this
LABEL_ROOM = 40  # "🚨 1234 emergencies: " and the line's end, counted generously
FOLD_AT_MOST = 2000  # notices folded in one transaction; more wait for the next fold
BOUND_CHECK_EVERY = timedelta(seconds=10)


def units(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units); never less than the characters Discord counts."""
    return len(text.encode("utf-16-le")) // 2


def _mentions(notices: Sequence[WaitingNotice]) -> tuple[Mention, ...]:
    """Everyone the notices tag, once each, in order."""
    return tuple(dict.fromkeys(m for n in notices for m in n.item.mentions))


def _quoted(notice: WaitingNotice) -> str:
    line = notice.item.text.strip().split("\n", 1)[0]
    return line if len(line) <= LINE_MAX else line[:LINE_MAX - 1] + "…"


def digest_texts(notices: Sequence[WaitingNotice], reason: str, limit: int) -> list[tuple[str, list[WaitingNotice]]]:
    """The digest's messages, each with the notices it lists: each notice quoted when all fit in one
    message; else every ticket number, emergencies first, over as many messages as it takes."""
    ordered = sorted(notices, key=lambda n: not n.emergency)  # stable: queue order within each
    room = limit - MENTION_ROOM * len(_mentions(notices))
    whole = "\n".join([texts.fold_head(len(notices), reason), *map(_quoted, ordered), texts.FOLD_FOOT])
    if units(whole) <= room:
        return [(whole, list(ordered))]
    parts = _packed(ordered, room - units(texts.fold_head(len(notices), reason, 99, 99)) - units(texts.FOLD_FOOT) - 2)
    return [("\n".join([texts.fold_head(len(notices), reason, i, len(parts)), *lines, texts.FOLD_FOOT]), listed)
            for i, (lines, listed) in enumerate(parts, start=1)]


@dataclass
class _Part:
    lines: list[str] = field(default_factory=list)
    listed: list[WaitingNotice] = field(default_factory=list)
    size: int = 0


def _packed(ordered: Sequence[WaitingNotice], room: int) -> list[tuple[list[str], list[WaitingNotice]]]:
    """Ticket numbers in messages of `room` characters at most: the emergencies' line(s), then the others'."""
    parts = [_Part()]
    for emergency in (True, False):
        group = [n for n in ordered if n.emergency is emergency]
        line: list[int] = []
        cost = LABEL_ROOM
        for number in dict.fromkeys(n.number for n in group):
            if parts[-1].size + cost + len(str(number)) + 3 > room:  # "#<number>, "
                _close(parts[-1], line, group, emergency)
                parts.append(_Part())
                line, cost = [], LABEL_ROOM
            line.append(number)
            cost += len(str(number)) + 3
        _close(parts[-1], line, group, emergency)
    return [(p.lines, p.listed) for p in parts if p.lines]


def _close(part: _Part, line: list[int], group: list[WaitingNotice], emergency: bool) -> None:
    """Put a line of ticket numbers in the message, with the notices it stands for."""
    if not line:
        return
    text = texts.fold_numbers(line, emergency=emergency)
    taken = set(line)
    part.lines.append(text)
    part.listed += [n for n in group if n.number in taken]
    part.size += units(text) + 1


def digests(notices: Sequence[WaitingNotice], reason: str, *, limit: int, now: datetime,
            due: datetime) -> list[OutboxItem]:
    """The digest rows standing for the notices (all to one chat), due at `due`."""
    first = notices[0].item
    return [OutboxItem(platform=first.platform, chat_id=first.chat_id, kind=OutboxKind.MESSAGE, text=text,
                       mentions=_mentions(listed), created_at=now, next_attempt_at=due)
            for text, listed in digest_texts(notices, reason, limit)]


class Folder:
    """Folds one platform's waiting notices into digests (see the module's docstring)."""

    def __init__(self, platform: str, *, uow: UnitOfWorkFactory, clock: Clock, burst_from: int,
                 max_per_chat: int) -> None:
        self.platform = platform
        self.uow = uow
        self.clock = clock
        self.burst_from = burst_from  # 0: bursts are not folded
        self.max_per_chat = max_per_chat  # 0: no bound
        self.limit = MESSAGE_LIMITS.get(platform, DEFAULT_LIMIT)
        self.crowded: dict[int, int] = {}  # chats past the bound when last counted -> messages waiting
        self._checked_at: datetime | None = None

    async def burst(self, chat_id: int, after: float) -> set[int]:
        """Fold what waits for a chat the platform holds back for `after` seconds, when more than a few
        notices do; the digest is due when the hold ends. Returns the ids of the rows folded."""
        if self.burst_from <= 0:
            return set()
        reason = texts.FOLD_BURST.format(platform=self.platform.capitalize())
        due = self.clock.now() + timedelta(seconds=after)
        return await self._fold(chat_id, reason, due, least=self.burst_from)

    async def check_bound(self) -> None:
        """Every few seconds: count each chat's queue; past the bound, warn once and fold the plain notices
        queued past it (acknowledgements, emergencies and the rows before the bound go out as they are)."""
        now = self.clock.now()
        if self.max_per_chat <= 0 or (self._checked_at is not None and now - self._checked_at < BOUND_CHECK_EVERY):
            return
        self._checked_at = now
        async with self.uow() as uow:
            crowded = dict(await uow.outbox.crowded_chats(self.platform, self.max_per_chat))
        for chat_id, pending in crowded.items():
            if chat_id not in self.crowded:
                log.warning("%s: %s messages wait for chat %s, past its bound of %s ([outbox] max_per_chat); "
                            "plain notices past it are folded, acknowledgements and emergencies still queued",
                            self.platform, pending, chat_id, self.max_per_chat)
            reason = texts.FOLD_BOUND.format(bound=self.max_per_chat)
            await self._fold(chat_id, reason, now, least=2, beyond=self.max_per_chat, emergencies=False)
        for chat_id in self.crowded.keys() - crowded.keys():
            log.info("%s: chat %s is back under its bound of %s messages waiting", self.platform, chat_id,
                     self.max_per_chat)
        self.crowded = crowded

    async def _fold(self, chat_id: int, reason: str, due: datetime, *, least: int, beyond: int = 0,
                    emergencies: bool = True) -> set[int]:
        """Replace at least `least` waiting notices of the chat by their digests, in one transaction."""
        async with self.uow() as uow:
            waiting = await uow.outbox.waiting_notices(self.platform, chat_id, beyond=beyond, limit=FOLD_AT_MOST)
            notices = [n for n in waiting if emergencies or not n.emergency]
            if len(notices) < max(1, least):
                return set()
            made = digests(notices, reason, limit=self.limit, now=self.clock.now(), due=due)
            folded = [n.item.id for n in notices if n.item.id is not None]
            if not await uow.outbox.fold(folded, made):
                return set()  # another sender settled one of them: left as they are (no commit)
            await uow.commit()
        log.info("%s: %s notices to chat %s folded into %s message(s): %s", self.platform, len(folded), chat_id,
                 len(made), reason)
        return set(folded)


def without(rows: Sequence[OutboxItem], folded: set[int]) -> None:
    """Rows of a lane that were folded are settled: mark them so in memory, so the lane skips them."""
    for row in rows:
        if row.id in folded:
            row.status, row.next_attempt_at = "sent", None

