"""The local console chat: type as any person in any place; bot messages print as a chat would show them."""

from __future__ import annotations

import asyncio
import itertools
import logging
import re
import sys
import tempfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from supportbot.chat.outbox_sender import OutboxSender
from supportbot.domain import texts
from supportbot.domain.people import Sender
from supportbot.services.desk import Desk
from supportbot.services.outbox import (
    CardButtons,
    DeleteMessage,
    Delivered,
    DirectMessage,
    Mention,
    MessageLink,
    OutboxItem,
    Photo,
)
from supportbot.services.ports import IncomingMessage, Reply
from supportbot.services.telemetry import Telemetry

log = logging.getLogger(__name__)

BOT_NAME = "supportbot"
HELP = (
    "Console chat. Type a message to post it where you are, as who you are.\n"
    "  /as <person>     speak as a team member from config, or as any other name (a reporter)\n"
    "  /in <place>      move to a product key, 'emergency', 'team' or 'security'\n"
    "  >>N <text>       reply to message N (a follow-up on its ticket)\n"
    "  /click N <button> press a button under message N: take, in_progress, fix_provided, resolved on a card;\n"
    "                   confirm_fixed, still_broken or rate_1 … rate_5 under a question to the reporter;\n"
    "                   faq_solved under an FAQ suggestion\n"
    "  /where           who and where you are; /quit (or end of input) to leave\n"
    "Everything else starting with / is a supportbot command: /help lists them."
)
NO_SUCH_MESSAGE = "⚠️ There is no message #{number} here; nothing was posted."
NOT_A_CARD = "Message #{number} here is not a ticket card."
CLICK_USAGE = ("Usage: /click <message number> <take|in_progress|fix_provided|resolved|confirm_fixed|still_broken|"
               "rate_1 … rate_5|faq_solved>")
LINE_FAILED = "⚠️ That line could not be handled ({error}); the session goes on with the next one."
# Message ids are stored as signed 64-bit integers: a larger number names no message.
MAX_MESSAGE_ID = 2**63 - 1
_REPLY = re.compile(r"^>>\s*(\d+)\s+(.*)$", re.DOTALL)
_SURROGATE = re.compile("[\ud800-\udfff]")


def mention_text(mention: Mention) -> str:
    """A mention as the console shows it."""
    return f"@{mention.name}"


class ConsolePlatform:
    """Prints outgoing messages; numbers every message like a chat would."""

    name = "console"

    def __init__(self, write: Callable[[str], None], places: dict[int, str], ids: itertools.count, *,
                 files: Path | None = None) -> None:
        self.write = write
        self.places = places
        self.ids = ids
        self.files = files  # where images (the digest's chart) are written; a terminal shows their path

    def _where(self, chat_id: int) -> str:
        return self.places.get(chat_id, str(chat_id))

    async def send(self, item: OutboxItem) -> Delivered:
        message_id = next(self.ids)
        text = item.text
        if item.mentions:
            text += "\n" + " ".join(mention_text(m) for m in item.mentions)
        if isinstance(item.payload, Photo):
            text += f"\n{texts.IMAGE_SAVED.format(path=self._save(item.payload, message_id))}"
        if isinstance(item.payload, DirectMessage):
            head = f"[private to user {item.payload.user_id}] #{message_id} {BOT_NAME}"
        else:
            to = f" ↩ #{item.reply_to}" if item.reply_to else ""
            head = f"[{self._where(item.chat_id)}] #{message_id} {BOT_NAME}{to}"
        self.write(f"{head}: {_indent(text)}")
        if isinstance(item.payload, CardButtons) and item.payload.actions:
            self.write("    " + " ".join(f"[{texts.button_label(b) or b}]" for b in item.payload.actions))
        return Delivered(message_id)

    def _save(self, photo: Photo, message_id: int) -> Path:
        """Write the image where the session keeps them; its path."""
        folder = self.files or Path(tempfile.gettempdir()) / "supportbot-images"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{Path(photo.filename).stem}-{message_id}.png"
        path.write_bytes(photo.png)
        return path.resolve()

    async def edit(self, item: OutboxItem, card: MessageLink) -> None:
        self.write(f"[{self._where(card.chat_id)}] ✏️ #{card.message_id} now reads: {_indent(item.text)}")

    async def delete(self, item: OutboxItem) -> None:
        message_id = item.payload.message_id if isinstance(item.payload, DeleteMessage) else "?"
        self.write(f"[{self._where(item.chat_id)}] 🗑 message #{message_id} deleted")


def _indent(text: str) -> str:
    return text.replace("\n", "\n    ")


@dataclass
class ConsoleChat:
    """Reads lines, turns them into messages from the current person in the current place."""

    desk: Desk
    sender: OutboxSender
    places: dict[str, int]  # place name -> chat id
    write: Callable[[str], None]
    ids: itertools.count
    echo: bool = True
    who: str = "guest"
    where: str = ""
    telemetry: Telemetry = field(default_factory=Telemetry)
    _names: dict[int, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.where = self.where or next(iter(self.places))

    def identity(self) -> Sender:
        """The current speaker, resolved to a team member when the name is in config."""
        person = self.desk.directory.person(self.who)
        user_id = zlib.crc32(self.who.casefold().encode())
        return Sender("console", user_id, person.name if person else self.who, person=person)

    async def handle(self, line: str) -> bool:
        """Handle one input line; False when the user asked to quit. A line that fails is answered, not fatal."""
        try:
            return await self._handle(line)
        except Exception as error:  # one bad line must not end the session and drop the lines after it
            log.exception("console: a line could not be handled")
            self.write(LINE_FAILED.format(error=type(error).__name__))
            return True

    async def _handle(self, line: str) -> bool:
        # A lone surrogate (a byte the terminal's encoding could not decode) cannot be stored or printed.
        line = _SURROGATE.sub("\ufffd", line.rstrip("\n"))
        if not line.strip():
            return True
        head, _, rest = line.strip().partition(" ")
        head = head.lower()
        if head in ("/quit", "/exit"):
            return False
        if head == "/as":
            self._switch_person(rest.strip())
        elif head == "/in":
            self._switch_place(rest.strip().lower())
        elif head == "/where":
            self.write(f"You are {self.identity().name} in {self.where}.")
        elif head in ("/console", "/?"):
            self.write(HELP)
        elif head == "/click":
            await self._click(rest)
        else:
            await self._post(line)
        await self.flush()
        return True

    def _switch_person(self, name: str) -> None:
        if not name:
            self.write("Usage: /as <person>")
            return
        self.who = name
        who = self.identity()
        self.write(f"— you are now {who.name} ({'team' if who.is_team else 'reporter'})")

    def _switch_place(self, name: str) -> None:
        if name not in self.places:
            self.write(f"No place {name!r}. Places: {', '.join(self.places)}")
            return
        self.where = name
        self.write(f"— you are now in {name}")

    async def _post(self, line: str) -> None:
        reply_to = None
        match = _REPLY.match(line.strip())
        if match:
            reply_to, line = int(match.group(1)), match.group(2)
            if reply_to > MAX_MESSAGE_ID:
                self.write(NO_SUCH_MESSAGE.format(number=reply_to))
                return
        message_id = next(self.ids)
        sender = self.identity()
        if self.echo:
            to = f" ↩ #{reply_to}" if reply_to else ""
            self.write(f"[{self.where}] #{message_id} {sender.name}{to}: {line}")
        msg = IncomingMessage("console", self.places[self.where], message_id, sender, line,
                              self.desk.now(), reply_to=reply_to)
        with self.telemetry.handling("console"):
            reply = await self.desk.handle_message(msg)
        self._show(reply, message_id)

    async def _click(self, rest: str) -> None:
        parts = rest.split()
        if len(parts) != 2 or not parts[0].lstrip("#").isdigit():
            self.write(CLICK_USAGE)
            return
        message_id = int(parts[0].lstrip("#"))
        if message_id > MAX_MESSAGE_ID:
            self.write(NOT_A_CARD.format(number=message_id))
            return
        reply = await self.desk.press_on_message(platform="console", chat_id=self.places[self.where],
                                                 message_id=message_id, sender=self.identity(),
                                                 action=parts[1].lower())
        if reply is None:
            self.write(NOT_A_CARD.format(number=message_id))
            return
        self._show(reply, None)

    def _show(self, reply: Reply | None, reply_to: int | None) -> None:
        if reply is None or not reply.text or reply.quiet:
            return
        marker = "" if reply.ok else "⚠️ "
        to = f" ↩ #{reply_to}" if reply_to else ""
        # A direct answer is not stored, so it takes no message number: a later session, numbering on
        # after the stored messages, would give that number again.
        self.write(f"[{self.where}] {BOT_NAME}{to}: {marker}{_indent(reply.text)}")

    async def flush(self) -> None:
        """Deliver everything queued, so the transcript shows it right after the line that caused it."""
        for _ in range(100):
            report = await self.sender.flush()
            if not (report.sent or report.retried or report.dead):
                return

    async def run(self, stream: TextIO = sys.stdin) -> None:
        """Read lines until end of input or /quit."""
        loop = asyncio.get_running_loop()
        while True:
            line = await loop.run_in_executor(None, stream.readline)
            if not line:
                return
            if not await self.handle(line):
                return
