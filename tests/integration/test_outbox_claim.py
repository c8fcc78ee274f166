"""Claiming outbox rows: a chat's messages never overtake each other, even across senders."""

import re
from datetime import timedelta

import sqlalchemy as sa

from support.databases import migrated  # noqa: F401  (fixture)
from supportbot.db.tables import outbox
from supportbot.services.outbox import OutboxItem, OutboxKind


async def _queue(db, clock, chat_id: int, text: str) -> None:
    async with db() as uow:
        await uow.outbox.add(OutboxItem("telegram", chat_id, OutboxKind.MESSAGE, text, created_at=clock.now()))
        await uow.commit()


async def test_a_message_behind_a_retrying_one_to_the_same_chat_is_not_claimed(migrated, clock):
    db = migrated
    await _queue(db, clock, 1, "first to chat 1")
    await _queue(db, clock, 1, "second to chat 1")
    await _queue(db, clock, 2, "first to chat 2")
    async with db() as uow:  # one sender claims only the first row, as if its batch were that small
        first = await uow.outbox.claim("telegram", clock.now(), clock.now() + timedelta(minutes=1), 1, per_chat=10)
        await uow.commit()
    assert [i.text for i in first] == ["first to chat 1"]

    async with db() as uow:  # another sender, while the first row is leased (or retrying)
        second = await uow.outbox.claim("telegram", clock.now(), clock.now() + timedelta(minutes=1), 10, per_chat=10)
        await uow.commit()
    assert [i.text for i in second] == ["first to chat 2"]


async def test_rows_of_one_chat_are_claimed_together_in_order(migrated, clock):
    db = migrated
    for n in range(3):
        await _queue(db, clock, 7, f"message {n}")
    async with db() as uow:
        claimed = await uow.outbox.claim("telegram", clock.now(), clock.now() + timedelta(minutes=1), 10, per_chat=10)
        await uow.commit()
    assert [i.text for i in claimed] == ["message 0", "message 1", "message 2"]


async def test_a_long_backlog_of_one_chat_is_claimed_a_few_rows_at_a_time_beside_the_others(migrated, clock):
    db = migrated
    for n in range(30):
        await _queue(db, clock, 7, f"notice {n}")
    await _queue(db, clock, 8, "ack in another chat")
    async with db() as uow:
        claimed = await uow.outbox.claim("telegram", clock.now(), clock.now() + timedelta(minutes=1), 10, per_chat=3)
        await uow.commit()
    assert [i.text for i in claimed] == ["notice 0", "notice 1", "notice 2", "ack in another chat"]


async def test_rows_put_back_wait_their_time_and_keep_their_tries(migrated, clock):
    db = migrated
    for n in range(3):
        await _queue(db, clock, 7, f"message {n}")
    lease = clock.now() + timedelta(minutes=1)
    async with db() as uow:
        claimed = await uow.outbox.claim("telegram", clock.now(), lease, 10, per_chat=10)
        await uow.outbox.put_back([i.id for i in claimed], clock.now() + timedelta(seconds=5), "held")
        await uow.commit()
    async with db() as uow:  # nothing of that chat before its time, and then all of it, in order, untried
        assert await uow.outbox.claim("telegram", clock.now() + timedelta(seconds=4), lease, 10, per_chat=10) == []
        again = await uow.outbox.claim("telegram", clock.now() + timedelta(seconds=5), lease, 10, per_chat=10)
    assert [(i.text, i.attempts, i.last_error) for i in again] == [(f"message {n}", 1, "held") for n in range(3)]


async def test_the_rows_whose_send_starts_now_are_marked_sending_by_the_claim_itself(migrated, clock):
    db = migrated
    await _queue(db, clock, 7, "ack")
    await _queue(db, clock, 8, "notice")
    async with db() as uow:
        await uow.outbox.claim("telegram", clock.now(), clock.now() + timedelta(minutes=1), 10, per_chat=10,
                               starting=lambda rows: [r for r in rows if r.text == "ack"])
        await uow.commit()
    clock.advance(minutes=2)  # the lease is over, as after a crash: the mark is what the next claim finds
    async with db() as uow:
        again = await uow.outbox.claim("telegram", clock.now(), clock.now() + timedelta(minutes=1), 10, per_chat=10)
    marks = {i.text: i.sending_at for i in again}
    assert marks == {"ack": clock.now() - timedelta(minutes=2), "notice": None}


async def test_claiming_reads_the_pending_rows_through_their_index_not_the_whole_outbox(migrated, clock):
    db = migrated
    ran: list[tuple[str, object]] = []

    def remember(_conn, _cursor, statement, parameters, _context, _many) -> None:
        if "row_number" in statement:
            ran.append((statement, parameters))

    sa.event.listen(db.engine.sync_engine, "before_cursor_execute", remember)
    try:
        async with db() as uow:
            await uow.outbox.claim("telegram", clock.now(), clock.now() + timedelta(minutes=1), 10, per_chat=10,
                                   skip_chats=[7])
    finally:
        sa.event.remove(db.engine.sync_engine, "before_cursor_execute", remember)
    [(statement, parameters)] = ran
    async with db.engine.connect() as conn:
        if db.engine.dialect.name == "sqlite":
            rows = await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            plan = [row[-1] for row in rows]
            assert not [step for step in plan if re.fullmatch(r"SCAN (outbox|earlier)", step)], plan
        else:  # an empty table is always read whole; asked not to, the planner must find the index usable
            await conn.exec_driver_sql("SET enable_seqscan = off")
            plan = [row[0] for row in await conn.exec_driver_sql("EXPLAIN " + statement, parameters)]
            assert not [step for step in plan if "Seq Scan on outbox" in step], plan
    assert any("ix_outbox_pending" in step for step in plan), plan


async def test_the_rows_queued_behind_one_put_off_wait_as_long_as_it(migrated, clock):
    db = migrated
    for n in range(3):
        await _queue(db, clock, 7, f"message {n}")
    await _queue(db, clock, 8, "elsewhere")
    async with db() as uow:
        [first] = await uow.outbox.claim("telegram", clock.now(), clock.now() + timedelta(minutes=1), 1, per_chat=1)
        await uow.outbox.wait_behind("telegram", 7, first.id, clock.now() + timedelta(seconds=20))
        await uow.commit()
    async with db.engine.connect() as conn:
        due = dict((await conn.execute(sa.select(outbox.c.text, outbox.c.next_attempt_at))).all())
    later = clock.now() + timedelta(seconds=20)
    assert due == {"message 0": clock.now() + timedelta(minutes=1), "message 1": later, "message 2": later,
                   "elsewhere": clock.now()}


async def test_a_ticket_card_counts_as_pending_until_it_is_sent_on_its_platform(migrated, clock):
    from supportbot.domain.ticket_states import Severity
    from supportbot.domain.tickets import Ticket

    db = migrated
    async with db() as uow:
        ticket = Ticket(number=await uow.tickets.next_number(), product="court", severity=Severity.NORMAL,
                        title="t", body="t", reporter_platform="telegram", reporter_id=1, reporter_name="dave",
                        created_at=clock.now(), source_platform="telegram", source_chat_id=7, source_message_id=1)
        await uow.tickets.add(ticket)
        await uow.outbox.add(OutboxItem("telegram", 7, OutboxKind.CARD, "card", ticket_id=ticket.stored_id,
                                        created_at=clock.now()))
        await uow.commit()
    async with db() as uow:
        assert await uow.outbox.card_pending("telegram", ticket.stored_id)
        assert not await uow.outbox.card_pending("discord", ticket.stored_id)
        [card] = await uow.outbox.claim("telegram", clock.now(), clock.now() + timedelta(minutes=1), 10, per_chat=10)
        assert await uow.outbox.card_pending("telegram", ticket.stored_id)  # leased: on its way
        card.status = "sent"
        await uow.outbox.update(card)
        assert not await uow.outbox.card_pending("telegram", ticket.stored_id)
