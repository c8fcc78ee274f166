"""What the team board reads: open tickets with their clocks, and one ticket's whole history."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession


class SqlBoardViews:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
