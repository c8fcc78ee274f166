"""The highest message number the console chat has stored, so a new session numbers on after it."""

from __future__ import annotations

import sqlalchemy as sa

from supportbot.db.engine import Database
from supportbot.db.tables import handled_events, outbox, platform_messages, tickets

PLATFORM = "console"
# Handled keys of console messages read "console:msg:<chat>:<message>" (services/handling.message_key).
_HANDLED_PREFIX = f"{PLATFORM}:msg:"


async def last_console_message_id(database: Database) -> int:
    """The highest console message number in the database: messages, sent rows, reports and handled keys (0 if none)."""
    highest = sa.select(sa.func.max(sa.union_all(
        sa.select(platform_messages.c.message_id.label("n")).where(platform_messages.c.platform == PLATFORM),
        sa.select(outbox.c.platform_message_id.label("n")).where(outbox.c.platform == PLATFORM),
        sa.select(tickets.c.source_message_id.label("n")).where(tickets.c.source_platform == PLATFORM),
    ).subquery().c.n))
    keys = sa.select(handled_events.c.key).where(handled_events.c.key.startswith(_HANDLED_PREFIX, autoescape=True))
    async with database.engine.connect() as connection:
        found = [(await connection.execute(highest)).scalar() or 0]
        found += [_message_number(key) for key in (await connection.execute(keys)).scalars()]
    return max(found)


def _message_number(key: str) -> int:
    number = key.rsplit(":", 1)[-1]
    return int(number) if number.isdigit() else 0
