"""The ticket limit at intake: a reporter who opened too many tickets lately gets no new one, and one answer.

The count comes from the stored tickets, so it holds across restarts and replicas. While a reporter is over
the limit no ticket of theirs opens, so the instant they are free again stays the same: keyed by it, the
answer is recorded as handled once, and the messages after the first one of that stretch get none."""

from __future__ import annotations

from datetime import datetime

from supportbot.domain import texts
from supportbot.domain.people import Sender
from supportbot.services.context import Deps
from supportbot.services.ports import IncomingMessage, Reply, UnitOfWork


async def free_again_at(deps: Deps, uow: UnitOfWork, sender: Sender) -> datetime | None:
    """When `sender` may open a ticket again, or None when they may now (team members always may)."""
    limit = deps.ticket_limit
    if not limit.on or sender.is_team:
        return None
    recent = await uow.tickets.opened_by((sender.platform, sender.user_id), limit.since(deps.clock.now()),
                                         limit.per_user)
    return limit.back_at(recent)


async def refusal(deps: Deps, uow: UnitOfWork, sender: Sender, back_at: datetime) -> tuple[str, bool]:
    """The answer to a reporter over the limit, and whether it is the first of this stretch (the one to say)."""
    first = await uow.handled.add(f"{sender.platform}:limit:{sender.user_id}:{back_at.isoformat()}",
                                  deps.clock.now())
    limit = deps.ticket_limit
    text = texts.ticket_limit_reached(limit.per_user, limit.window, deps.clocks.calendar.format_local(back_at))
    return text, first


async def refuse_message(deps: Deps, uow: UnitOfWork, msg: IncomingMessage, back_at: datetime) -> None:
    """Answer a message over the limit in its chat, the first time in this stretch only; the caller commits."""
    text, first = await refusal(deps, uow, msg.sender, back_at)
    if first:
        await uow.outbox.add(deps.notifier.say(platform=msg.platform, chat_id=msg.chat_id, text=text,
                                               reply_to=msg.message_id, thread_id=msg.thread_id))


async def refuse_command(deps: Deps, uow: UnitOfWork, sender: Sender) -> Reply | None:
    """The answer to /report or /emergency from a reporter over the limit (None: not over it); the caller
    commits. Said once a stretch: Discord must answer every command, so it still does, to the caller alone."""
    back_at = await free_again_at(deps, uow, sender)
    if back_at is None:
        return None
    text, first = await refusal(deps, uow, sender, back_at)
    return Reply(text, ok=False, ephemeral=True, quiet=not first)
