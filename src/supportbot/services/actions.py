"""Team actions on a ticket: status, assignment, PRs, notes, severity, resolution, reopening."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from supportbot.domain import commands as cmd
from supportbot.domain import permissions, texts
from supportbot.domain.people import Sender
from supportbot.domain.ticket_states import Status
from supportbot.domain.tickets import NotAllowed, Ticket
from supportbot.services import reactions
from supportbot.services.context import Deps
from supportbot.services.ports import Reply, TicketEvent, UnitOfWork
from supportbot.services.tickets_access import load

# The commands that change one ticket, each naming it by number.
TicketAction = (cmd.SetStatus | cmd.Take | cmd.Assign | cmd.AttachPR | cmd.AddNote | cmd.SetSeverity | cmd.Resolve
                | cmd.Reopen)


# What a caller adds to an action's transaction, given the unit of work and the changed ticket.
Also = Callable[[UnitOfWork, Ticket], Awaitable[None]]


@dataclass(frozen=True)
class Origin:
    """Where a command was typed, so the ticket's own chat hears of changes made elsewhere."""

    platform: str
    chat_id: int


async def act(deps: Deps, command: TicketAction, sender: Sender, origin: Origin, *, also: Also | None = None) -> Reply:
    """Apply a ticket-changing command in one transaction with its history and messages; `also` adds to
    that transaction what a caller keeps beside the ticket (a GitHub link), before the reactions."""
    now = deps.clock.now()
    async with deps.uow() as uow:
        if isinstance(command, cmd.Reopen):
            ticket = await load(uow, command.number, sender, act=False)
            if not permissions.can_reopen(sender, ticket):
                raise NotAllowed(texts.REOPEN_REFUSED.format(number=command.number))
        else:
            permissions.require_team(sender, _name(command))
            ticket = await load(uow, command.number, sender)
        text, detail = _apply(deps, ticket, command, sender, now)
        if also is not None:
            await also(uow, ticket)
        kind = _name(command)
        await uow.events.add(TicketEvent(ticket.stored_id, now, sender.name, kind, detail))
        if not isinstance(command, cmd.AddNote):
            how = "resolve" if ticket.status is Status.RESOLVED else kind  # counted by /stats
            ticket.record_activity(now, by_team=sender.is_team, how=how)
            if (origin.platform, origin.chat_id) != (ticket.source_platform, ticket.source_chat_id):
                # Before the reactions: "🟡 fix provided" comes before the question it raises.
                await uow.outbox.add_many(deps.notifier.to_ticket(ticket, text))
            await reactions.react(deps, uow, ticket, sender.name)
        await uow.commit()
    return Reply(text, ticket_number=ticket.number)


def _name(command: TicketAction) -> str:
    return {
        cmd.SetStatus: "status", cmd.Take: "take", cmd.Assign: "assign", cmd.AttachPR: "pr",
        cmd.AddNote: "note", cmd.SetSeverity: "severity", cmd.Resolve: "resolve", cmd.Reopen: "reopen",
    }[type(command)]


def _apply(deps: Deps, ticket: Ticket, command: cmd.Command, sender: Sender, now: datetime) -> tuple[str, str]:
    """Change the ticket; returns the reply and the history detail."""
    match command:
        case cmd.SetStatus(status=Status.RESOLVED, note=note):
            ticket.resolve(None, now)
            return texts.moved(ticket, sender.name), _joined("resolved", note)
        case cmd.SetStatus(status=Status.IN_PROGRESS, note=note, sub_state=sub_state):
            return _in_progress(ticket, sub_state, sender, now), _joined(_status_detail(ticket), note)
        case cmd.SetStatus(status=status, note=note):
            ticket.move(status, now, by=sender.name)
            return texts.moved(ticket, sender.name), _joined(status.value, note)
        case cmd.Resolve(reason=reason, note=note):
            ticket.resolve(reason, now)
            assert ticket.resolution is not None  # resolve() always gives a reason
            return texts.moved(ticket, sender.name), _joined(ticket.resolution.value, note)
        case cmd.Reopen(to=to):
            ticket.reopen(to, now)
            return texts.REOPENED.format(marker=texts.marker_line(ticket), actor=sender.name), to.value
        case cmd.Take():
            ticket.assign(sender.name, now)
            return texts.TAKEN.format(number=ticket.number, actor=sender.name), sender.name
        case cmd.Assign(person=name):
            person = deps.directory.person(name)
            if person is None:
                raise NotAllowed(texts.UNKNOWN_PERSON.format(
                    name=name, names=", ".join(p.name for p in deps.directory.people) or "none"))
            ticket.assign(person.name, now)
            return texts.ASSIGNED.format(number=ticket.number, person=person.name, actor=sender.name), person.name
        case cmd.AttachPR(url=url):
            added = ticket.attach_pr(url, now)
            reply = texts.PR_ATTACHED if added else texts.PR_ALREADY_ATTACHED
            return reply.format(number=ticket.number, url=url), url
        case cmd.AddNote(text=note):
            return texts.NOTE_ADDED.format(number=ticket.number), note
        case cmd.SetSeverity(severity=severity):
            if not ticket.set_severity(severity, now):
                words = texts.severity_words(severity)
                return texts.SEVERITY_UNCHANGED.format(number=ticket.number, severity=words), severity.value
            changed = texts.SEVERITY_CHANGED.format(
                number=ticket.number, severity=texts.severity_words(severity), actor=sender.name)
            return changed, severity.value
    raise NotAllowed(texts.NOT_A_TICKET_CHANGE)  # unreachable by construction


def _in_progress(ticket: Ticket, sub_state: str | None, sender: Sender, now: datetime) -> str:
    """⭕️, with what it waits on when given; on a ticket in progress already, only its sub-state changes
    (a bare in_progress clears one)."""
    if ticket.status is not Status.IN_PROGRESS or (sub_state is None and ticket.sub_state is None):
        ticket.move(Status.IN_PROGRESS, now, by=sender.name)  # refused when it is in progress already
        if sub_state is not None:
            ticket.set_sub_state(sub_state, now)
        return texts.moved(ticket, sender.name)
    if not ticket.set_sub_state(sub_state, now):
        raise NotAllowed(texts.SUB_STATE_UNCHANGED.format(number=ticket.number,
                                                          words=texts.sub_state_words(sub_state)))
    return texts.moved(ticket, sender.name)


def _status_detail(ticket: Ticket) -> str:
    """'in_progress', or 'in_progress · PR in review' with a sub-state."""
    words = texts.sub_state_words(ticket.sub_state)
    return f"{Status.IN_PROGRESS.value} · {words}" if words else Status.IN_PROGRESS.value


def _joined(head: str, note: str) -> str:
    return f"{head}: {note}" if note else head
