"""A desk wired on in-memory fakes: one product, a team, on-call, and a Telegram-like chat.

Tests drive it like a transcript: `await world.post("dave", COURT, "it fails")`, then look
at what was queued (`world.queued()`) or delivered (`await world.deliver()`).
"""

from __future__ import annotations

import itertools
import zlib
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from support.fake_chat import FakeChat
from support.fake_uow import FakeStore
from supportbot.chat.outbox_sender import OutboxSender
from supportbot.domain.calendar import BusinessCalendar
from supportbot.domain.faq import FaqEntry
from supportbot.domain.oncall import Rotation
from supportbot.domain.people import Directory, Person, Product, Role, Sender
from supportbot.domain.sla import Policy
from supportbot.domain.tickets import Ticket
from supportbot.services.clocks import Clocks
from supportbot.services.context import Deps
from supportbot.services.desk import Desk
from supportbot.services.notify import Notifier
from supportbot.services.oncall import OnCallCommands
from supportbot.services.oncall_roster import Roster
from supportbot.services.outbox import OutboxItem, OutboxKind
from supportbot.services.ports import ButtonPress, Clock, IncomingMessage, Reply
from supportbot.services.shift_reminder import ShiftReminder

PLATFORM = "telegram"
COURT = -100101  # the Court v2 support channel
EMERGENCY = -100900
TEAM = -100500
SECURITY = -100700
DISCLOSURE_URL = "https://example.org/security"
REPORT = "On the court page I click Stake and get an error"  # says where and what; no account, screenshot, device

ALICE = Person("Alice", frozenset({Role.ENGINEER, Role.ADMIN}), telegram_id=1001, telegram_username="alice")
BOB = Person("Bob", frozenset({Role.ENGINEER}), telegram_id=1002, telegram_username="bob")
CAROL = Person("Carol", frozenset({Role.OWNER}), telegram_id=1003, telegram_username="carol")
SAM = Person("Sam", frozenset({Role.SECURITY}), telegram_id=1004, telegram_username="sam")

DIRECTORY = Directory(
    people=(ALICE, BOB, CAROL, SAM),
    products=(Product("court", "Court v2", ("Carol",), {PLATFORM: (COURT,)}),),
    emergency_chats={PLATFORM: (EMERGENCY,)},
    team_chats={PLATFORM: TEAM},
    security_chats={PLATFORM: SECURITY},
)
# Weekly shifts from Mon 30 Nov 2026 09:00 Paris: Alice first, then Bob (on call in the week of 7 Dec).
ROTATION = Rotation(("Alice", "Bob"), timedelta(days=7), datetime(2026, 11, 30, 8, 0, tzinfo=UTC))


def sender(name: str) -> Sender:
    """A team member by name, or else a reporter with a stable user id."""
    person = DIRECTORY.person(name)
    if person is not None:
        return Sender(PLATFORM, person.telegram_id, person.name, person.telegram_username, person=person)
    return Sender(PLATFORM, zlib.crc32(name.encode()), name)


@dataclass
class Posted:
    message_id: int
    reply: Reply | None
    msg: IncomingMessage


class DeskWorld:
    """The desk, its fake storage, a fake chat and the outbox sender between them."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.store = FakeStore()
        clocks = Clocks(BusinessCalendar(timezone="Europe/Paris", country="FR"), Policy())
        self.rewire(Deps(
            uow=self.store, clock=clock, directory=DIRECTORY, clocks=clocks,
            notifier=Notifier(DIRECTORY, clocks, clock=clock), disclosure_url=DISCLOSURE_URL,
            faq={"gas": FaqEntry("gas", "Raise the gas limit by 20% and retry.", "Out of gas",
                                 ("out of gas", "gas limit"))},
        ))
        self.ids = itertools.count(1)  # one numbering for people's and the bot's messages, as in a chat
        self.chat = FakeChat(PLATFORM, ids=self.ids)
        self.sender = OutboxSender(self.chat, uow=self.store, clock=clock)

    def rewire(self, deps: Deps | None = None, **changes: object) -> None:
        """Wire the desk, the roster and the reminder again on `deps` (or today's deps with `changes`)."""
        deps = replace(deps or self.deps, **changes)
        self.roster = Roster(deps.directory, ROTATION)
        self.deps = replace(deps, oncall=self.roster)
        self.reminder = ShiftReminder(self.deps, self.roster)
        self.desk = Desk(self.deps, oncall=OnCallCommands(self.deps, self.roster))

    def message(self, who: str, chat_id: int, text: str, *, reply_to: int | None = None,
                message_id: int | None = None, private: bool = False) -> IncomingMessage:
        """An incoming message, not yet handled."""
        return IncomingMessage(PLATFORM, chat_id, message_id or next(self.ids), sender(who), text,
                               self.clock.now(), reply_to=reply_to, private=private)

    async def post(self, who: str, chat_id: int, text: str, *, reply_to: int | None = None) -> Posted:
        """`who` writes `text` in the chat; returns the message id and the desk's direct reply."""
        msg = self.message(who, chat_id, text, reply_to=reply_to)
        return Posted(msg.message_id, await self.desk.handle_message(msg), msg)

    async def command(self, who: str, text: str, chat_id: int = TEAM) -> Reply:
        """A command typed in a chat (the team chat unless told); commands always get a reply."""
        reply = (await self.post(who, chat_id, text)).reply
        assert reply is not None, f"no reply to {text!r}"
        return reply

    async def press(self, who: str, number: int, action: str) -> Reply:
        """`who` presses a button on ticket `number`'s card."""
        ticket_id = self.ticket(number).id
        card = next(link for link in self.store.links if link.ticket_id == ticket_id and link.role == "card")
        return await self.desk.press_button(ButtonPress(
            PLATFORM, card.chat_id, card.message_id, sender(who), number, action, self.clock.now()))

    async def deliver(self) -> list[OutboxItem]:
        """Run the outbox sender until nothing is due; returns what reached the chat."""
        before = len(self.chat.sent)
        for _ in range(20):
            report = await self.sender.flush()
            if not (report.sent or report.retried or report.dead):
                break
        return self.chat.sent[before:]

    def queued(self, kind: OutboxKind | None = None, chat_id: int | None = None) -> list[OutboxItem]:
        """Outbox rows not yet sent (of one kind, to one chat, when given)."""
        return [r for r in self.store.outbox if r.status == "pending"
                and (kind is None or r.kind is kind) and (chat_id is None or r.chat_id == chat_id)]

    def ticket(self, number: int = 1) -> Ticket:
        return self.store.ticket(number)

    def history(self, number: int = 1) -> list[str]:
        """The kinds of the ticket's history lines, in order."""
        ticket_id = self.ticket(number).id
        return [e.kind for e in self.store.events if e.ticket_id == ticket_id]

    def card_message_id(self, number: int = 1) -> int:
        """The platform id of the ticket's delivered acknowledgement card."""
        ticket_id = self.ticket(number).id
        return next(link.message_id for link in self.store.links if link.ticket_id == ticket_id and link.role == "card")


async def open_report(world: DeskWorld, text: str = REPORT) -> int:
    """dave reports in the Court channel; returns the report's message id."""
    posted = await world.post("dave", COURT, text)
    assert posted.reply is None  # a report is acknowledged by the card, not by a command reply
    return posted.message_id
