"""Every stored ticket with its history and rating, page by page, for `supportbot export tickets`.

Tickets are read in pages by id (a page and its history lines in memory at a time, never the whole
table), as stored: every column, instants in UTC ISO 8601."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from supportbot.db.engine import Database
from supportbot.db.tables import ratings, ticket_events, tickets

PAGE = 500
EVENT_FIELDS = ("at", "actor", "kind", "detail")
RATING_FIELDS = ("score", "comment", "rated_at", "updated_at")
# Every ticket column, then its rating (empty when it has none), then its history.
FIELDS = (*(column.key for column in tickets.columns), *(f"rating_{name}" for name in RATING_FIELDS), "history")


async def ticket_records(database: Database, *, page: int = PAGE) -> AsyncIterator[dict[str, Any]]:
    """Each ticket as a record of FIELDS, in id order; `history` is the list of its events, oldest first."""
    after = 0
    while True:
        async with database.engine.connect() as conn:
            rows = (await conn.execute(
                sa.select(tickets, *(ratings.c[name].label(f"rating_{name}") for name in RATING_FIELDS))
                .select_from(tickets.outerjoin(ratings, ratings.c.ticket_id == tickets.c.id))
                .where(tickets.c.id > after).order_by(tickets.c.id).limit(page)
            )).mappings().all()
            if not rows:
                return
            ids = [row["id"] for row in rows]
            history: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
            for event in await conn.execute(
                sa.select(ticket_events).where(ticket_events.c.ticket_id.in_(ids))
                .order_by(ticket_events.c.ticket_id, ticket_events.c.id)
            ):
                history[event.ticket_id].append({name: _plain(getattr(event, name)) for name in EVENT_FIELDS})
        for row in rows:
            record = {name: _plain(row[name]) for name in FIELDS if name != "history"}
            record["history"] = history[row["id"]]
            yield record
        after = ids[-1]


def _plain(value: Any) -> Any:
    """A stored value as JSON has it: instants in ISO 8601, enums by their value."""
    if isinstance(value, datetime):
        return value.isoformat()
    return getattr(value, "value", value)
