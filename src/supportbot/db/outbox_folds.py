"""The outbox's notices folded into digests: the notices a chat waits for, the digests that replace them
(in one transaction), and the chats whose queue is past its bound."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from supportbot.db.outbox_codec import item_of, stored_values
from supportbot.db.tables import outbox, tickets
from supportbot.domain.ticket_states import Severity
from supportbot.services.outbox import FOLDED_INTO, OutboxItem, OutboxKind, WaitingNotice

_PENDING: sa.ColumnClause[str] = sa.literal_column("'pending'")  # written out: the partial index applies

# A plain notice about a ticket in the chat's own conversation (no reply, no thread), not on its way: one a
# digest can stand for. Payloads (buttons, a private message) are left out by the caller, which reads them.
_NOTICE = sa.and_(outbox.c.kind == OutboxKind.MESSAGE.value, outbox.c.ticket_id.isnot(None),
                  outbox.c.reply_to.is_(None), outbox.c.thread_id.is_(None), outbox.c.sending_at.is_(None))


class OutboxFolds:
    """The folding half of the outbox repository (SqlOutbox)."""

    session: AsyncSession

    async def waiting_notices(self, platform: str, chat_id: int, *, beyond: int = 0,
                              limit: int) -> Sequence[WaitingNotice]:
        """Plain notices about tickets queued to the chat and not on their way, in queue order, past its
        first `beyond` pending rows; each with its ticket's number and severity. Locked on PostgreSQL."""
        in_chat = (outbox.c.platform == platform, outbox.c.chat_id == chat_id, outbox.c.status == _PENDING)
        after = 0
        if beyond:
            found = await self.session.execute(
                sa.select(outbox.c.id).where(*in_chat).order_by(outbox.c.id).offset(beyond - 1).limit(1))
            after = found.scalar() or 0
            if not after:
                return []
        rows = await self.session.execute(
            sa.select(outbox, tickets.c.number.label("ticket_number"), tickets.c.severity.label("ticket_severity"))
            .join(tickets, tickets.c.id == outbox.c.ticket_id)
            .where(*in_chat, outbox.c.id > after, _NOTICE)
            .order_by(outbox.c.id).limit(limit).with_for_update(skip_locked=True, of=outbox))
        notices = []
        for row in rows:
            item = item_of(row)
            if item.payload is None:
                notices.append(WaitingNotice(item, int(row.ticket_number),
                                             Severity(row.ticket_severity) is Severity.EMERGENCY))
        return notices

    async def fold(self, folded: Sequence[int], digests: Sequence[OutboxItem]) -> bool:
        """Queue the digests and mark the folded rows sent, through the first digest; False when one of them
        was settled or set on its way meanwhile (the caller then does not commit)."""
        first: int | None = None
        for digest in digests:
            found = await self.session.execute(sa.insert(outbox).values(**stored_values(digest)).returning(outbox.c.id))
            first = first or int(found.scalar_one())
        marked = await self.session.execute(
            sa.update(outbox).where(outbox.c.id.in_(list(folded)), outbox.c.status == _PENDING,
                                    outbox.c.sending_at.is_(None))
            .values(status="sent", next_attempt_at=None, last_error=FOLDED_INTO.format(id=first)))
        return marked.rowcount == len(folded)  # type: ignore[attr-defined]

    async def crowded_chats(self, platform: str, over: int) -> Sequence[tuple[int, int]]:
        """(chat, pending messages) of the platform's chats with more than `over` messages waiting."""
        count = sa.func.count()
        rows = await self.session.execute(
            sa.select(outbox.c.chat_id, count).where(outbox.c.platform == platform, outbox.c.status == _PENDING)
            .group_by(outbox.c.chat_id).having(count > over))
        return [(int(chat), int(pending)) for chat, pending in rows]
