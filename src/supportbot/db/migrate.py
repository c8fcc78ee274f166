"""Schema upgrades through alembic, on a connection of our own engine."""

from __future__ import annotations

from importlib.resources import files
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.ext.asyncio import AsyncEngine

UNKNOWN_REVISION = "Unknown revision {revision!r}; use base, head, -N or one of: {known}."


class RevisionError(Exception):
    """A revision alembic cannot find, or cannot go to from where the database is."""


def alembic_config() -> Config:
    """An alembic config pointing at the migrations shipped with the package."""
    config = Config()
    config.set_main_option("script_location", str(files("supportbot.migrations")))
    return config


def head_revision() -> str:
    """The newest migration's revision id."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def check_revision(revision: str) -> None:
    """Raise RevisionError unless `revision` names a migration (an id, base, head, or relative like -1)."""
    script = ScriptDirectory.from_config(alembic_config())
    try:
        script.get_revisions(revision)
    except CommandError:
        known = ", ".join(sorted(s.revision for s in script.walk_revisions()))
        raise RevisionError(UNKNOWN_REVISION.format(revision=revision, known=known)) from None


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    def read(connection: Any) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as connection:
        return await connection.run_sync(read)


async def _apply(engine: AsyncEngine, action: str, revision: str) -> None:
    config = alembic_config()

    def run(connection: Any) -> None:
        config.attributes["connection"] = connection
        getattr(command, action)(config, revision)

    try:
        async with engine.begin() as connection:
            await connection.run_sync(run)
    except CommandError as error:  # e.g. a downgrade "target" above the current revision
        raise RevisionError(str(error)) from None


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the schema up to `revision` (the newest by default)."""
    await _apply(engine, "upgrade", revision)


async def downgrade(engine: AsyncEngine, revision: str = "base") -> None:
    """Take the schema down to `revision` (empty by default)."""
    await _apply(engine, "downgrade", revision)
