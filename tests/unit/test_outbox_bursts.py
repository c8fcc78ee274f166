"""Notices folded into one message when they come faster than a chat may show them: the digest's text, a
burst held back by the send limit, and a chat's queue past its bound (the sender against a fake platform)."""

from __future__ import annotations

import logging
import re

import pytest

from support.fake_chat import FakeChat
from support.fake_uow import FakeStore, queue
from supportbot.chat.discord import render as discord_render
from supportbot.chat.outbox_bursts import MESSAGE_LIMITS, digest_texts, units
from supportbot.chat.outbox_sender import OutboxSender, SenderPolicy
from supportbot.chat.telegram import render as telegram_render
from supportbot.domain import texts
from supportbot.domain.ticket_states import Severity
from supportbot.domain.tickets import Ticket
from supportbot.services.outbox import FOLDED_INTO, Mention, OutboxItem, OutboxKind, Throttled, WaitingNotice

TEAM = -100500
REASON = "Telegram lets the bot post only so many messages here a minute"


def notice(number: int, emergency: bool, text: str = "", mentions: tuple[Mention, ...] = ()) -> WaitingNotice:
    item = OutboxItem(platform="telegram", chat_id=TEAM, kind=OutboxKind.MESSAGE, ticket_id=number, id=number,
                      text=text or f"{'🚨 Emergency' if emergency else '🐛 New ticket'} #{number}: title", mentions=mentions)
    return WaitingNotice(item, number, emergency)


def numbers_in(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"#(\d+)", text)]


# --- the digest's text --------------------------------------------------------------------------


def test_a_digest_that_fits_quotes_each_notice_emergencies_first() -> None:
    alice, carol = Mention("Alice"), Mention("Carol")
    notices = [notice(1, False, mentions=(carol,)), notice(2, True, mentions=(alice, carol)), notice(3, False),
               notice(4, True, mentions=(alice,))]

    [(text, listed)] = digest_texts(notices, REASON, 4096)

    assert text.splitlines() == [texts.fold_head(4, REASON), "🚨 Emergency #2: title", "🚨 Emergency #4: title",
                                 "🐛 New ticket #1: title", "🐛 New ticket #3: title", texts.FOLD_FOOT]
    assert [n.number for n in listed] == [2, 4, 1, 3]
    assert text.startswith("📨 4 notices in one: ") and texts.fold_head(1, REASON).startswith("📨 1 notice in one: ")


@pytest.mark.parametrize("platform", ["telegram", "discord"])
def test_a_burst_too_long_for_one_message_lists_every_number_emergencies_first(platform: str) -> None:
    limit = MESSAGE_LIMITS[platform]
    long = "x" * 150
    notices = [notice(n, n % 4 != 0, text=f"🚨 Emergency #{n}: {long}") for n in range(1, 901)]

    parts = digest_texts(notices, REASON, limit)

    assert len(parts) > 1 and all(units(text) <= limit for text, _ in parts)
    assert parts[0][0].startswith(texts.fold_head(900, REASON, 1, len(parts)))
    listed = [n for text, _ in parts for n in numbers_in(text)]
    emergencies = [n.number for n in notices if n.emergency]
    assert listed[:len(emergencies)] == emergencies  # every emergency, before any other ticket
    assert sorted(listed) == list(range(1, 901))
    assert sorted(n.number for _, part in parts for n in part) == list(range(1, 901))


def test_the_limits_are_the_platforms_own() -> None:
    assert MESSAGE_LIMITS == {"telegram": telegram_render.MAX_MESSAGE_LENGTH, "discord": discord_render.MAX_CONTENT}


# --- the sender -----------------------------------------------------------------------------------


async def add_tickets(store: FakeStore, clock, *severities: Severity) -> list[Ticket]:
    """Tickets #1, #2, ... of these severities, stored."""
    stored = []
    async with store() as uow:
        for number, severity in enumerate(severities, start=1):
            ticket = Ticket(number=number, product="court", severity=severity, title=f"t{number}", body="b",
                            reporter_platform="telegram", reporter_id=5001, reporter_name="dave",
                            created_at=clock.now(), source_platform="telegram", source_chat_id=-100101,
                            source_message_id=number)
            await uow.tickets.add(ticket)
            stored.append(ticket)
        await uow.commit()
    return stored


def team_notice(clock, ticket: Ticket, **fields) -> OutboxItem:
    return OutboxItem(platform="telegram", chat_id=TEAM, kind=OutboxKind.MESSAGE, ticket_id=ticket.id,
                      text=f"Notice #{ticket.number}", created_at=clock.now(), **fields)


async def test_notices_waiting_for_a_chat_held_by_its_send_limit_go_out_once_as_one_message(clock) -> None:
    store, chat = FakeStore(), FakeChat("telegram")
    tickets = await add_tickets(store, clock, *[Severity.NORMAL] * 5, Severity.EMERGENCY)
    card = OutboxItem(platform="telegram", chat_id=TEAM, kind=OutboxKind.CARD, text="card", reply_to=7,
                      ticket_id=tickets[0].id, created_at=clock.now())
    await queue(store, *(team_notice(clock, t) for t in tickets[:2]), card,
                *(team_notice(clock, t, mentions=(Mention("Alice"),) if t.severity is Severity.EMERGENCY else ())
                  for t in tickets[2:]))
    chat.fail(Throttled(after=2.0))  # the first send finds the chat's budget spent
    sender = OutboxSender(chat, uow=store, clock=clock, policy=SenderPolicy())

    await sender.flush()
    clock.advance(seconds=2)
    await sender.flush()

    assert chat.texts() == ["card", chat.texts()[1]]  # the acknowledgement as it was, then one message
    digest = chat.sent[1]
    assert numbers_in(digest.text) == [6, 1, 2, 3, 4, 5] and digest.mentions == (Mention("Alice"),)
    folded = [r for r in store.outbox if r.kind is OutboxKind.MESSAGE and r.ticket_id is not None]
    digest_row = next(r for r in store.outbox if r.text == digest.text)
    assert {(r.status, r.last_error) for r in folded} == {("sent", FOLDED_INTO.format(id=digest_row.id))}
    assert all(r.status == "sent" for r in store.outbox)
    await sender.flush()
    assert len(chat.sent) == 2  # nothing twice


async def test_a_few_notices_held_by_the_send_limit_go_on_their_own(clock) -> None:
    store, chat = FakeStore(), FakeChat("telegram")
    tickets = await add_tickets(store, clock, *[Severity.NORMAL] * 3)
    await queue(store, *(team_notice(clock, t) for t in tickets))
    chat.fail(Throttled(after=1.0))
    sender = OutboxSender(chat, uow=store, clock=clock, policy=SenderPolicy())

    for _ in range(3):
        await sender.flush()
        clock.advance(seconds=1)

    assert chat.texts() == ["Notice #1", "Notice #2", "Notice #3"]


async def test_a_chat_past_its_bound_is_told_once_and_its_plain_notices_past_it_folded(clock, caplog) -> None:
    store, chat = FakeStore(), FakeChat("telegram")
    severities = [Severity.NORMAL] * 70 + [Severity.EMERGENCY] * 2
    tickets = await add_tickets(store, clock, *severities)
    await queue(store, *(team_notice(clock, t) for t in tickets))
    sender = OutboxSender(chat, uow=store, clock=clock, policy=SenderPolicy(max_per_chat=50))
    caplog.set_level(logging.INFO, logger="supportbot.chat.outbox_sender")

    await sender.folder.check_bound()
    clock.advance(seconds=30)
    await sender.folder.check_bound()

    pending = [r for r in store.outbox if r.status == "pending"]
    assert [r.text for r in pending[:50]] == [f"Notice #{n}" for n in range(1, 51)]  # the first 50 as they were
    assert [r.text for r in pending[50:52]] == ["Notice #71", "Notice #72"]  # emergencies always queued
    [digest] = pending[52:]
    assert digest.text.startswith(texts.fold_head(20, texts.FOLD_BOUND.format(bound=50)))
    assert numbers_in(digest.text) == list(range(51, 71))
    warnings = [r for r in caplog.records if "past its bound of 50" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING

    for _ in range(20):  # ten a flush
        await sender.flush()
        clock.advance(seconds=11)
        if not [r for r in store.outbox if r.status == "pending"]:
            break
    await sender.folder.check_bound()
    assert any("back under its bound" in r.getMessage() for r in caplog.records)
    assert len(chat.sent) == 53 and sum(t.startswith("📨") for t in chat.texts()) == 1


def test_a_bound_too_small_to_leave_the_messages_on_their_way_alone_is_refused() -> None:
    from supportbot.config_limits import OutboxConfig

    with pytest.raises(ValueError, match="at least 50"):
        OutboxConfig(max_per_chat=10)
    assert OutboxConfig(max_per_chat=0).max_per_chat == 0 and OutboxConfig().max_per_chat == 500
