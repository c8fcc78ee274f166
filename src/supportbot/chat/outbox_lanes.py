"""How claimed outbox rows go out: one lane per chat, in queue order; the chats whose next rows wait
behind one waiting for a retry; and how many chats are sent to at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime

from supportbot.services.outbox import OutboxItem, OutboxKind

Lanes = list[list[OutboxItem]]


def lanes_of(items: Sequence[OutboxItem], at_most_once: Callable[[OutboxItem], bool],
             ) -> tuple[Lanes, list[OutboxItem], list[OutboxItem]]:
    """The claimed rows as one lane per chat, in queue order; then the rows settled without a send:
    card edits a later edit supersedes, and messages their sender died sending (marked "sending")."""
    latest_edit = {item.ticket_id: item.id for item in items if item.kind is OutboxKind.EDIT_CARD}
    lanes: dict[int, list[OutboxItem]] = {}
    superseded, died = [], []
    for item in items:
        if item.kind is OutboxKind.EDIT_CARD and latest_edit.get(item.ticket_id) != item.id:
            superseded.append(item)
        elif item.sending_at is not None and at_most_once(item):
            died.append(item)
        else:
            lanes.setdefault(item.chat_id, []).append(item)
    return list(lanes.values()), superseded, died


class ChatHolds:
    """A row waiting for a retry holds back the rows queued after it to the same chat, across flushes,
    so messages arrive in order."""

    def __init__(self) -> None:
        self._holds: dict[int, tuple[int, datetime]] = {}  # chat -> (row id, when it is tried again)

    def expire(self, now: datetime) -> None:
        """A hold whose time has come ends: its row is due again and, queued first, goes first."""
        self._holds = {chat: hold for chat, hold in self._holds.items() if hold[1] > now}

    def until(self, item: OutboxItem) -> datetime | None:
        """When an earlier row to the item's chat, waiting for a retry, is due (None: nothing holds it back)."""
        assert item.id is not None, "a claimed outbox row has its id"
        hold = self._holds.get(item.chat_id)
        return hold[1] if hold is not None and hold[0] < item.id else None

    def update(self, item: OutboxItem) -> None:
        """Hold back later rows to the item's chat while it waits for a retry; release them once it is done."""
        assert item.id is not None, "a claimed outbox row has its id"
        if item.status == "pending" and item.next_attempt_at is not None:
            self._holds[item.chat_id] = (item.id, item.next_attempt_at)
        elif self._holds.get(item.chat_id, (None,))[0] == item.id:
            del self._holds[item.chat_id]


class LaneSlots:
    """At most `size` chats are sent to at once, across all the flushes under way. A claim may promise
    a slot to the lanes that start at once: their first message is marked as being sent with the claim
    itself, so it must not then wait for a slot (a kill meanwhile would count it as sent)."""

    def __init__(self, size: int) -> None:
        self.size = max(1, size)
        self._free = asyncio.Semaphore(self.size)
        self._out = 0  # lanes sending, waiting for a slot, or promised one

    def promise(self, wanted: int) -> int:
        """How many of `wanted` lanes get a slot at once (taken up by lane(promised=True), or forget())."""
        promised = max(0, min(wanted, self.size - self._out))
        self._out += promised
        return promised

    def forget(self, promised: int) -> None:
        """Promises not taken up (the flush ended early)."""
        self._out -= promised

    @asynccontextmanager
    async def lane(self, *, promised: bool) -> AsyncIterator[None]:
        """Hold a slot while one chat's rows are sent."""
        if not promised:
            self._out += 1
        try:
            async with self._free:
                yield
        finally:
            self._out -= 1
