"""Shared fixtures: a controllable clock and the real databases (SQLite always, PostgreSQL when configured)."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import uuid
from collections.abc import AsyncIterator, Coroutine
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from supportbot.db import migrate
from supportbot.db.engine import Database
from supportbot.db.tables import metadata

# Bytecode caches (__pycache__, ignored by git) are written even where the environment turns them off:
# without them every test worker, and every bot a test starts as a subprocess, compiles supportbot and
# the tests' rewritten asserts again (a third of the suite's time on a two-core machine).
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False

PG_URL = os.environ.get("SUPPORTBOT_TEST_DATABASE_URL")
PG_SKIP_REASON = "SUPPORTBOT_TEST_DATABASE_URL is not set: PostgreSQL tests need a server (CI sets it)"


class ManualClock:
    """A clock tests move by hand: no sleeping to wait for time."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # Mon 10:00 Paris

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> datetime:
        self.current += timedelta(**delta)
        return self.current

    def set(self, instant: datetime) -> None:
        self.current = instant


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


RESTART_IDS = sa.text(
    "SELECT setval(pg_get_serial_sequence(quote_ident(table_name), column_name), 1, false)"
    " FROM information_schema.columns WHERE table_schema = current_schema() AND column_default LIKE 'nextval(%'")


async def reset_pg(conn: AsyncConnection) -> None:
    """Leave the shared PostgreSQL database as a fresh migration does: DELETE, children first, and the ids'
    sequences back to 1 (a test leaves a few rows, and TRUNCATE of every table costs some 90 ms of locks and
    file swaps each time)."""
    for table in reversed(metadata.sorted_tables):
        if table.name != "counters":
            await conn.execute(table.delete())
    await conn.execute(RESTART_IDS)
    await conn.execute(sa.text("UPDATE counters SET value = 0"))


def _pg_url_for(database: str) -> str:
    base = sa.engine.make_url(PG_URL)
    return base.set(database=database).render_as_string(hide_password=False)


def _run_apart(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run a coroutine to the end in a thread of its own, outside any event loop a test may be running."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, coroutine).result()


def _admin(statement: str) -> None:
    """Run one statement on the PostgreSQL server."""
    async def run() -> None:
        engine = create_async_engine(PG_URL, isolation_level="AUTOCOMMIT")
        async with engine.connect() as conn:
            await conn.execute(sa.text(statement))
        await engine.dispose()

    _run_apart(run())


@pytest.fixture(scope="session")
def pg_database() -> str:
    """A fresh PostgreSQL database for this test run, dropped at the end."""
    if not PG_URL:
        pytest.skip(PG_SKIP_REASON)
    name = f"supportbot_test_{uuid.uuid4().hex[:10]}"
    _admin(f'CREATE DATABASE "{name}"')
    yield _pg_url_for(name)
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def sqlite_url(folder: Path) -> str:
    return f"sqlite+aiosqlite:///{folder / 'supportbot.db'}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database file migrated to the newest schema once per run: tests copy it instead of migrating."""
    folder = tmp_path_factory.mktemp("template")

    async def build() -> None:
        db = Database.from_url(sqlite_url(folder))
        try:
            await migrate.upgrade(db.engine)
        finally:
            await db.dispose()  # the last connection closed: everything is in the main file, no WAL beside it

    _run_apart(build())
    return folder / "supportbot.db"


@pytest.fixture
def upgraded_folder(tmp_path: Path, sqlite_template: Path) -> Path:
    """A folder whose supportbot.db is at the newest schema and empty, as `supportbot db upgrade` leaves it."""
    shutil.copyfile(sqlite_template, tmp_path / "supportbot.db")
    return tmp_path


@pytest.fixture(params=["sqlite", "postgresql"])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated, empty database on each engine; PostgreSQL is skipped (with the reason) when not configured."""
    if request.param == "sqlite":
        db = Database.from_url(sqlite_url(request.getfixturevalue("upgraded_folder")))
    else:
        db = Database.from_url(request.getfixturevalue("pg_database"), pool_size=20, max_overflow=40)
    await migrate.upgrade(db.engine)
    try:
        yield db
    finally:
        if db.engine.dialect.name == "postgresql":
            async with db.engine.begin() as conn:
                await reset_pg(conn)
        await db.dispose()
