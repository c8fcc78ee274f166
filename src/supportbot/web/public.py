"""The public issue tracker: /, /tickets/<n>, their JSON twins under /api/public/ and an Atom feed per product."""

from __future__ import annotations

from aiohttp import web


def register(app: web.Application) -> None:
    """Add this module's routes."""
