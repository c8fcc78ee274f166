"""Helpers for tests on the real databases (conftest's `database` fixture)."""

from __future__ import annotations

import pytest

from supportbot.db.engine import Database


@pytest.fixture
async def migrated(database: Database) -> Database:
    """conftest's `database`, exactly as `supportbot db upgrade` leaves it."""
    return database
