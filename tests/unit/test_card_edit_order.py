"""A card edit never overtakes the card it edits: while the card is still queued or on its way (flushes run
side by side, and the edit goes to no chat of its own), the edit waits for it instead of finding no card
and being dropped, which left the card showing the state before the change."""

from __future__ import annotations

from datetime import timedelta

from support.fake_chat import FakeChat
from support.fake_uow import FakeStore, queue
from supportbot.chat.outbox_sender import OutboxSender
from supportbot.services.outbox import OutboxItem, OutboxKind

COURT = -100101
TICKET = 7


async def test_an_edit_due_before_its_card_waits_for_it_then_edits_it(clock) -> None:
    store, chat = FakeStore(), FakeChat()
    sender = OutboxSender(chat, uow=store, clock=clock)
    card = OutboxItem(platform="telegram", chat_id=COURT, kind=OutboxKind.CARD, text="🔴 Ticket #7 received",
                      ticket_id=TICKET, created_at=clock.now())
    edit = OutboxItem(platform="telegram", chat_id=0, kind=OutboxKind.EDIT_CARD, text="⭕️ Ticket #7 in progress",
                      ticket_id=TICKET, created_at=clock.now())
    card.next_attempt_at = clock.now() + timedelta(seconds=2)  # the card waits for a retry; the edit is due
    await queue(store, card, edit)

    await sender.flush()
    [stored] = [row for row in store.outbox if row.kind is OutboxKind.EDIT_CARD]
    assert chat.edited == [] and stored.status == "pending"  # not dropped: put back, its try not counted
    assert stored.attempts == 0 and "card is not delivered yet" in (stored.last_error or "")

    clock.advance(seconds=2)
    await sender.flush()
    clock.advance(seconds=1)
    await sender.flush()
    assert chat.texts(COURT) == ["🔴 Ticket #7 received"]
    [(edited, link)] = chat.edited
    assert edited.text == "⭕️ Ticket #7 in progress" and (link.chat_id, link.role) == (COURT, "card")
    assert {row.status for row in store.outbox} == {"sent"}


async def test_an_edit_of_a_ticket_without_a_card_on_the_platform_is_done_at_once(clock) -> None:
    store, chat = FakeStore(), FakeChat()
    sender = OutboxSender(chat, uow=store, clock=clock)
    edit = OutboxItem(platform="telegram", chat_id=0, kind=OutboxKind.EDIT_CARD, text="⭕️ Ticket #7 in progress",
                      ticket_id=TICKET, created_at=clock.now())
    await queue(store, edit)

    await sender.flush()
    assert [row.status for row in store.outbox] == ["sent"] and chat.edited == []  # nothing to edit or wait for
