"""Tickets' GitHub links and the GitHub calls waiting to be made."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from supportbot.db.tables import github_calls, github_refs, tickets
from supportbot.domain.github_links import GithubRef, LinkKind, PullState
from supportbot.domain.ticket_states import Status
from supportbot.services.github_ports import PendingCall, StoredRef

PENDING, FAILED = "pending", "failed"
# Links still worth asking GitHub about: not seen yet, or a PR not merged or closed, or an open issue.
_FOLLOWED_STATES = (PullState.OPEN.value, PullState.DRAFT.value)


def _stored(row: Any) -> StoredRef:
    return StoredRef(id=row.id, ticket_id=row.ticket_id, ref=GithubRef(row.repo, row.number, LinkKind(row.kind)),
                     url=row.url, state=row.state, review=row.review, merge_commit_sha=row.merge_commit_sha,
                     etag=row.etag)


class SqlGithub:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def _item(self, ref: GithubRef) -> sa.ColumnElement[bool]:
        return sa.and_(github_refs.c.repo_key == ref.repo.lower(), github_refs.c.number == ref.number,
                       github_refs.c.kind == ref.kind.value)

    async def link(self, ticket_id: int, ref: GithubRef, url: str) -> StoredRef:
        """The ticket's link to this PR or issue, made now when it had none."""
        query = sa.select(github_refs).where(github_refs.c.ticket_id == ticket_id, self._item(ref))
        row = (await self.session.execute(query)).first()
        if row is None:
            await self.session.execute(sa.insert(github_refs).values(
                ticket_id=ticket_id, kind=ref.kind.value, repo=ref.repo, repo_key=ref.repo.lower(),
                number=ref.number, url=url))
            row = (await self.session.execute(query)).one()
        return _stored(row)

    async def linked(self, ref: GithubRef) -> Sequence[StoredRef]:
        """Every ticket's link to this PR or issue, oldest first."""
        rows = await self.session.execute(sa.select(github_refs).where(self._item(ref)).order_by(github_refs.c.id))
        return [_stored(row) for row in rows]

    async def of_ticket(self, ticket_id: int) -> Sequence[StoredRef]:
        rows = await self.session.execute(
            sa.select(github_refs).where(github_refs.c.ticket_id == ticket_id).order_by(github_refs.c.id))
        return [_stored(row) for row in rows]

    async def followed(self, limit: int = 500) -> Sequence[StoredRef]:
        """Open tickets' links that may still change: not seen yet, a PR open or draft, an issue open."""
        unfinished = sa.or_(github_refs.c.state.is_(None), github_refs.c.state.in_(_FOLLOWED_STATES))
        query = (sa.select(github_refs).join(tickets, tickets.c.id == github_refs.c.ticket_id)
                 .where(tickets.c.status != Status.RESOLVED, unfinished)
                 .order_by(github_refs.c.id).limit(limit))
        return [_stored(row) for row in await self.session.execute(query)]

    async def merged_in(self, repo: str) -> Sequence[StoredRef]:
        """The repository's merged PRs linked to tickets awaiting confirmation or deployment (🟡)."""
        query = (sa.select(github_refs).join(tickets, tickets.c.id == github_refs.c.ticket_id)
                 .where(github_refs.c.repo_key == repo.lower(), github_refs.c.kind == LinkKind.PULL.value,
                        github_refs.c.state == PullState.MERGED.value, github_refs.c.merge_commit_sha.isnot(None),
                        tickets.c.status == Status.FIX_PROVIDED)
                 .order_by(github_refs.c.id))
        return [_stored(row) for row in await self.session.execute(query)]

    async def save(self, stored: StoredRef) -> None:
        await self.session.execute(sa.update(github_refs).where(github_refs.c.id == stored.id).values(
            state=stored.state, review=stored.review, merge_commit_sha=stored.merge_commit_sha, etag=stored.etag))

    async def queue(self, call: PendingCall, at: datetime) -> None:
        await self.session.execute(sa.insert(github_calls).values(
            kind=call.kind, ticket_id=call.ticket_id, payload=call.payload, status=PENDING, attempts=0,
            created_at=at, next_try_at=at))

    async def claim(self, now: datetime, lease: timedelta, limit: int = 20) -> Sequence[PendingCall]:
        """The calls due now, oldest first, each put off by `lease` so another replica's run leaves them
        alone while this one makes them (done, retry or give_up then says what became of each)."""
        query = (sa.select(github_calls).where(github_calls.c.status == PENDING, github_calls.c.next_try_at <= now)
                 .order_by(github_calls.c.next_try_at, github_calls.c.id).limit(limit)
                 .with_for_update(skip_locked=True))  # PostgreSQL: replicas claim apart; SQLite has one writer
        calls = [PendingCall(row.kind, dict(row.payload), row.ticket_id, row.attempts, row.id, row.last_error)
                 for row in await self.session.execute(query)]
        if calls:
            await self.session.execute(sa.update(github_calls).where(
                github_calls.c.id.in_([call.id for call in calls])).values(next_try_at=now + lease))
        return calls

    async def put_off(self, call_ids: Sequence[int], at: datetime) -> None:
        """Claimed calls not made after all (GitHub went down first): due again at `at`, no try counted."""
        if call_ids:
            await self.session.execute(sa.update(github_calls).where(github_calls.c.id.in_(list(call_ids)))
                                       .values(next_try_at=at))

    async def done(self, call_id: int) -> None:
        await self.session.execute(sa.delete(github_calls).where(github_calls.c.id == call_id))

    async def retry(self, call_id: int, at: datetime, error: str) -> None:
        await self.session.execute(sa.update(github_calls).where(github_calls.c.id == call_id).values(
            attempts=github_calls.c.attempts + 1, next_try_at=at, last_error=error[:500]))

    async def give_up(self, call_id: int, error: str) -> None:
        await self.session.execute(sa.update(github_calls).where(github_calls.c.id == call_id).values(
            attempts=github_calls.c.attempts + 1, status=FAILED, last_error=error[:500]))

    async def waiting(self) -> int:
        query = sa.select(sa.func.count()).select_from(github_calls).where(github_calls.c.status == PENDING)
        return int((await self.session.execute(query)).scalar_one())

    async def pending(self, ticket_id: int, kind: str) -> bool:
        query = sa.select(github_calls.c.id).where(github_calls.c.status == PENDING, github_calls.c.kind == kind,
                                                   github_calls.c.ticket_id == ticket_id).limit(1)
        return (await self.session.execute(query)).first() is not None
