"""The outbox sender against a fake chat platform: retries, back-off, giving up, order and card edits."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from support.fake_chat import FakeChat
from support.fake_uow import FakeStore, queue
from supportbot.chat.outbox_sender import OutboxSender, SenderPolicy
from supportbot.domain import texts
from supportbot.domain.calendar import BusinessCalendar
from supportbot.domain.people import Directory
from supportbot.domain.sla import Policy
from supportbot.domain.ticket_states import Severity
from supportbot.domain.tickets import Ticket
from supportbot.services.after_delivery import AfterDelivery
from supportbot.services.clocks import Clocks
from supportbot.services.notify import Notifier
from supportbot.services.outbox import (
    DeleteMessage,
    MessageLink,
    OutboxItem,
    OutboxKind,
    PermanentFailure,
    RetryLater,
    Throttled,
)

CHAT = -100101
OTHER_CHAT = -100102
SECURITY = -100700


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def chat() -> FakeChat:
    return FakeChat("telegram")


def make_sender(chat: FakeChat, store: FakeStore, clock, **policy: float) -> OutboxSender:
    return OutboxSender(chat, uow=store, clock=clock, policy=SenderPolicy(**policy))


def message(clock, text: str, chat_id: int = CHAT, **fields) -> OutboxItem:
    return OutboxItem(platform="telegram", chat_id=chat_id, kind=OutboxKind.MESSAGE, text=text,
                      created_at=clock.now(), **fields)


async def add_ticket(store: FakeStore, clock) -> Ticket:
    ticket = Ticket(number=1, product="court", severity=Severity.NORMAL, title="t", body="t",
                    reporter_platform="telegram", reporter_id=5001, reporter_name="dave",
                    created_at=clock.now(), source_platform="telegram", source_chat_id=CHAT, source_message_id=1)
    async with store() as uow:
        await uow.tickets.add(ticket)
        await uow.commit()
    return ticket


def row(store: FakeStore, text: str) -> OutboxItem:
    return next(r for r in store.outbox if r.text == text)


async def seconds_tried(sender: OutboxSender, chat: FakeChat, clock, until: int) -> list[int]:
    """Flush once a second (of the manual clock) up to `until`; the seconds at which the platform was called."""
    start, tried = clock.now(), []
    for second in range(until + 1):
        clock.set(start + timedelta(seconds=second))
        before = len(chat.tries)
        await sender.flush()
        if len(chat.tries) > before:
            tried.append(second)
    return tried


# --- delivery --------------------------------------------------------------------------------


async def test_a_delivered_message_is_marked_sent_with_its_platform_id(store, chat, clock) -> None:
    await queue(store, message(clock, "hello"))

    report = await make_sender(chat, store, clock).flush()

    assert report.sent == 1 and chat.texts() == ["hello"]
    sent = row(store, "hello")
    assert sent.status == "sent" and sent.platform_message_id is not None


async def test_a_delivered_card_is_linked_so_replies_and_edits_find_its_ticket(store, chat, clock) -> None:
    ticket = await add_ticket(store, clock)
    await queue(store, OutboxItem(platform="telegram", chat_id=CHAT, kind=OutboxKind.CARD, text="🔴 Ticket #1",
                                  ticket_id=ticket.id, created_at=clock.now()))
    sender = make_sender(chat, store, clock)

    await sender.flush()

    card_id = row(store, "🔴 Ticket #1").platform_message_id
    async with store() as uow:
        assert await uow.messages.ticket_for("telegram", CHAT, card_id) == ticket.id
    await queue(store, OutboxItem(platform="telegram", chat_id=0, kind=OutboxKind.EDIT_CARD, text="⭕️ Ticket #1",
                                  ticket_id=ticket.id, created_at=clock.now()))
    await sender.flush()
    assert [(item.text, card.message_id) for item, card in chat.edited] == [("⭕️ Ticket #1", card_id)]


async def test_a_thread_opened_by_the_card_becomes_the_tickets_conversation(store, clock) -> None:
    chat = FakeChat("discord", open_threads=True)
    ticket = await add_ticket(store, clock)
    await queue(store, OutboxItem(platform="discord", chat_id=CHAT, kind=OutboxKind.CARD, text="card",
                                  ticket_id=ticket.id, created_at=clock.now()))

    await make_sender(chat, store, clock).flush()

    thread = row(store, "card").platform_message_id
    assert store.ticket(1).thread_id == thread
    async with store() as uow:
        assert await uow.messages.ticket_for_thread("discord", CHAT, thread) == ticket.id


# --- retries -----------------------------------------------------------------------------------


async def test_a_rate_limited_message_waits_exactly_as_long_as_the_platform_asks(store, chat, clock) -> None:
    chat.fail(RetryLater("429 Too Many Requests", after=30))
    await queue(store, message(clock, "hello"))

    tried = await seconds_tried(make_sender(chat, store, clock, first_backoff=1), chat, clock, until=40)

    assert tried == [0, 30]
    assert chat.texts() == ["hello"] and row(store, "hello").status == "sent"


async def test_without_a_hint_retries_back_off_doubling(store, chat, clock) -> None:
    chat.fail(*(RetryLater("502 Bad Gateway") for _ in range(3)))
    await queue(store, message(clock, "hello"))

    tried = await seconds_tried(make_sender(chat, store, clock, first_backoff=1, max_backoff=300), chat, clock, 10)

    assert tried == [0, 1, 3, 7]
    assert chat.texts() == ["hello"]


async def test_back_off_is_capped(store, chat, clock) -> None:
    chat.fail(*(RetryLater("timeout") for _ in range(4)))
    await queue(store, message(clock, "hello"))

    tried = await seconds_tried(make_sender(chat, store, clock, first_backoff=1, max_backoff=3), chat, clock, 12)

    assert tried == [0, 1, 3, 6, 9]


async def test_after_max_attempts_the_message_is_dead_and_logged(store, chat, clock, caplog) -> None:
    chat.fail(*(RetryLater("502 Bad Gateway") for _ in range(10)))
    await queue(store, message(clock, "hello"))
    sender = make_sender(chat, store, clock, max_attempts=3, first_backoff=1)

    with caplog.at_level(logging.WARNING, logger="supportbot.chat.outbox_sender"):
        tried = await seconds_tried(sender, chat, clock, until=60)

    assert tried == [0, 1, 3]
    dead = row(store, "hello")
    assert (dead.status, dead.attempts, dead.last_error) == ("dead", 3, "502 Bad Gateway")
    [given_up] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "giving up on outbox row" in given_up.getMessage() and "502 Bad Gateway" in given_up.getMessage()


async def test_a_permanent_failure_is_dead_at_once(store, chat, clock, caplog) -> None:
    chat.fail(PermanentFailure("403 Forbidden: bot was kicked"))
    await queue(store, message(clock, "hello"))
    sender = make_sender(chat, store, clock)

    with caplog.at_level(logging.ERROR, logger="supportbot.chat.outbox_sender"):
        report = await sender.flush()
        tried = await seconds_tried(sender, chat, clock, until=120)

    assert report.dead == 1 and tried == []
    assert row(store, "hello").status == "dead" and len(chat.tries) == 1
    assert any("bot was kicked" in r.getMessage() for r in caplog.records)


async def test_our_own_rate_limit_is_not_a_failed_try(store, chat, clock) -> None:
    chat.fail(*(Throttled(after=1) for _ in range(5)))
    await queue(store, message(clock, "hello"))

    tried = await seconds_tried(make_sender(chat, store, clock, max_attempts=2), chat, clock, until=10)

    assert tried == [0, 1, 2, 3, 4, 5]
    assert row(store, "hello").status == "sent"


async def test_an_unexpected_error_is_retried_and_does_not_stop_other_messages(store, chat, clock, caplog) -> None:
    chat.fail(ValueError("adapter bug"), when=lambda item: item.text == "first")
    await queue(store, message(clock, "first"), message(clock, "second", chat_id=OTHER_CHAT))

    with caplog.at_level(logging.ERROR, logger="supportbot.chat.outbox_sender"):
        report = await make_sender(chat, store, clock).flush()

    assert (report.sent, report.retried) == (1, 1)
    assert chat.texts() == ["second"] and row(store, "first").status == "pending"
    [logged] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "unexpected error sending outbox row" in logged.getMessage()
    assert isinstance(logged.exc_info[1], ValueError)  # with the traceback, to find the bug


# --- secrets that stay visible -------------------------------------------------------------------


@pytest.mark.parametrize("failure", [PermanentFailure("400 message can't be deleted"), RetryLater("500")])
async def test_a_failed_delete_tells_the_security_chats(store, chat, clock, failure) -> None:
    chat.fail(*([failure] * 5), when=lambda item: item.kind is OutboxKind.DELETE)
    await queue(store, OutboxItem(
        platform="telegram", chat_id=CHAT, kind=OutboxKind.DELETE, created_at=clock.now(),
        payload=DeleteMessage(77),
    ))
    security = Directory(security_chats={"telegram": SECURITY, "discord": 3700})
    notifier = Notifier(security, Clocks(BusinessCalendar(), Policy()), clock=clock)
    sender = OutboxSender(chat, uow=store, clock=clock, policy=SenderPolicy(max_attempts=2, first_backoff=1),
                          after=AfterDelivery(notifier))

    await seconds_tried(sender, chat, clock, until=5)

    assert chat.deleted == []
    [told] = [i for i in chat.sent if i.chat_id == SECURITY]
    assert told.text.startswith(texts.DELETE_FAILED.split("{")[0])
    assert "message 77" in told.text and f"chat {CHAT}" in told.text
    on_discord = [r for r in store.outbox if r.platform == "discord"]
    assert [(r.chat_id, r.text) for r in on_discord] == [(3700, told.text)]


# --- order ------------------------------------------------------------------------------------------


async def test_later_messages_to_a_chat_do_not_overtake_one_waiting_for_a_retry(store, chat, clock) -> None:
    chat.fail(RetryLater("429", after=10), when=lambda item: item.text == "A")
    await queue(store, message(clock, "A"), message(clock, "B"), message(clock, "elsewhere", chat_id=OTHER_CHAT))
    sender = make_sender(chat, store, clock)

    await sender.flush()
    assert chat.texts() == ["elsewhere"]  # another chat is not held up
    clock.advance(seconds=1)
    await queue(store, message(clock, "C"))  # queued while A still waits
    for _ in range(9):
        await sender.flush()
        assert chat.texts(CHAT) == []
        clock.advance(seconds=1)
    await sender.flush()

    assert chat.texts(CHAT) == ["A", "B", "C"]
    assert row(store, "B").attempts == 1  # waiting behind A was not counted as a failed try


async def test_messages_to_a_chat_go_out_in_the_order_queued(store, chat, clock) -> None:
    await queue(store, *(message(clock, f"m{i}") for i in range(5)))

    await make_sender(chat, store, clock).flush()

    assert chat.texts() == [f"m{i}" for i in range(5)]


# --- card edits ---------------------------------------------------------------------------------------


async def test_successive_card_edits_collapse_to_the_latest(store, chat, clock) -> None:
    ticket = await add_ticket(store, clock)
    async with store() as uow:
        await uow.messages.add(MessageLink("telegram", CHAT, 500, ticket.id, "card"))
        await uow.messages.add(MessageLink("telegram", -100700, 501, ticket.id, "card"))
        await uow.commit()
    await queue(store, *(OutboxItem(platform="telegram", chat_id=0, kind=OutboxKind.EDIT_CARD, text=text,
                                    ticket_id=ticket.id, created_at=clock.now())
                         for text in ("🔴 taken", "⭕️ in progress", "🟡 fix provided")))

    await make_sender(chat, store, clock).flush()

    assert sorted((item.text, card.message_id) for item, card in chat.edited) == [
        ("🟡 fix provided", 500), ("🟡 fix provided", 501)]
    assert {r.status for r in store.outbox} == {"sent"}
