"""Alembic environment: runs on a connection handed in by supportbot, or opens one from config."""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy.ext.asyncio import create_async_engine

from supportbot.db.tables import metadata

config = context.config


def _run(connection) -> None:
    context.configure(
        connection=connection, target_metadata=metadata, render_as_batch=True, compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _url() -> str:
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    from supportbot.config import load_settings

    path = os.environ.get("SUPPORTBOT_CONFIG") or ("config.toml" if os.path.exists("config.toml") else None)
    return load_settings(path).database.url.get_secret_value()


async def _run_from_url() -> None:
    engine = create_async_engine(_url())
    async with engine.connect() as connection:
        await connection.run_sync(_run)
        await connection.commit()
    await engine.dispose()


if context.is_offline_mode():
    context.configure(url=_url(), target_metadata=metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
elif config.attributes.get("connection") is not None:
    _run(config.attributes["connection"])
else:
    asyncio.run(_run_from_url())
