"""What the public tracker reads: open and recently resolved tickets and their public timelines, with
nothing private selected (no reporter, no internal note, no security ticket)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession


class SqlPublicViews:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
