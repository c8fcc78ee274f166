"""The database connection drops just as the outbox's claim commits: the database has the claim, the
sender hears an error. Nothing was sent, so the acknowledgement must still go out, once, as soon as the
database answers again: not a minute later, and not taken for a message "that may have arrived"."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from support.databases import migrated  # noqa: F401  (fixture)
from support.fake_chat import FakeChat
from supportbot.chat.outbox_sender import LEASE, OutboxSender
from supportbot.db.engine import Database
from supportbot.db.tables import outbox
from supportbot.services.outbox import OutboxItem, OutboxKind

COURT = -100101
ACK = "🔴 Ticket #1 received"


class AnswerLost:
    """The app's database, except that the next commit is carried out and then reported as failed, as when
    the connection drops between the COMMIT and its answer."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.armed = False

    def __call__(self):
        uow = self.database()
        commit = uow.commit

        async def commit_then_fail() -> None:
            await commit()
            if self.armed:
                self.armed = False
                raise ConnectionError("connection was closed in the middle of operation")

        uow.commit = commit_then_fail
        return uow


async def test_an_ack_whose_claim_lost_its_answer_is_sent_at_the_next_flush(migrated, clock):
    async with migrated() as uow:
        await uow.outbox.add(OutboxItem("telegram", COURT, OutboxKind.CARD, ACK, reply_to=7, created_at=clock.now()))
        await uow.commit()
    database, chat = AnswerLost(migrated), FakeChat()
    sender = OutboxSender(chat, uow=database, clock=clock)

    database.armed = True
    with pytest.raises(ConnectionError):
        await sender.flush()
    assert chat.tries == []  # nothing went to the platform
    await sender.flush()  # the database answers again, at the same instant

    assert chat.texts() == [ACK]
    assert await statuses(migrated) == [("sent", 1, None)]  # one try, and no "may not have arrived"


async def test_a_claim_that_did_not_commit_after_all_is_left_as_it_is(migrated, clock):
    """The release touches only rows that still hold the lost claim's lease."""
    async with migrated() as uow:
        await uow.outbox.add(OutboxItem("telegram", COURT, OutboxKind.CARD, ACK, reply_to=7, created_at=clock.now()))
        await uow.commit()
    chat = FakeChat()
    await OutboxSender(chat, uow=migrated, clock=clock).flush()
    async with migrated() as uow:
        await uow.outbox.release_lost([1], clock.now() + LEASE, clock.now())  # the lease its claim had
        await uow.commit()
    clock.advance(minutes=5)

    await OutboxSender(chat, uow=migrated, clock=clock).flush()
    assert chat.texts() == [ACK]  # once: the sent row was not made due again
    assert await statuses(migrated) == [("sent", 1, None)]


async def statuses(database: Database) -> list[tuple]:
    async with database.engine.connect() as conn:
        return [tuple(row) for row in await conn.execute(
            sa.select(outbox.c.status, outbox.c.attempts, outbox.c.last_error).order_by(outbox.c.id))]
