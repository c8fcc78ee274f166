"""Exactly-once handling: an event's key is recorded in the same transaction as its effects.

A redelivered event (Telegram after a crash, a webhook retried) finds its key and changes
nothing. The key goes into the first transaction that commits while the event is handled;
an event that commits nothing (a read, a refusal) is recorded on its own afterwards.
"""

from __future__ import annotations

from typing import Any

from supportbot.services.ports import (
    ButtonPress,
    Clock,
    DuplicateMessage,
    IncomingMessage,
    UnitOfWork,
    UnitOfWorkFactory,
)


def message_key(msg: IncomingMessage) -> str:
    """The handled key of a chat message (its platform, chat and id are unique together)."""
    return f"{msg.platform}:msg:{msg.chat_id}:{msg.message_id}"


def press_key(press: ButtonPress) -> str | None:
    """The handled key of a button press, when the platform gives the press an id of its own."""
    return f"{press.platform}:press:{press.event_id}" if press.event_id else None


class Recording:
    """A unit-of-work factory that records `key` as handled in the first transaction to commit."""

    def __init__(self, factory: UnitOfWorkFactory, key: str, clock: Clock) -> None:
        self.factory = factory
        self.key = key
        self.clock = clock
        self.recorded = False

    def __call__(self) -> _RecordingUnitOfWork:
        return _RecordingUnitOfWork(self, self.factory())

    async def already_handled(self) -> bool:
        """True when an earlier delivery of this event was handled."""
        async with self.factory() as uow:
            return await uow.handled.has(self.key)

    async def record(self) -> bool:
        """Record the key on its own (the event committed nothing); False when it was there already."""
        if self.recorded:
            return True
        async with self.factory() as uow:
            added = await uow.handled.add(self.key, self.clock.now())
            await uow.commit()
        self.recorded = True
        return added


class _RecordingUnitOfWork:
    """The wrapped unit of work, with the handled key added to its commit."""

    def __init__(self, owner: Recording, inner: UnitOfWork) -> None:
        self._owner = owner
        self._inner = inner

    async def __aenter__(self) -> _RecordingUnitOfWork:
        await self._inner.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._inner.__aexit__(*exc)

    def __getattr__(self, name: str) -> Any:  # the repositories
        return getattr(self._inner, name)

    async def commit(self) -> None:
        if not self._owner.recorded:
            if not await self._inner.handled.add(self._owner.key, self._owner.clock.now()):
                # Another delivery of the same event got there first: this one must change nothing.
                raise DuplicateMessage(self._owner.key)
        await self._inner.commit()
        self._owner.recorded = True

    async def rollback(self) -> None:
        await self._inner.rollback()
