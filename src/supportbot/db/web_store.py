"""The web side's state: the settings it generates once, one-time sign-in links and sessions. Tokens are
stored by their SHA-256 only; the caller hashes them."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from supportbot.db.tables import login_tokens, web_sessions, web_settings


class SqlWebAccess:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def setting(self, key: str) -> str | None:
        found = await self.session.execute(sa.select(web_settings.c.value).where(web_settings.c.key == key))
        return found.scalar_one_or_none()

    async def keep_setting(self, key: str, value: str) -> str:
        """Store the value unless one is there already (another replica may have been first); return the stored one."""
        stored = await self.setting(key)
        if stored is not None:
            return stored
        async with self.session.begin_nested():
            try:
                await self.session.execute(sa.insert(web_settings).values(key=key, value=value))
            except sa.exc.IntegrityError:
                pass  # another process stored it meanwhile: theirs wins
        stored = await self.setting(key)
        assert stored is not None, "a setting just stored is there"
        return stored

    async def add_login_token(self, token_hash: str, person: str, created_at: datetime, expires_at: datetime) -> None:
        await self.session.execute(sa.insert(login_tokens).values(
            token_hash=token_hash, person=person, created_at=created_at, expires_at=expires_at))

    async def use_login_token(self, token_hash: str, now: datetime) -> str | None:
        """The person a link was made for, once: used or expired links give None."""
        found = await self.session.execute(
            sa.update(login_tokens)
            .where(login_tokens.c.token_hash == token_hash, login_tokens.c.used_at.is_(None),
                   login_tokens.c.expires_at > now)
            .values(used_at=now).returning(login_tokens.c.person))
        return found.scalar_one_or_none()

    async def add_session(self, id_hash: str, person: str, created_at: datetime, expires_at: datetime) -> None:
        await self.session.execute(sa.insert(web_sessions).values(
            id_hash=id_hash, person=person, created_at=created_at, expires_at=expires_at))

    async def session_person(self, id_hash: str, now: datetime) -> str | None:
        found = await self.session.execute(
            sa.select(web_sessions.c.person).where(web_sessions.c.id_hash == id_hash, web_sessions.c.ended_at.is_(None),
                                                   web_sessions.c.expires_at > now))
        return found.scalar_one_or_none()

    async def end_session(self, id_hash: str, now: datetime) -> None:
        await self.session.execute(
            sa.update(web_sessions).where(web_sessions.c.id_hash == id_hash, web_sessions.c.ended_at.is_(None))
            .values(ended_at=now))
