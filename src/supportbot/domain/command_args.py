"""Reading a command's arguments: the words after its name, consumed left to right, and how a wrong
word is quoted back in the refusal."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TypeVar

from supportbot.domain.commands import Command, CommandError, usage_for
from supportbot.domain.tickets import MAX_TICKET_NUMBER

T = TypeVar("T")
C = TypeVar("C", bound=Command)

_TICKET_ID = re.compile(r"#?([0-9]+)")
_LONG_HEX = re.compile(r"[0-9a-fA-F]{20}")
ECHO_LIMIT = 30


def normalize(word: str) -> str:
    """A word as the word tables spell it: lower case, "_" for "-", no emoji variation selector."""
    return word.lower().replace("\ufe0f", "").replace("-", "_")


def echo(word: str) -> str:
    """The word quoted for an error, cut short; 'That value' for one that may hold part of a key."""
    if _LONG_HEX.search(word):  # perhaps part of a key: never quoted back
        return "That value"
    return f'"{word[:ECHO_LIMIT]}…"' if len(word) > ECHO_LIMIT else f'"{word}"'


class Args:
    """The words after the command name, consumed left to right."""

    def __init__(self, name: str, raw: str, reply_ticket: int | None) -> None:
        self.name = name
        self.raw = raw.strip()
        self.reply_ticket = reply_ticket

    def fail(self, reason: str) -> CommandError:
        return CommandError(reason, usage_for(self.name))

    def peek(self, count: int = 1) -> list[str]:
        return self.raw.split(None, count)[:count]

    def pop(self, count: int = 1) -> str:
        parts = self.raw.split(None, count)
        self.raw = parts[count] if len(parts) > count else ""
        return " ".join(parts[:count])

    def rest(self) -> str:
        rest, self.raw = self.raw, ""
        return rest

    def done(self, command: C) -> C:
        """The command, once no words are left over."""
        if self.raw:
            raise self.fail(f"{echo(self.peek()[0])} was not expected.")
        return command

    def word_or_fail(self, what: str) -> str:
        """The next word; raise if there is none."""
        if not self.raw:
            raise self.fail(f"Give {what}.")
        return self.pop()

    def text(self, what: str) -> str:
        text = self.rest()
        if not text:
            raise self.fail(f"Add {what} after /{self.name}.")
        return text

    def word(self, table: Mapping[str, T]) -> T | None:
        """Consume the longest phrase (up to three words) found in `table`, if any."""
        for count in (3, 2, 1):
            words = self.peek(count)
            if len(words) == count:
                value = table.get(normalize("_".join(words)))
                if value is not None:
                    self.pop(count)
                    return value
        return None

    def required(self, table: Mapping[str, T], what: str) -> T:
        value = self.word(table)
        if value is None:
            words = self.peek()
            raise self.fail(f"{echo(words[0])} is not {what}." if words else f"Give {what}.")
        return value

    def _id_match(self, *, hash_only_on_reply: bool = False) -> re.Match[str] | None:
        words = self.peek()
        match = _TICKET_ID.fullmatch(words[0]) if words else None
        # Replying to a ticket, "/note 3 people affected" is a note, not ticket #3.
        if match and hash_only_on_reply and self.reply_ticket is not None:
            return match if match.group().startswith("#") else None
        return match

    def number(self, *, hash_only_on_reply: bool = False) -> int:
        """The ticket id given first, else the ticket replied to; raise if there is neither."""
        match = self._id_match(hash_only_on_reply=hash_only_on_reply)
        if match:
            self.pop()
            digits = match.group(1).lstrip("0")
            if not digits or len(digits) > 10 or int(digits) > MAX_TICKET_NUMBER:
                raise self.fail(f"{echo(match.group())} is not a ticket number.")
            return int(digits)
        if self.reply_ticket is not None:
            return self.reply_ticket
        words = self.peek()
        if words:
            raise self.fail(f"{echo(words[0])} is not a ticket number.")
        raise self.fail("Which ticket? Give its number, or reply to the ticket's message.")

    def number_or_none(self) -> int | None:
        """Like number(), but None when no ticket is named or replied to."""
        if self._id_match() is None and self.reply_ticket is None:
            return None
        return self.number()
