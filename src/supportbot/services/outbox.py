"""The outbox's messages and what sending them may end in: typed payloads, where a message landed,
and the failures a chat platform reports to the outbox sender."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from supportbot.services.digest_chart import DaySeries


class OutboxKind(str, enum.Enum):
    MESSAGE = "message"  # plain text, optionally with mentions
    CARD = "card"  # the ticket card with its buttons (the acknowledgement is one)
    EDIT_CARD = "edit_card"  # re-render every card of the ticket in place
    DELETE = "delete"  # remove a message that exposed a secret
    PHOTO = "photo"  # an image (the digest's chart) with its text as the caption


@dataclass(frozen=True)
class Mention:
    """Someone a message tags, by name: a team member from config or, with `team`, the on-call team as a
    whole. Each platform's renderer writes its own handle for it (user id, username, role)."""

    name: str
    team: bool = False


@dataclass(frozen=True)
class CardButtons:
    """A ticket card's buttons: the actions offered on ticket `ticket_number` (none once resolved)."""

    ticket_number: int
    actions: tuple[str, ...] = ()


@dataclass(frozen=True)
class DirectMessage:
    """A message for one user privately (their platform user id); said in the chat as `fallback_text`
    when the platform will not let the bot write to them."""

    user_id: int
    fallback_text: str
    # The text is a secret of its own (a sign-in link): once sent or given up on, the stored row keeps
    # FORGOTTEN_TEXT instead, so the database never holds a link that still works.
    forget_text: bool = False


FORGOTTEN_TEXT = "(a one-time sign-in link: not kept once sent)"


@dataclass(frozen=True)
class DeleteMessage:
    """The message to take out of view (one that exposed a secret)."""

    message_id: int


@dataclass(frozen=True)
class Photo:
    """A PNG image to post, under the row's text as its caption."""

    png: bytes
    filename: str = "chart.png"


@dataclass(frozen=True)
class Chart:
    """A chart stored as its figures and drawn when the row is sent (a Photo to the platform): the row stays
    small, and the change that queues it does not wait for the drawing."""

    title: str
    series: DaySeries
    filename: str = "chart.png"


OutboxPayload = CardButtons | DirectMessage | DeleteMessage | Photo | Chart | None


@dataclass
class OutboxItem:
    """A message the desk has decided to send; stored in the same transaction as the change.

    CARD and EDIT_CARD carry CardButtons, DELETE a DeleteMessage, PHOTO a Photo or a Chart (drawn into a Photo
    when sent), a MESSAGE for one user a DirectMessage."""

    platform: str
    chat_id: int
    kind: OutboxKind
    text: str = ""
    ticket_id: int | None = None
    thread_id: int | None = None
    reply_to: int | None = None
    mentions: tuple[Mention, ...] = ()
    payload: OutboxPayload = None
    dedupe_key: str | None = None
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    id: int | None = None
    attempts: int = 0
    status: str = "pending"  # pending | sent | dead
    next_attempt_at: datetime | None = None
    last_error: str | None = None
    platform_message_id: int | None = None
    sending_at: datetime | None = None  # set while a send that must not be repeated is under way


@dataclass(frozen=True)
class WaitingNotice:
    """A queued plain notice about a ticket, as a digest lists it: the row, its ticket's number, and whether
    that ticket is an emergency (listed first, never left out)."""

    item: OutboxItem
    number: int
    emergency: bool


# What a notice folded into a digest keeps as its outcome (sent, through the digest's own row).
FOLDED_INTO = "folded into the digest queued as outbox row {id}"


@dataclass(frozen=True)
class MessageLink:
    """A platform message (or thread) known to belong to a ticket."""

    platform: str
    chat_id: int
    message_id: int
    ticket_id: int
    role: str  # report | follow_up | card | notice | reply
    thread_id: int | None = None


@dataclass(frozen=True)
class Delivered:
    """Where a sent message landed: its id, and the thread the platform opened for it, if any."""

    message_id: int | None
    chat_id: int | None = None
    thread_id: int | None = None


class RetryLater(Exception):
    """The platform could not take this message now (rate limit on it, a failure of this row)."""

    def __init__(self, reason: str, after: float | None = None) -> None:
        super().__init__(reason)
        self.after = after


class PlatformDown(RetryLater):
    """The platform itself is failing (5xx, timeouts before sending, connection errors): not this
    message's fault, so it costs the message no try; the sender backs off the whole platform."""


class MaybeDelivered(Exception):
    """The call timed out after the request went out: the platform may have taken the message.
    Sending again could show it twice, so the row is not resent (at most once)."""


class Throttled(Exception):
    """Our own rate limiter holds the message back: not a failed try, just not yet."""

    def __init__(self, after: float) -> None:
        super().__init__(f"rate limited by the bot for {after:.1f}s")
        self.after = after


class PermanentFailure(Exception):
    """The platform refused the message for good (bad request, forbidden); retrying cannot help."""


class ChatPlatform(Protocol):
    """What the outbox sender needs from a chat platform."""

    name: str

    async def send(self, item: OutboxItem) -> Delivered: ...
    async def edit(self, item: OutboxItem, card: MessageLink) -> None: ...
    async def delete(self, item: OutboxItem) -> None: ...


def forgets_text(item: OutboxItem) -> bool:
    """Whether the row's stored text is to be forgotten now: a secret-bearing message that is sent or given up on."""
    return (item.status in ("sent", "dead") and isinstance(item.payload, DirectMessage)
            and item.payload.forget_text)
