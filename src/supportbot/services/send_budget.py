"""A chat platform's flood limits as a budget of sends: kept in this process (one instance), or in the
database so that every replica's sends count against the one budget the platform grants the bot."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Window:
    """At most `limit` messages in any `seconds` long window."""

    limit: int
    seconds: float

    def wait(self, sent: Sequence[float], now: float) -> float:
        """Seconds until one more message fits, given the send times so far (oldest first)."""
        if len(sent) < self.limit:
            return 0.0
        return max(0.0, sent[-self.limit] + self.seconds - now)


@dataclass(frozen=True)
class FloodLimits:
    """Telegram's published limits: about 1 message a second per chat (a short burst is tolerated),
    20 a minute in a group, 30 a second overall. `margin` pads every window because our clock and
    Telegram's never agree to the millisecond."""

    per_chat: Window = Window(3, 3.0)
    per_group: Window = Window(20, 60.0)
    overall: Window = Window(30, 1.0)
    margin: float = 0.25


def is_group(chat_id: int) -> bool:
    """Groups, supergroups and channels have negative ids; private chats are the user's (positive) id."""
    return chat_id < 0


class SendBudget(Protocol):
    """Decides when the next message to a chat may go; shared by the outbox and direct replies."""

    async def take(self, chat_id: int) -> None:
        """Count a message to chat_id as sent now; raises Throttled (services.outbox) when it must wait."""

    async def reserve(self, chat_id: int) -> float:
        """Book the next free slot for chat_id and return how many seconds away it is (for direct replies)."""

    async def hold(self, chat_id: int | None, seconds: float) -> None:
        """After a 429: nothing to chat_id (None: to any chat) for `seconds`."""
