"""Before the desk opens a database: is it usable, and is its schema the one this version needs."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from supportbot.db.engine import Database
from supportbot.domain import texts

WRITE_PROBE = "supportbot_write_probe"


class SchemaOutdated(Exception):
    """The database schema is older than this version of supportbot."""


class DatabaseUnusable(Exception):
    """The configured database cannot be opened or written; the message names it (never its password)."""


def database_name(database: Database) -> str:
    """The database as an operator knows it: the file of a SQLite database, else its URL without the password."""
    url = database.engine.url
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return str(Path(url.database).absolute())
    return url.render_as_string(hide_password=True)


async def check_database(database: Database) -> None:
    """Refuse, in one line, a database that cannot be used: a missing folder, a read-only file, no server."""
    url = database.engine.url
    where = database_name(database)
    sqlite_file = url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")
    if sqlite_file and not Path(where).parent.is_dir():
        raise DatabaseUnusable(texts.DATABASE_FOLDER_MISSING.format(folder=Path(where).parent))
    try:
        async with database.engine.connect() as connection:
            if sqlite_file:
                # A read-only SQLite file reads (and even begins) fine; only a write tells, so one is
                # tried and rolled back, here at start rather than on the first message a user sends.
                await connection.exec_driver_sql(f"CREATE TABLE {WRITE_PROBE} (x INTEGER)")
                await connection.rollback()
    except (TimeoutError, sa.exc.DBAPIError, OSError) as error:
        reason = _first_line(error)
        template = texts.DATABASE_READ_ONLY if "readonly" in reason or "read-only" in reason else texts.DATABASE_UNREACHABLE
        raise DatabaseUnusable(template.format(where=where, reason=reason)) from None


def _first_line(error: BaseException) -> str:
    """What the driver said, without SQLAlchemy's statement and help link."""
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__


async def prepare(database: Database) -> None:
    """Refuse an unusable database; SQLite is upgraded in place, PostgreSQL must be upgraded on purpose."""
    from supportbot.db import migrate  # alembic, only once a database is opened

    await check_database(database)
    engine = database.engine
    if engine.dialect.name == "sqlite":
        await migrate.upgrade(engine)
        return
    current, head = await migrate.current_revision(engine), migrate.head_revision()
    if current != head:
        raise SchemaOutdated(
            texts.SCHEMA_OUTDATED.format(current=current or "nothing", head=head))
