"""Engines and the unit of work: one transaction per event."""

from __future__ import annotations

import asyncio
import functools
import sqlite3
from typing import Any

import aiosqlite
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import configure_mappers

from supportbot.db.board_views import SqlBoardViews
from supportbot.db.digest_views import SqlDigestViews
from supportbot.db.event_store import SqlDeadLetters, SqlHandled
from supportbot.db.github_store import SqlGithub
from supportbot.db.oncall_store import SqlHandoffs, SqlKeeps
from supportbot.db.ops_views import SqlOpsViews
from supportbot.db.outbox_store import SqlOutbox
from supportbot.db.public_views import SqlPublicViews
from supportbot.db.ratings_store import SqlRatings
from supportbot.db.repositories import SqlEvents, SqlMessages, SqlTickets
from supportbot.db.tables import map_tables
from supportbot.db.web_store import SqlWebAccess
from supportbot.services import github_ports, ports, web_ports


class InlineSqliteConnection(aiosqlite.Connection):
    """aiosqlite without the thread hop: statements run right in the event loop.

    A SQLite statement takes microseconds and a commit one fsync, far less than the two thread
    switches aiosqlite spends on every call; the in-process lock in Database already keeps writers
    from waiting on each other, so nothing here blocks the loop for long.
    """

    async def _execute(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)


def _inline_creator(url: sa.URL) -> Any:
    path = url.database or ":memory:"

    async def create() -> aiosqlite.Connection:
        connector = functools.partial(sqlite3.connect, path, check_same_thread=False, isolation_level=None)
        return await InlineSqliteConnection(connector, 64)

    return create


def make_engine(url: str, **options: Any) -> AsyncEngine:
    """An async engine; SQLite gets WAL, full sync, foreign keys and immediate write transactions; a server
    database's pooled connections are checked before use."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        options.setdefault("async_creator", _inline_creator(parsed))
    elif parsed.get_backend_name() != "sqlite":
        # After the server restarted (or a proxy dropped idle connections), the pool still holds the dead
        # ones: a ping on checkout replaces them, instead of the next update or flush failing on each.
        options.setdefault("pool_pre_ping", True)
    engine = create_async_engine(url, **options)
    if engine.dialect.name == "sqlite":
        _tune_sqlite(engine)
    return engine


def _tune_sqlite(engine: AsyncEngine) -> None:
    @sa.event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide where transactions begin (savepoints need it).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        # A ticket acknowledged to a user must survive a power cut: sync every commit.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @sa.event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class SqlUnitOfWork:
    """One database transaction with its repositories; rolls back unless committed."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], lock: asyncio.Lock | None) -> None:
        self._sessions = sessions
        self._lock = lock

    async def __aenter__(self) -> SqlUnitOfWork:
        if self._lock is not None:
            await self._lock.acquire()
        try:
            self.session = self._sessions()
            await self.session.begin()
        except BaseException:
            if self._lock is not None:
                self._lock.release()
            raise
        # Typed as the ports they serve, so this unit of work is a ports.UnitOfWork.
        self.tickets: ports.TicketRepository = SqlTickets(self.session)
        self.events: ports.EventRepository = SqlEvents(self.session)
        self.messages: ports.MessageRepository = SqlMessages(self.session)
        self.outbox: ports.OutboxRepository = SqlOutbox(self.session)
        self.handoffs: ports.HandoffRepository = SqlHandoffs(self.session)
        self.keeps: ports.KeepRepository = SqlKeeps(self.session)
        self.handled: ports.HandledRepository = SqlHandled(self.session)
        self.dead_letters: ports.DeadLetterRepository = SqlDeadLetters(self.session)
        self.ratings: ports.RatingRepository = SqlRatings(self.session)
        self.web: web_ports.WebAccessRepository = SqlWebAccess(self.session)
        self.public: web_ports.PublicViews = SqlPublicViews(self.session)
        self.board: web_ports.BoardViews = SqlBoardViews(self.session)
        self.ops: web_ports.OpsViews = SqlOpsViews(self.session)
        self.digest: ports.DigestViews = SqlDigestViews(self.session)
        self.github: github_ports.GithubRepository = SqlGithub(self.session)
        return self

    async def __aexit__(self, *exc: object) -> None:
        try:
            # close() rolls back whatever was not committed and, unlike rollback(), leaves the
            # loaded objects readable for the caller.
            await self.session.close()
        finally:
            if self._lock is not None:
                self._lock.release()

    async def commit(self) -> None:
        await self.session.commit()

    async def rollback(self) -> None:
        await self.session.rollback()


class Database:
    """The engine plus a factory of units of work; SQLite writers take turns in-process."""

    def __init__(self, engine: AsyncEngine) -> None:
        map_tables()  # the unit of work loads and stores tickets as objects
        configure_mappers()  # now, not at the first ORM query: claim_due makes tickets without one
        self.engine = engine
        self.sessions = async_sessionmaker(engine, expire_on_commit=False, autobegin=False)
        # SQLite allows one writer; queueing here is cheaper than the driver's busy polling.
        self._lock = asyncio.Lock() if engine.dialect.name == "sqlite" else None

    @classmethod
    def from_url(cls, url: str, **options: Any) -> Database:
        """Open a database by SQLAlchemy URL."""
        return cls(make_engine(url, **options))

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.sessions, self._lock)

    async def dispose(self) -> None:
        await self.engine.dispose()
