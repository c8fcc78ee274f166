"""Handled-event keys and parked events (dead letters): what makes handling exactly-once and loss-free."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from supportbot.db.repositories import dialect_insert
from supportbot.db.tables import dead_letters, handled_events
from supportbot.services.ports import DeadLetter


class SqlHandled:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, key: str, at: datetime) -> bool:
        """Record a handled key; False when it was recorded already (no error, so the transaction goes on)."""
        statement = (dialect_insert(self.session)(handled_events).values(key=key, at=at)
                     .on_conflict_do_nothing(index_elements=[handled_events.c.key]))
        # An INSERT's result is a CursorResult, the kind that counts rows.
        result = cast(CursorResult[Any], await self.session.execute(statement))
        return result.rowcount == 1

    async def has(self, key: str) -> bool:
        query = sa.select(handled_events.c.key).where(handled_events.c.key == key)
        return (await self.session.execute(query)).first() is not None


def _letter(row: sa.Row) -> DeadLetter:
    return DeadLetter(
        platform=row.platform, kind=row.kind, ref=row.ref, payload=row.payload, error=row.error,
        created_at=row.created_at, chat_id=row.chat_id, status=row.status, replayed_at=row.replayed_at, id=row.id,
    )


class SqlDeadLetters:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def park(self, letter: DeadLetter) -> int | None:
        """Store a parked event; None when that event (platform, kind, ref) is parked already."""
        statement = (
            dialect_insert(self.session)(dead_letters).values(
                platform=letter.platform, kind=letter.kind, ref=letter.ref, chat_id=letter.chat_id,
                payload=letter.payload, error=letter.error, status=letter.status, created_at=letter.created_at,
                replayed_at=letter.replayed_at,
            )
            .on_conflict_do_nothing(index_elements=[dead_letters.c.platform, dead_letters.c.kind, dead_letters.c.ref])
            .returning(dead_letters.c.id)
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def get(self, letter_id: int) -> DeadLetter | None:
        row = (await self.session.execute(sa.select(dead_letters).where(dead_letters.c.id == letter_id))).first()
        return _letter(row) if row is not None else None

    async def list(self, *, status: str | None = None, platform: str | None = None,
                   limit: int = 100) -> Sequence[DeadLetter]:
        """Parked events, oldest first, optionally of one status and platform."""
        query = sa.select(dead_letters).order_by(dead_letters.c.id).limit(limit)
        if status is not None:
            query = query.where(dead_letters.c.status == status)
        if platform is not None:
            query = query.where(dead_letters.c.platform == platform)
        return [_letter(row) for row in await self.session.execute(query)]

    async def set_status(self, letter_id: int, status: str, at: datetime | None = None,
                         error: str | None = None) -> None:
        """Move a parked event on; `error` replaces the stored one (a replay that failed again)."""
        values: dict = {"status": status}
        if at is not None:
            values["replayed_at"] = at
        if error is not None:
            values["error"] = error
        await self.session.execute(sa.update(dead_letters).where(dead_letters.c.id == letter_id).values(**values))
