"""The team's /pr and /issue with GitHub set up, and the issue GitHub opened linked back to its ticket.
Nothing here calls GitHub: the calls are queued for github_calls.py, outside the desk's transactions."""

from __future__ import annotations

from supportbot.domain import commands as cmd
from supportbot.domain import texts
from supportbot.domain.github_links import GithubRef, IssueState, LinkKind, parse_link
from supportbot.domain.people import Sender
from supportbot.domain.tickets import NotAllowed, Ticket
from supportbot.services import actions, reactions
from supportbot.services.actions import Origin
from supportbot.services.context import Deps
from supportbot.services.github_ports import PendingCall
from supportbot.services.github_sync import FETCH, OPEN_ISSUE, GithubPlan, ref_payload
from supportbot.services.ports import Reply, TicketEvent, UnitOfWork
from supportbot.services.tickets_access import load


async def attach_pr(deps: Deps, plan: GithubPlan, command: cmd.AttachPR, sender: Sender, origin: Origin) -> Reply:
    """/pr with GitHub set up: only a PR of a configured repository; it is linked and fetched soon after."""
    ref = parse_link(command.url)
    repo = plan.configured(ref.repo) if ref else None
    if ref is None or repo is None:
        raise NotAllowed(texts.PR_REPO_NOT_CONFIGURED.format(
            repo=ref.repo if ref else command.url, repos=", ".join(plan.all_repos()) or "none"))
    ref = GithubRef(repo, ref.number)

    async def link(uow: UnitOfWork, ticket: Ticket) -> None:
        await uow.github.link(ticket.stored_id, ref, command.url)
        await uow.github.queue(PendingCall(FETCH, ref_payload(ref), ticket.stored_id), deps.clock.now())

    return await actions.act(deps, command, sender, origin, also=link)


async def open_issue(deps: Deps, plan: GithubPlan, command: cmd.OpenIssue, sender: Sender) -> Reply:
    """/issue: queue the issue's opening (GitHub is called outside the desk's transactions)."""
    async with deps.uow() as uow:
        ticket = await load(uow, command.number, sender)
        if ticket.security:
            raise NotAllowed(texts.ISSUE_SECURITY.format(number=ticket.number))
        issues = [url for url in ticket.github_links if (r := parse_link(url)) and r.kind is LinkKind.ISSUE]
        if issues:
            raise NotAllowed(texts.ISSUE_ALREADY.format(number=ticket.number, url=issues[0]))
        if await uow.github.pending(ticket.stored_id, OPEN_ISSUE):
            raise NotAllowed(texts.ISSUE_UNDER_WAY.format(number=ticket.number))
        repo = _issue_repo(plan, ticket, command.repo)
        now = deps.clock.now()
        await uow.github.queue(PendingCall(OPEN_ISSUE, {"repo": repo}, ticket.stored_id), now)
        await uow.events.add(TicketEvent(ticket.stored_id, now, sender.name, "issue",
                                         texts.ISSUE_ASKED_DETAIL.format(repo=repo)))
        await uow.commit()
    return Reply(texts.ISSUE_QUEUED.format(repo=repo, number=ticket.number), ticket_number=ticket.number)


def _issue_repo(plan: GithubPlan, ticket: Ticket, given: str | None) -> str:
    if given is not None:
        repo = plan.configured(given)
        if repo is None:
            raise NotAllowed(texts.ISSUE_REPO_NOT_CONFIGURED.format(repo=given, repos=", ".join(plan.all_repos())))
        return repo
    own = plan.repos.get(ticket.product or "", ())
    if len(own) > 1:
        raise NotAllowed(texts.ISSUE_WHICH_REPO.format(number=ticket.number, repos=", ".join(own)))
    if not own:
        raise NotAllowed(texts.ISSUE_NO_REPO.format(number=ticket.number))
    return own[0]


def issue_body(plan: GithubPlan, ticket: Ticket) -> str:
    """The issue's text: the report as stored (secrets never reach a normal ticket), a link back, no handle."""
    tracker = texts.ISSUE_TRACKER_LINE.format(url=f"{plan.tracker_url}/tickets/{ticket.number}") \
        if plan.tracker_url else ""
    return texts.ISSUE_BODY.format(body=ticket.body, number=ticket.number, tracker=tracker)


async def issue_opened(deps: Deps, ticket_id: int, issue: IssueState) -> None:
    """The issue GitHub opened is linked both ways: on the card, in the history, told to the team."""
    async with deps.uow() as uow:
        ticket = await uow.tickets.get(ticket_id)
        if ticket is None:
            return
        stored = await uow.github.link(ticket_id, issue.ref, issue.url)
        stored.state = issue.state
        await uow.github.save(stored)
        now = deps.clock.now()
        ticket.note_github(issue.url, issue.state, now)
        detail = texts.ISSUE_OPENED_DETAIL.format(label=issue.ref.label, url=issue.url)
        await uow.events.add(TicketEvent(ticket.stored_id, now, texts.BOT_ACTOR, "issue", detail))
        await reactions.react(deps, uow, ticket, texts.BOT_ACTOR)
        await uow.outbox.add_many(deps.notifier.to_team(
            texts.ISSUE_OPENED.format(label=issue.ref.label, number=ticket.number, url=issue.url), ticket=ticket))
        await uow.commit()
