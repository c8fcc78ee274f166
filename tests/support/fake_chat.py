"""A chat platform that records what the outbox sender hands it, and fails on cue."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from supportbot.services.outbox import Delivered, MessageLink, OutboxItem


@dataclass
class _Failure:
    applies: Callable[[OutboxItem], bool]
    errors: list[Exception]


@dataclass
class FakeChat:
    """A ChatPlatform: every call is recorded; `fail(...)` makes chosen calls raise instead."""

    name: str = "telegram"
    ids: Iterator[int] = field(default_factory=lambda: itertools.count(10_000))
    open_threads: bool = False  # like a Discord forum: each card opens a thread
    sent: list[OutboxItem] = field(default_factory=list)  # delivered messages and cards, in order
    edited: list[tuple[OutboxItem, MessageLink]] = field(default_factory=list)
    deleted: list[OutboxItem] = field(default_factory=list)
    tries: list[OutboxItem] = field(default_factory=list)  # every call, failed or not
    _failures: list[_Failure] = field(default_factory=list)

    def fail(self, *errors: Exception, when: Callable[[OutboxItem], bool] = lambda item: True) -> None:
        """The next calls for items matching `when` raise these errors, one per call, in order."""
        self._failures.append(_Failure(when, list(errors)))

    def _maybe_fail(self, item: OutboxItem) -> None:
        self.tries.append(item)
        for failure in self._failures:
            if failure.errors and failure.applies(item):
                raise failure.errors.pop(0)

    async def send(self, item: OutboxItem) -> Delivered:
        self._maybe_fail(item)
        self.sent.append(item)
        message_id = next(self.ids)
        thread = message_id if self.open_threads and item.kind.value == "card" else None
        return Delivered(message_id, thread_id=thread)

    async def edit(self, item: OutboxItem, card: MessageLink) -> None:
        self._maybe_fail(item)
        self.edited.append((item, card))

    async def delete(self, item: OutboxItem) -> None:
        self._maybe_fail(item)
        self.deleted.append(item)

    def texts(self, chat_id: int | None = None) -> list[str]:
        """The texts delivered (to one chat, when given), in order."""
        return [i.text for i in self.sent if chat_id is None or i.chat_id == chat_id]
