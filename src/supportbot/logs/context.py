"""What a log line is about: the platform, chat, update, ticket and outbox row being handled, and for how long.

Set where an update or a send starts (`about`), added to as the desk learns more (`note`), and copied onto
every record logged meanwhile by `ContextFilter`, so one update's lines can be found together."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace

# The fields a line may carry, in the order the text format shows them.
FIELDS = ("platform", "chat", "update", "ticket", "outbox")


@dataclass(frozen=True)
class Context:
    """The thing being handled: each field None until known; `started` is when its handling began."""

    platform: str | None = None
    chat: int | None = None
    update: int | str | None = None
    ticket: int | None = None
    outbox: int | None = None
    started: float = field(default_factory=time.perf_counter)

    def fields(self) -> dict[str, object]:
        """The known fields, with how long the handling has taken so far (ms)."""
        known: dict[str, object] = {name: getattr(self, name) for name in FIELDS if getattr(self, name) is not None}
        known["duration_ms"] = round((time.perf_counter() - self.started) * 1000, 1)
        return known


_current: ContextVar[Context | None] = ContextVar("supportbot_log_context", default=None)


@contextmanager
def about(*, platform: str, chat: int | None = None, update: int | str | None = None,
          outbox: int | None = None) -> Iterator[None]:
    """The lines logged in the block are about this update or send (its duration counted from here)."""
    token = _current.set(Context(platform=platform, chat=chat, update=update, outbox=outbox))
    try:
        yield
    finally:
        _current.reset(token)  # also drops what `note` added inside the block


def note(*, ticket: int) -> None:
    """The update being handled turned out to be about this ticket (no effect outside `about`)."""
    current = _current.get()
    if current is not None:
        _current.set(replace(current, ticket=ticket))


class ContextFilter(logging.Filter):
    """Copies the current context onto each record as attributes (platform, chat, ..., duration_ms)."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = _current.get()
        if context is not None:
            for name, value in context.fields().items():
                setattr(record, name, value)
        return True
