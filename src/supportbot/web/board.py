"""The team board: sign-in from chat, /board, a ticket's page and its actions, /board/metrics."""

from __future__ import annotations

from aiohttp import web


def register(app: web.Application) -> None:
    """Add this module's routes."""
