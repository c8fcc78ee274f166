"""Notices folded into a digest, in the database: the notices a chat waits for (with their tickets' numbers
and severity), the digest queued and the folded rows settled in one transaction, the chats past a bound."""

from datetime import UTC, datetime

import sqlalchemy as sa

from support.databases import migrated  # noqa: F401  (fixture)
from supportbot.db.tables import outbox
from supportbot.domain.ticket_states import Severity
from supportbot.domain.tickets import Ticket
from supportbot.services.outbox import FOLDED_INTO, CardButtons, Mention, OutboxItem, OutboxKind

AT = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
TEAM = -100500


def ticket(number: int, severity: Severity) -> Ticket:
    return Ticket(number=number, product="court", severity=severity, title=f"t{number}", body="b",
                  reporter_platform="telegram", reporter_id=5001, reporter_name="dave", created_at=AT,
                  source_platform="telegram", source_chat_id=-100101, source_message_id=number)


def notice(ticket_id: int | None, text: str, chat_id: int = TEAM, **fields) -> OutboxItem:
    return OutboxItem("telegram", chat_id, OutboxKind.MESSAGE, text, ticket_id=ticket_id, created_at=AT, **fields)


async def test_the_waiting_notices_are_folded_into_a_digest_at_once(migrated) -> None:
    db = migrated
    async with db() as uow:
        normal, emergency = ticket(41, Severity.NORMAL), ticket(42, Severity.EMERGENCY)
        await uow.tickets.add(normal)
        await uow.tickets.add(emergency)
        await uow.outbox.add_many([
            notice(normal.id, "before the bound"),
            notice(normal.id, "a notice", mentions=(Mention("Carol"),)),
            notice(None, "no ticket: a shift reminder"),
            notice(normal.id, "a reply", reply_to=5),
            notice(normal.id, "in a thread", thread_id=9),
            notice(normal.id, "with buttons", payload=CardButtons(41, ("fixed",))),
            OutboxItem("telegram", TEAM, OutboxKind.CARD, "a card", ticket_id=normal.id, created_at=AT),
            notice(emergency.id, "an emergency"),
            notice(emergency.id, "elsewhere", chat_id=-100999),
        ])
        await uow.commit()
    async with db() as uow:
        waiting = await uow.outbox.waiting_notices("telegram", TEAM, beyond=1, limit=10)
        assert [(w.item.text, w.number, w.emergency) for w in waiting] == [
            ("a notice", 41, False), ("an emergency", 42, True)]
        assert waiting[0].item.mentions == (Mention("Carol"),)
        digest = notice(None, "📨 2 notices in one", next_attempt_at=AT)
        assert await uow.outbox.fold([w.item.id for w in waiting], [digest])
        await uow.commit()
    async with db() as uow:
        rows = (await uow.session.execute(sa.select(outbox.c.id, outbox.c.text, outbox.c.status, outbox.c.last_error)
                                          .order_by(outbox.c.id))).all()
        digest_id = rows[-1].id
        assert [(r.text, r.status, r.last_error) for r in rows if r.status == "sent"] == [
            ("a notice", "sent", FOLDED_INTO.format(id=digest_id)),
            ("an emergency", "sent", FOLDED_INTO.format(id=digest_id))]
        assert rows[-1].text == "📨 2 notices in one" and rows[-1].status == "pending"
        assert await uow.outbox.crowded_chats("telegram", 6) == [(TEAM, 7)]
        assert await uow.outbox.crowded_chats("telegram", 7) == []
        assert await uow.outbox.waiting_notices("telegram", TEAM, beyond=20, limit=10) == []
        # Settled meanwhile (by another sender): the fold is refused and its caller does not commit.
        assert not await uow.outbox.fold([rows[1].id], [notice(None, "again")])
