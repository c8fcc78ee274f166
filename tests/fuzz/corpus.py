"""The shapes that once broke the bot, played before any generated example (hypothesis @example), in the
everyday run and the full one. Each entry says what it broke; add one for every bug the fuzzing finds."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from hypothesis import example

from tests.e2e.support_discord import COURT as D_COURT
from tests.e2e.support_discord import DAVE as D_DAVE
from tests.e2e.support_telegram import COURT, DAVE
from tests.fuzz.telegram_updates import START
from tests.fuzz.texts import REPORT

_CHAT = {"id": COURT, "type": "supergroup", "title": "Court support"}
_DAVE = {"id": DAVE, "is_bot": False, "first_name": "Dave"}


def _message(message_id: int, text: str, **more: Any) -> dict:
    return {"message": {"message_id": message_id, "date": START, "chat": _CHAT, "from": _DAVE, "text": text, **more}}


TELEGRAM: Sequence[tuple[str, dict]] = (
    ("a reply to a message id beyond 64 bits: SQLite raised OverflowError and the update stopped polling",
     _message(7001, REPORT, reply_to_message={"message_id": 2**64, "date": 1, "chat": _CHAT, "text": "?"})),
    ("a lone surrogate in the text: the database refused the whole statement",
     _message(7002, REPORT + " \ud800 lone surrogate")),
    ("a NUL byte in the text: PostgreSQL refuses NUL in text columns", _message(7003, REPORT + " NUL\x00 byte")),
    ("a message without date: python-telegram-bot cannot read it; polling ended before it was parked",
     {"message": {"message_id": 7004, "chat": _CHAT, "from": _DAVE, "text": "no date"}}),
    ("a sender with an empty first name: python-telegram-bot's full_name is None and the desk raised TypeError",
     _message(7005, REPORT, **{"from": {"id": 4503599627370496, "is_bot": False, "first_name": ""}})),
    ("the same, writing to the bot in a private chat",
     {"message": {"message_id": 2, "date": START, "text": "S",
                  "chat": {"id": 4503599627370496, "type": "private", "first_name": ""},
                  "from": {"id": 4503599627370496, "is_bot": False, "first_name": ""}}}),
    ("a button press whose data is not ours", {"callback_query": {
        "id": "4410000000000000999", "from": _DAVE, "chat_instance": "1", "data": "t:1:take\n",
        "message": {"message_id": 2, "date": START, "chat": _CHAT, "text": "Ticket #1"}}}),
)

DISCORD: Sequence[tuple[str, dict]] = (
    ("a lone surrogate in /report's text: the desk stored it as typed and the database refused the ticket",
     {"kind": "slash", "where": D_COURT, "user": D_DAVE, "name": "report", "options": {"text": "Stake \udfff fails"}}),
    ("a NUL byte in /note's text", {"kind": "slash", "where": "thread:0", "user": 2001, "name": "note",
                                    "options": {"text": "checked\x00 the logs"}}),
    ("a lone surrogate in a message", {"kind": "post", "where": D_COURT, "user": D_DAVE,
                                       "content": REPORT + " \ud800", "attachments": 0, "reply": None}),
    ("a press with a custom id that is not ours", {"kind": "press", "user": D_DAVE, "custom_id": "t:1:take:x"}),
)


def seeded(name: str, cases: Sequence[tuple[str, dict]]) -> Callable:
    """The test with every case of the corpus as an explicit example of its argument `name`."""
    def decorate(test: Callable) -> Callable:
        for _, case in reversed(cases):
            test = example(**{name: case})(test)
        return test
    return decorate
