"""The GitHub calls, made outside the desk's transactions: the queued ones (fetch a linked PR or issue, open an
issue, check a deployment) tried again with back-off while GitHub is down or rate-limiting, and the polling
of linked items when no webhook is set up. GitHub being slow or down never holds up intake, commands or the
sweep: they only ever write a row here."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from supportbot.domain import texts
from supportbot.domain.github_links import GithubRef, LinkKind
from supportbot.services import github_commands, github_sync
from supportbot.services.context import Deps
from supportbot.services.github_ports import GithubApi, GithubRefused, GithubUnavailable, PendingCall, StoredRef
from supportbot.services.github_sync import CHECK_DEPLOY, FETCH, OPEN_ISSUE, GithubPlan

log = logging.getLogger(__name__)

# A claimed call is put off this long while it is made: a replica that died mid-call leaves it due again then.
CLAIM_LEASE = timedelta(minutes=5)


class GithubLink:
    """The GitHub link-up's running part: the queued calls and, without a webhook, the polling."""

    def __init__(self, deps: Deps, plan: GithubPlan, api: GithubApi) -> None:
        self.deps = deps
        self.plan = plan
        self.api = api

    def state(self) -> str:
        """The link's state for /healthz: ok, unreachable, rate_limited or unknown (no call yet)."""
        return self.api.state()

    async def waiting(self) -> int:
        async with self.deps.uow() as uow:
            return await uow.github.waiting()

    async def run_due(self) -> int:
        """Make the calls that are due, oldest first, until GitHub stops answering; how many were made."""
        async with self.deps.uow() as uow:
            calls = list(await uow.github.claim(self.deps.clock.now(), CLAIM_LEASE))
            await uow.commit()
        made = 0
        for index, call in enumerate(calls):
            try:
                await self._make(call)
            except GithubUnavailable as down:
                again = await self._later(call, str(down), down.retry_after)
                async with self.deps.uow() as uow:  # the rest wait as long: GitHub is down or rate-limiting
                    await uow.github.put_off([c.id or 0 for c in calls[index + 1:]], again)
                    await uow.commit()
                break
            except GithubRefused as refused:
                await self._give_up(call, str(refused))
            else:
                async with self.deps.uow() as uow:
                    await uow.github.done(call.id or 0)
                    await uow.commit()
            made += 1
        return made

    async def _make(self, call: PendingCall) -> None:
        payload = call.payload
        if call.kind == FETCH:
            ref = GithubRef(str(payload["repo"]), int(payload["number"]), LinkKind(payload.get("kind", "pull")))
            await self._refresh(ref)
        elif call.kind == OPEN_ISSUE and call.ticket_id is not None:
            await self._open_issue(call.ticket_id, str(payload["repo"]))
        elif call.kind == CHECK_DEPLOY and call.ticket_id is not None:
            commit, head = str(payload["commit"]), str(payload["head"])
            if commit == head or await self.api.contains(str(payload["repo"]), commit=commit, head=head):
                await github_sync.suggest_resolving(self.deps, call.ticket_id, label=str(payload["label"]),
                                                    where=str(payload["where"]), commit=commit)

    async def _refresh(self, ref: GithubRef, etag: str | None = None) -> bool:
        """Ask GitHub how the PR or issue stands (conditionally with `etag`); False when it has not changed."""
        if ref.kind is LinkKind.ISSUE:
            issue = await self.api.issue(ref, etag=etag)
            if issue.value is None:
                return False
            await github_sync.observe_issue(self.deps, issue.value, login=issue.value.closed_by, etag=issue.etag)
            return True
        fetched = await self.api.pull(ref, etag=etag)
        if fetched.value is None:
            return False
        await github_sync.observe_pull(self.deps, fetched.value, login=None, etag=fetched.etag)
        return True

    async def _open_issue(self, ticket_id: int, repo: str) -> None:
        async with self.deps.uow() as uow:
            ticket = await uow.tickets.get(ticket_id)
        if ticket is None:
            return
        issue = await self.api.open_issue(repo, title=texts.ISSUE_TITLE.format(title=ticket.title, number=ticket.number),
                                          body=github_commands.issue_body(self.plan, ticket))
        await github_commands.issue_opened(self.deps, ticket_id, issue)

    def _backoff(self, attempts: int) -> timedelta:
        wait: timedelta = self.plan.first_backoff * 2 ** min(attempts, 20)
        return min(self.plan.max_backoff, wait)

    async def _later(self, call: PendingCall, error: str, retry_after: float | None) -> datetime:
        """Try the call again after its back-off (or as long as GitHub asked); when that will be."""
        wait = max(self._backoff(call.attempts), timedelta(seconds=retry_after or 0))
        again = self.deps.clock.now() + wait
        if call.attempts + 1 >= self.plan.max_attempts:
            await self._give_up(call, error)
            return again
        log.warning("GitHub call %s (%s) failed: %s; again in %ss", call.id, call.kind, error, wait.total_seconds())
        async with self.deps.uow() as uow:
            await uow.github.retry(call.id or 0, again, error)
            await uow.commit()
        return again

    async def _give_up(self, call: PendingCall, error: str) -> None:
        log.error("GitHub call %s (%s) given up: %s", call.id, call.kind, error)
        async with self.deps.uow() as uow:
            await uow.github.give_up(call.id or 0, error)
            ticket = await uow.tickets.get(call.ticket_id) if call.kind == OPEN_ISSUE and call.ticket_id else None
            if ticket is not None:
                text = texts.ISSUE_FAILED.format(number=ticket.number, repo=call.payload.get("repo"), reason=error)
                await uow.outbox.add_many(self.deps.notifier.to_team(text, ticket=ticket))
            await uow.commit()

    async def poll(self) -> int:
        """Without a webhook: ask GitHub about each open ticket's unfinished links, conditionally (a 304 costs
        no rate limit); stops for this round as soon as GitHub is down or rate-limiting. How many changed."""
        if self.plan.webhook:
            return 0
        async with self.deps.uow() as uow:
            followed: list[StoredRef] = list(await uow.github.followed())
        changed, seen = 0, set()
        for stored in followed:
            if stored.ref.key in seen:  # one call per PR or issue, however many tickets link it
                continue
            seen.add(stored.ref.key)
            try:
                changed += await self._refresh(stored.ref, etag=stored.etag if stored.state else None)
            except GithubUnavailable as down:
                log.warning("GitHub polling paused: %s", down)
                break
            except GithubRefused as refused:
                log.warning("GitHub polling of %s refused: %s", stored.ref.label, refused)
        return changed

