"""Reporters' ratings of resolved tickets: one row per ticket, updated in place while it may change."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from supportbot.db.repositories import dialect_insert
from supportbot.db.tables import ratings
from supportbot.domain.satisfaction import Rating


class SqlRatings:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def of(self, ticket_id: int) -> Rating | None:
        """The ticket's rating, or None while it has none."""
        row = (await self.session.execute(sa.select(ratings).where(ratings.c.ticket_id == ticket_id))).first()
        if row is None:
            return None
        return Rating(row.ticket_id, row.score, row.rated_at, row.updated_at, row.comment, row.id)

    async def save(self, rating: Rating) -> None:
        """Store the ticket's rating: a new row, or the one it has updated (score, comment, when), so two
        presses at once leave one rating."""
        insert = dialect_insert(self.session)(ratings).values(
            ticket_id=rating.ticket_id, score=rating.score, comment=rating.comment, rated_at=rating.rated_at,
            updated_at=rating.updated_at)
        statement = insert.on_conflict_do_update(
            index_elements=[ratings.c.ticket_id],
            set_={"score": insert.excluded.score, "comment": insert.excluded.comment,
                  "updated_at": insert.excluded.updated_at},
        ).returning(ratings.c.id)
        rating.id = (await self.session.execute(statement)).scalar_one()
