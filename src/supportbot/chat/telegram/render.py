"""Telegram markup for the desk's texts: escaped HTML, mentions, card buttons, and the 4,096 limit."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from supportbot.domain import texts
from supportbot.domain.people import Directory
from supportbot.services.outbox import CardButtons, Mention, OutboxPayload

MAX_MESSAGE_LENGTH = 4096  # visible characters after entity parsing, counted in UTF-16 units
MAX_CALLBACK_ANSWER = 200
MAX_CALLBACK_DATA = 64  # bytes
ELLIPSIS = "…"
WARNING = "⚠️ "
BUTTONS_PER_ROW = 2
_CALLBACK = re.compile(r"t:([1-9][0-9]{0,9}):([a-z][a-z0-9_]{0,31})")


# --- callback data -------------------------------------------------------------


def callback_data(number: int, action: str) -> str:
    """The data of a card button: 't:<ticket number>:<action>'."""
    return f"t:{number}:{action}"


def parse_callback(data: object) -> tuple[int, str] | None:
    """(ticket number, action) from a button's data, or None when it is not one of ours.

    The data comes back from the client, so it is checked like any user input."""
    if not isinstance(data, str) or len(data.encode()) > MAX_CALLBACK_DATA:
        return None
    match = _CALLBACK.fullmatch(data)
    if match is None:
        return None
    return texts.button_target(match.group(1), match.group(2))


def keyboard(payload: OutboxPayload) -> InlineKeyboardMarkup | None:
    """A card's buttons, or a reporter's under a question (CardButtons); None for none.

    The reporter's answers (✅ ❌, or 1-5) share one row; the card's go two by two."""
    if not isinstance(payload, CardButtons):
        return None
    number = payload.ticket_number
    labelled = [(a, label) for a in payload.actions if (label := texts.button_label(a)) is not None]
    if not labelled:
        return None
    buttons = [InlineKeyboardButton(label, callback_data=callback_data(number, a)) for a, label in labelled]
    per_row = BUTTONS_PER_ROW if any(a in texts.BUTTON_LABELS for a, _ in labelled) else len(buttons)
    return InlineKeyboardMarkup([buttons[i:i + per_row] for i in range(0, len(buttons), per_row)])


# --- pieces of a message ---------------------------------------------------------


@dataclass(frozen=True)
class Piece:
    """A run of visible text: plain, bold, or a link (a mention) that must never be cut."""

    text: str
    bold: bool = False
    href: str | None = None

    def html(self) -> str:
        body = html.escape(self.text, quote=False)
        if self.href is not None:
            return f'<a href="{html.escape(self.href)}">{body}</a>'
        return f"<b>{body}</b>" if self.bold else body

    @property
    def size(self) -> int:
        return utf16_len(self.text)


def utf16_len(text: str) -> int:
    """Length as Telegram counts it."""
    return len(text.encode("utf-16-le")) // 2


def mention(tag: Mention, people: Directory | None = None) -> Piece | None:
    """@username when known, else a link to the user id, else the plain name; None for the team as a whole
    (Telegram has no roles: its people are tagged one by one)."""
    if tag.team:
        return None
    person = people.person(tag.name) if people is not None else None
    if person is not None and person.telegram_username:
        return Piece("@" + person.telegram_username.lstrip("@"))
    if person is not None and person.telegram_id:
        return Piece(tag.name or "someone", href=f"tg://user?id={person.telegram_id}")
    return Piece(tag.name) if tag.name else None


def message_pieces(text: str, mentions: Iterable[Mention] = (), *, people: Directory | None = None,
                   headline: bool = False, warning: bool = False) -> list[Piece]:
    """A desk text (plain) with its mentions on a last line; headline makes the first line bold."""
    pieces: list[Piece] = []
    if warning:
        pieces.append(Piece(WARNING))
    first, newline, rest = text.partition("\n") if headline else ("", "", text)
    if first:
        pieces.append(Piece(first, bold=True))
    if newline or rest:
        pieces.append(Piece(newline + rest))
    tags = [m for m in (mention(tag, people) for tag in mentions) if m is not None]
    for i, tag in enumerate(tags):
        pieces.append(Piece("\n" if i == 0 and pieces else " "))
        pieces.append(tag)
    return [p for p in pieces if p.text]


def render(pieces: Sequence[Piece]) -> str:
    """The HTML for Telegram's parse_mode=HTML."""
    return "".join(p.html() for p in pieces)


def visible(pieces: Sequence[Piece]) -> str:
    """The text as the reader sees it."""
    return "".join(p.text for p in pieces)


# --- the length limit -----------------------------------------------------------


def _cut(text: str, budget: int, *, soft: bool) -> int:
    """Index where text must be cut so the head fits budget UTF-16 units; prefers a line, then a word end."""
    used, index = 0, 0
    for index, ch in enumerate(text):  # noqa: B007  (index is read after the loop)
        used += utf16_len(ch)
        if used > budget:
            break
    else:
        return len(text)
    if soft:
        for sep in ("\n", " "):
            at = text.rfind(sep, 0, index)
            if at > index // 2:  # a break in the second half; otherwise a hard cut wastes less
                return at + 1
    return index


def split(pieces: Sequence[Piece], limit: int = MAX_MESSAGE_LENGTH) -> list[list[Piece]]:
    """Pieces spread over messages of at most `limit` visible units; links are never cut in two."""
    chunks: list[list[Piece]] = [[]]
    room = limit
    queue = list(pieces)
    while queue:
        piece = queue.pop(0)
        if piece.size <= room:
            chunks[-1].append(piece)
            room -= piece.size
            continue
        if piece.href is not None and piece.size <= limit:
            chunks.append([])  # a mention moves whole to the next message
            room = limit
            queue.insert(0, piece)
            continue
        at = _cut(piece.text, room, soft=True)
        head, tail = piece.text[:at], piece.text[at:]
        if head:
            chunks[-1].append(replace(piece, text=head))
        chunks.append([])
        room = limit
        tail = tail.lstrip("\n") if head else tail  # a message does not start with the line break
        if tail:
            queue.insert(0, replace(piece, text=tail))
    return [chunk for chunk in chunks if visible(chunk).strip()]


def truncate(pieces: Sequence[Piece], limit: int = MAX_MESSAGE_LENGTH) -> list[Piece]:
    """Pieces shortened to one message of at most `limit` units, ending with '…' when something was cut."""
    if sum(p.size for p in pieces) <= limit:
        return list(pieces)
    room = limit - utf16_len(ELLIPSIS)
    kept: list[Piece] = []
    for piece in pieces:
        if piece.size <= room:
            kept.append(piece)
            room -= piece.size
            continue
        if piece.href is None and room > 0:
            kept.append(replace(piece, text=piece.text[:_cut(piece.text, room, soft=False)]))
        break
    kept.append(Piece(ELLIPSIS))
    return kept


def toast(text: str, *, ok: bool) -> str:
    """A callback answer: one short line (Telegram shows at most 200 characters)."""
    line = (("" if ok else WARNING) + text).strip()
    if len(line) > MAX_CALLBACK_ANSWER:
        line = line[:MAX_CALLBACK_ANSWER - 1] + ELLIPSIS
    return line
