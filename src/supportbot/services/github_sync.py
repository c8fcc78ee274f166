"""Tickets follow GitHub: what a pull request or issue doing something on GitHub does to its tickets
(/pr and /issue are in github_commands.py). Every change goes through the desk's own actions (actions.act), one transaction each with its
history and messages; nothing here calls GitHub (github_calls.py does, outside these transactions)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import timedelta

from supportbot.domain import commands as cmd
from supportbot.domain import texts
from supportbot.domain.github_links import GithubRef, IssueState, PullRequest, PullState
from supportbot.domain.people import Person, Sender
from supportbot.domain.ticket_states import Resolution, Status
from supportbot.domain.tickets import DeskError, Ticket
from supportbot.services import actions, reactions
from supportbot.services.actions import Origin
from supportbot.services.context import Deps
from supportbot.services.github_ports import PendingCall, StoredRef
from supportbot.services.handling import Recording
from supportbot.services.notify import mention_of
from supportbot.services.outbox import CardButtons, Mention
from supportbot.services.ports import DuplicateMessage, UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

FROM_GITHUB = Origin("github", 0)  # a change GitHub caused is told in the ticket's own chat
FETCH, OPEN_ISSUE, CHECK_DEPLOY = "fetch", "open_issue", "check_deploy"


@dataclass(frozen=True)
class GithubPlan:
    """The [github] section as the services take it."""

    repos: dict[str, tuple[str, ...]] = field(default_factory=dict)  # product key → "org/repo", as configured
    webhook: bool = False  # a webhook secret is set: GitHub tells us; otherwise linked items are polled
    tracker_url: str = ""  # the public tracker's address, for the link back in an issue ("" when off)
    max_attempts: int = 8
    first_backoff: timedelta = timedelta(seconds=30)
    max_backoff: timedelta = timedelta(minutes=30)

    def configured(self, repo: str) -> str | None:
        """The repository as configured (its spelling), or None when no product lists it."""
        return next((r for rs in self.repos.values() for r in rs if r.lower() == repo.lower()), None)

    def all_repos(self) -> list[str]:
        return sorted({r for rs in self.repos.values() for r in rs})


def github_sender(login: str | None) -> Sender:
    """GitHub acting for `login`: on the team (its changes are team actions), never on the security team."""
    name = texts.GITHUB_ACTOR.format(login=login or "unknown")
    return Sender("github", 0, name, person=Person(name=name, roles=frozenset()))


def _recording(uow: UnitOfWorkFactory, deps: Deps, key: str | None) -> UnitOfWorkFactory:
    return Recording(uow, key, deps.clock) if key else uow


# --- what GitHub says -----------------------------------------------------------------------


async def observe_pull(deps: Deps, pr: PullRequest, *, login: str | None, delivery: str | None = None,
                       etag: str | None = None) -> int:
    """A pull request as GitHub now has it: its tickets move along (⭕️ PR in review, 🟡 on merge, ⭕️ again when
    closed unmerged) and their cards say how it stands. Tickets its title or body names link themselves.
    Returns how many tickets changed. `delivery` (a webhook's) makes each ticket's change happen once."""
    await _link_referenced(deps, pr, login=login, delivery=delivery)
    async with deps.uow() as uow:
        links = list(await uow.github.linked(pr.ref))
    changed = 0
    for stored in links:
        old = stored.state
        stored.state, stored.merge_commit_sha = pr.state.value, pr.merge_commit_sha or stored.merge_commit_sha
        stored.review, stored.etag = pr.review.value, etag or stored.etag
        actor = pr.merged_by if pr.state is PullState.MERGED else login or pr.author
        try:
            changed += await _follow_pull(deps, stored, pr, old, actor, _key(delivery, stored))
        except DuplicateMessage:
            log.info("GitHub delivery %s for ticket id %s was handled before", delivery, stored.ticket_id)
        except DeskError as refused:  # a security ticket, a move the lifecycle refuses: the card still follows
            log.info("GitHub change of %s not applied to ticket id %s: %s", pr.ref.label, stored.ticket_id, refused)
    return changed


def _key(delivery: str | None, stored: StoredRef) -> str | None:
    return f"github:{delivery}:{stored.ticket_id}" if delivery else None


async def _follow_pull(deps: Deps, stored: StoredRef, pr: PullRequest, old: str | None, actor: str | None,
                       key: str | None) -> int:
    async with deps.uow() as uow:
        ticket = await uow.tickets.get(stored.ticket_id)
    if ticket is None:
        return 0
    command = _pull_move(ticket, pr, old)
    told: list[Mention] = []
    closed = pr.state is PullState.CLOSED and old != PullState.CLOSED.value and ticket.is_open

    async def note(uow: UnitOfWork, current: Ticket) -> None:
        await uow.github.save(stored)
        current.note_github(stored.url, pr.words(), deps.clock.now())
        if command is not None and command.status is Status.FIX_PROVIDED and current.assignee:
            current.fix_provided_by = current.assignee  # the person a reporter's "still broken" tags
        if closed:
            who = deps.directory.person(current.assignee) if current.assignee else None
            told.extend([mention_of(who)] if who else deps.notifier.owner_mentions(current.product))
            await uow.outbox.add_many(deps.notifier.to_team(
                texts.PR_CLOSED_NOTICE.format(label=pr.ref.label, number=current.number), ticket=current,
                mentions=told))

    scoped = replace(deps, uow=_recording(deps.uow, deps, key))
    if command is not None:
        await actions.act(scoped, command, github_sender(actor), FROM_GITHUB, also=note)
        return 1
    async with scoped.uow() as uow:
        current = await uow.tickets.get(stored.ticket_id)
        if current is None:
            return 0
        await note(uow, current)
        await reactions.react(deps, uow, current, github_sender(actor).name)
        await uow.commit()
    return 0


def _pull_move(ticket: Ticket, pr: PullRequest, old: str | None) -> cmd.SetStatus | None:
    """The status change a PR's new state calls for on this ticket, if any."""
    label, status = pr.ref.label, ticket.status
    if pr.state is PullState.OPEN and old != PullState.OPEN.value:
        if status is Status.RECEIVED or (status is Status.IN_PROGRESS and ticket.sub_state != "pr_review"):
            return cmd.SetStatus(ticket.number, Status.IN_PROGRESS, texts.PR_IN_REVIEW_DETAIL.format(label=label),
                                 "pr_review")
    if pr.state is PullState.MERGED and old != PullState.MERGED.value:
        if status in (Status.RECEIVED, Status.IN_PROGRESS):
            note = texts.PR_MERGED_DETAIL.format(label=label, login=pr.merged_by or "unknown")
            return cmd.SetStatus(ticket.number, Status.FIX_PROVIDED, note)
    if pr.state is PullState.CLOSED and old != PullState.CLOSED.value:
        if status is Status.RECEIVED or (status is Status.IN_PROGRESS and ticket.sub_state == "pr_review"):
            return cmd.SetStatus(ticket.number, Status.IN_PROGRESS, texts.PR_CLOSED_DETAIL.format(label=label))
    return None


async def _link_referenced(deps: Deps, pr: PullRequest, *, login: str | None, delivery: str | None) -> None:
    """'supportbot #12' or 'Fixes support#12' in the PR's title, body or commit messages links it to ticket 12, as
    /pr would: only a PR by the repository's owners, members or collaborators."""
    numbers = pr.references()
    if not numbers or not pr.url:
        return
    async with deps.uow() as uow:
        linked = {s.ticket_id for s in await uow.github.linked(pr.ref)}
        tickets = [t for t in [await uow.tickets.by_number(n) for n in numbers] if t is not None]
    for ticket in tickets:
        if ticket.stored_id in linked or not ticket.is_open:
            continue

        async def link(uow: UnitOfWork, current: Ticket) -> None:
            await uow.github.link(current.stored_id, pr.ref, pr.url)

        key = f"github:{delivery}:link:{ticket.stored_id}" if delivery else None
        try:
            await actions.act(replace(deps, uow=_recording(deps.uow, deps, key)), cmd.AttachPR(ticket.number, pr.url),
                              github_sender(login or pr.author), FROM_GITHUB, also=link)
        except (DuplicateMessage, DeskError) as skipped:
            log.info("%s not linked to ticket #%s: %s", pr.ref.label, ticket.number, skipped)


async def discover(deps: Deps, pr: PullRequest, *, delivery: str | None = None) -> bool:
    """A trusted PR linked to no ticket and naming none in its text: fetch it with its commits, whose messages
    may name one ('Fixes support#12'). True when the fetch was queued."""
    if not pr.trusted or pr.references():
        return False
    try:
        async with _recording(deps.uow, deps, f"github:{delivery}:discover" if delivery else None)() as uow:
            if await uow.github.linked(pr.ref):
                return False
            await uow.github.queue(PendingCall(FETCH, ref_payload(pr.ref)), deps.clock.now())
            await uow.commit()
    except DuplicateMessage:
        return False
    return True


async def observe_issue(deps: Deps, issue: IssueState, *, login: str | None, delivery: str | None = None,
                        etag: str | None = None) -> int:
    """A linked issue closed on GitHub resolves its tickets as fixed; its card line follows its state."""
    async with deps.uow() as uow:
        links = list(await uow.github.linked(issue.ref))
    changed = 0
    for stored in links:
        old, stored.state, stored.etag = stored.state, issue.state, etag or stored.etag
        key = _key(delivery, stored)

        async def note(uow: UnitOfWork, current: Ticket, stored: StoredRef = stored) -> None:
            await uow.github.save(stored)
            current.note_github(stored.url, issue.state, deps.clock.now())

        scoped = replace(deps, uow=_recording(deps.uow, deps, key))
        try:
            async with deps.uow() as uow:
                ticket = await uow.tickets.get(stored.ticket_id)
            if ticket is None:
                continue
            if issue.state == "closed" and old != "closed" and ticket.is_open:
                detail = texts.ISSUE_CLOSED_DETAIL.format(label=issue.ref.label)
                await actions.act(scoped, cmd.Resolve(ticket.number, Resolution.FIXED, detail),
                                  github_sender(login or issue.closed_by), FROM_GITHUB, also=note)
                changed += 1
                continue
            async with scoped.uow() as uow:
                current = await uow.tickets.get(stored.ticket_id)
                if current is not None:
                    await note(uow, current)
                    await reactions.react(deps, uow, current, texts.BOT_ACTOR)
                    await uow.commit()
        except (DuplicateMessage, DeskError) as skipped:
            log.info("GitHub issue %s not applied to ticket id %s: %s", issue.ref.label, stored.ticket_id, skipped)
    return changed


async def deployed(deps: Deps, repo: str, *, head: str, where: str, delivery: str | None = None) -> int:
    """A release or deployment of `head` in `repo`: each 🟡 ticket whose merged PR it may contain gets a check
    queued (GitHub is asked whether `head` holds the merge commit); returns how many."""
    try:
        async with _recording(deps.uow, deps, f"github:{delivery}" if delivery else None)() as uow:
            merged = list(await uow.github.merged_in(repo))
            now = deps.clock.now()
            for stored in merged:
                payload = {"ref_id": stored.id, "repo": repo, "commit": stored.merge_commit_sha, "head": head,
                           "where": where, "label": stored.ref.label}
                await uow.github.queue(PendingCall(CHECK_DEPLOY, payload, stored.ticket_id), now)
            await uow.commit()
    except DuplicateMessage:
        log.info("GitHub delivery %s was handled before", delivery)
        return 0
    return len(merged)


async def suggest_resolving(deps: Deps, ticket_id: int, *, label: str, where: str, commit: str) -> None:
    """Tell the assignee (else the product's owners) the fix is out, with one button to resolve: never
    resolved without a person."""
    async with deps.uow() as uow:
        ticket = await uow.tickets.get(ticket_id)
        if ticket is None or ticket.status is not Status.FIX_PROVIDED:
            return
        who = deps.directory.person(ticket.assignee) if ticket.assignee else None
        mentions = [mention_of(who)] if who else list(deps.notifier.owner_mentions(ticket.product))
        text = texts.DEPLOYED_SUGGESTION.format(number=ticket.number, label=label, where=where)
        dedupe = f"github:deployed:{ticket.number}:{commit[:40]}"
        items = [deps.notifier.say(platform=platform, chat_id=chat_id, text=text, ticket=ticket, mentions=mentions,
                                   dedupe=f"{dedupe}:{platform}", buttons=CardButtons(ticket.number, ("resolved",)))
                 for platform, chat_id in sorted(deps.directory.team_chats.items())]
        await uow.outbox.add_many(items)
        await uow.commit()


def ref_payload(ref: GithubRef) -> dict[str, object]:
    return {"repo": ref.repo, "number": ref.number, "kind": ref.kind.value}
