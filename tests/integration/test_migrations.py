"""Migrations: up, down and up again on each engine; the result matches db/tables.py; `run` refuses an old schema."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from conftest import PG_SKIP_REASON, PG_URL, sqlite_url
from sqlalchemy.ext.asyncio import create_async_engine

from support.cli import run_supportbot
from supportbot.bootstrap import build_app
from supportbot.config import load_settings
from supportbot.db import migrate
from supportbot.db.engine import Database
from supportbot.db.tables import counters, metadata, ticket_events, tickets
from supportbot.domain import metrics
from supportbot.runtime import SchemaOutdated, prepare_database
from supportbot.services.metrics import RESOLVING_FIRST_RESPONSES

VERSION_TABLE = "alembic_version"


def revisions_oldest_first() -> list[str]:
    script = ScriptDirectory.from_config(migrate.alembic_config())
    return [r.revision for r in reversed(list(script.walk_revisions()))]


async def _admin(statement: str) -> None:
    engine = create_async_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(sa.text(statement))
    finally:
        await engine.dispose()


async def create_pg_database() -> str:
    """A brand-new PostgreSQL database of the test's own (not the shared test database); returns its URL."""
    name = f"supportbot_migrations_{uuid.uuid4().hex[:10]}"
    await _admin(f'CREATE DATABASE "{name}"')
    return sa.engine.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


async def drop_pg_database(url: str) -> None:
    await _admin(f'DROP DATABASE IF EXISTS "{sa.engine.make_url(url).database}" WITH (FORCE)')


async def _fresh_pg_database() -> AsyncIterator[str]:
    if not PG_URL:
        pytest.skip(PG_SKIP_REASON)
    url = await create_pg_database()
    try:
        yield url
    finally:
        await drop_pg_database(url)


@pytest.fixture
async def fresh_pg_url() -> AsyncIterator[str]:
    async for url in _fresh_pg_database():
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
async def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A database without any schema, on each engine."""
    if request.param == "sqlite":
        database = Database.from_url(sqlite_url(tmp_path))
        try:
            yield database
        finally:
            await database.dispose()
        return
    async for url in _fresh_pg_database():
        database = Database.from_url(url)
        try:
            yield database
        finally:
            await database.dispose()


async def table_names(database: Database) -> set[str]:
    async with database.engine.connect() as conn:
        return set(await conn.run_sync(lambda sync: sa.inspect(sync).get_table_names()))


async def schema_differences(database: Database) -> list[Any]:
    def compare(connection: Any) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, metadata)

    async with database.engine.connect() as conn:
        return await conn.run_sync(compare)


async def ticket_counter(database: Database) -> int | None:
    async with database.engine.connect() as conn:
        query = sa.select(counters.c.value).where(counters.c.name == "ticket_number")
        return (await conn.execute(query)).scalar_one_or_none()


# --- up, down, up ------------------------------------------------------------------------


async def test_upgrade_downgrade_and_upgrade_again(empty_database: Database) -> None:
    wanted = {table.name for table in metadata.sorted_tables}

    await migrate.upgrade(empty_database.engine)
    assert await table_names(empty_database) - {VERSION_TABLE} == wanted
    assert await migrate.current_revision(empty_database.engine) == migrate.head_revision()
    assert await ticket_counter(empty_database) == 0  # the first ticket will be #1

    await migrate.downgrade(empty_database.engine, "base")
    assert await table_names(empty_database) - {VERSION_TABLE} == set()
    assert await migrate.current_revision(empty_database.engine) is None

    await migrate.upgrade(empty_database.engine)
    assert await table_names(empty_database) - {VERSION_TABLE} == wanted
    assert await ticket_counter(empty_database) == 0


async def test_each_migration_goes_down_and_up_on_its_own(empty_database: Database) -> None:
    revisions = revisions_oldest_first()
    for revision in revisions:
        await migrate.upgrade(empty_database.engine, revision)
        assert await migrate.current_revision(empty_database.engine) == revision
    for previous in reversed([None, *revisions[:-1]]):
        await migrate.downgrade(empty_database.engine, previous or "base")
        assert await migrate.current_revision(empty_database.engine) == previous
    assert await table_names(empty_database) - {VERSION_TABLE} == set()


async def test_the_upgraded_schema_matches_the_tables_module(empty_database: Database) -> None:
    await migrate.upgrade(empty_database.engine)

    assert await schema_differences(empty_database) == []


def old_ticket_row(number: int, created: datetime, **outcome: Any) -> dict[str, Any]:
    """A ticket with the columns every revision has (the desk writes the latest schema's)."""
    return {**dict(number=number, product="court", severity="normal", status="received", title=f"ticket {number}",
                   body="On the court page I click Stake and get an error", reporter_platform="console",
                   reporter_id=42, reporter_name="dave", pr_links=[], missing=[], security=False,
                   source_platform="console", source_chat_id=100, source_message_id=number, created_at=created,
                   last_activity_at=created, interactions=1, escalation_level=0,
                   first_response_missed_notified=False, first_response_at=None, resolution=None,
                   resolved_at=None), **outcome}


async def test_an_upgrade_keeps_existing_tickets(empty_database: Database, clock) -> None:
    await migrate.upgrade(empty_database.engine, revisions_oldest_first()[0])
    async with empty_database.engine.begin() as conn:
        await conn.execute(sa.insert(tickets), [old_ticket_row(1, clock.now())])
    await migrate.upgrade(empty_database.engine)

    async with empty_database() as uow:
        ticket = await uow.tickets.by_number(1)
    assert ticket is not None and ticket.reporter_name == "dave"
    assert ticket.first_response_at is None and ticket.first_response_how is None


async def test_the_upgrade_to_0007_records_on_each_ticket_how_its_history_says_it_was_first_answered(
    empty_database: Database, clock,
) -> None:
    """The backfill gives /stats the answer the first_response events gave: the same figures before and after."""
    await migrate.upgrade(empty_database.engine, "0006")
    now = clock.now()
    hows = {1: None, 2: "", 3: "faq", 4: "resolve", 5: "status", 6: "assign", 7: "resolve"}
    rows, events = [], []
    for number, how in hows.items():
        created = now - timedelta(days=number)
        answered = {} if how is None else {"first_response_at": created + timedelta(minutes=number)}
        resolved = {"status": "resolved", "resolution": "fixed", "resolved_at": created + timedelta(hours=1)}
        rows.append(old_ticket_row(number, created, **answered, **(resolved if number in (1, 4, 5, 7) else {})))
        # Other history lines naming a resolving response are not first responses.
        events += [dict(ticket_id=number, at=created, actor="dave", kind="created", detail="faq"),
                   dict(ticket_id=number, at=created, actor="Alice", kind="note", detail="resolve")]
        if how is not None:
            events.append(dict(ticket_id=number, at=created + timedelta(minutes=number), actor="Alice",
                               kind="first_response", detail=how))
    async with empty_database.engine.begin() as conn:
        await conn.execute(sa.insert(tickets), rows)
        await conn.execute(sa.insert(ticket_events), events)
        by_events = set((await conn.execute(
            sa.select(ticket_events.c.ticket_id).where(ticket_events.c.kind == "first_response",
                                                       ticket_events.c.detail.in_(RESOLVING_FIRST_RESPONSES))
        )).scalars())

    await migrate.upgrade(empty_database.engine)

    async with empty_database.engine.connect() as conn:
        stored = dict((await conn.execute(sa.select(tickets.c.number, tickets.c.first_response_how))).all())
    assert stored == hows
    async with empty_database() as uow:
        opened = [t for n in hows if (t := await uow.tickets.by_number(n)) is not None]
        figures = await uow.tickets.period_figures(now - timedelta(days=30),
                                                   resolving_first_responses=RESOLVING_FIRST_RESPONSES)
    assert by_events == {3, 4, 7}
    assert figures == metrics.figures_of(opened, by_events)
    assert figures.resolved_at_first_response == 2  # 4 and 7; 3 was answered by an FAQ but is not resolved


# --- refusing to start on an old schema --------------------------------------------------------


async def test_run_refuses_an_empty_postgresql_database(fresh_pg_url: str, clock) -> None:
    database = Database.from_url(fresh_pg_url)
    app = build_app(load_settings(None, env={}), {"console"}, clock=clock, database=database)
    try:
        with pytest.raises(SchemaOutdated, match=r"Run `supportbot db upgrade`"):
            await prepare_database(app)
        assert await table_names(database) == set()  # nothing was changed behind the operator's back
    finally:
        await database.dispose()


async def test_run_refuses_a_postgresql_schema_one_migration_behind(fresh_pg_url: str, clock) -> None:
    revisions = revisions_oldest_first()
    if len(revisions) < 2:
        pytest.skip("only one migration exists, so no schema can be one behind")
    database = Database.from_url(fresh_pg_url)
    app = build_app(load_settings(None, env={}), {"console"}, clock=clock, database=database)
    try:
        await migrate.upgrade(database.engine, revisions[-2])
        with pytest.raises(SchemaOutdated) as refused:
            await prepare_database(app)
        assert revisions[-2] in str(refused.value) and revisions[-1] in str(refused.value)

        await migrate.upgrade(database.engine)
        await prepare_database(app)  # once upgraded, it starts
    finally:
        await database.dispose()


async def test_sqlite_is_upgraded_in_place_at_start(tmp_path: Path, clock) -> None:
    database = Database.from_url(sqlite_url(tmp_path))
    app = build_app(load_settings(None, env={}), {"console"}, clock=clock, database=database)
    try:
        await prepare_database(app)
        assert await migrate.current_revision(database.engine) == migrate.head_revision()
    finally:
        await database.dispose()


@pytest.mark.e2e
def test_supportbot_run_says_to_upgrade_then_starts_once_upgraded(tmp_path: Path) -> None:
    if not PG_URL:
        pytest.skip(PG_SKIP_REASON)
    import asyncio

    url = asyncio.run(create_pg_database())
    try:
        (tmp_path / "config.toml").write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")

        refused = run_supportbot("run", cwd=tmp_path, stdin="")
        listing = run_supportbot("tickets", cwd=tmp_path)
        upgraded = run_supportbot("db", "upgrade", cwd=tmp_path)
        started = run_supportbot("run", cwd=tmp_path, stdin="")
    finally:
        asyncio.run(drop_pg_database(url))

    assert refused.returncode == 2
    assert "supportbot db upgrade" in refused.stderr and "Traceback" not in refused.stderr
    assert listing.returncode == 2 and "supportbot db upgrade" in listing.stderr
    assert upgraded.returncode == 0 and migrate.head_revision() in upgraded.stdout
    assert started.returncode == 0, started.stderr
