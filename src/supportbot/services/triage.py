"""Triage: the owner's priority (/priority), a ticket's product (/product) and the backlog they order (/backlog).

Triage is the team's bookkeeping, not an answer to the reporter: it is history and a card edit, but neither
the first response nor activity, so triaging the morning's tickets leaves their promises running."""

from __future__ import annotations

from supportbot.domain import commands as cmd
from supportbot.domain import permissions, texts
from supportbot.domain.people import Place, Sender
from supportbot.domain.tickets import NotAllowed, Ticket
from supportbot.services import reactions
from supportbot.services.context import Deps
from supportbot.services.ports import Reply, TicketEvent, UnitOfWork
from supportbot.services.queries import LIST_LIMIT, age, shared
from supportbot.services.tickets_access import load


async def set_priority(deps: Deps, command: cmd.SetPriority, sender: Sender) -> Reply:
    """Set a ticket's priority (owners, engineers and admins); the same priority again changes nothing."""
    permissions.require_team(sender, "priority")
    if not permissions.can_triage(sender):
        raise NotAllowed(texts.PRIORITY_REFUSED)
    now = deps.clock.now()
    async with deps.uow() as uow:
        ticket = await load(uow, command.number, sender)
        old = ticket.priority
        if not ticket.set_priority(command.priority, now):
            return Reply(texts.PRIORITY_UNCHANGED.format(number=ticket.number, priority=command.priority.label),
                         ticket_number=ticket.number)
        await _record(deps, uow, ticket, sender, "priority", texts.priority_detail(old, command.priority))
    return Reply(texts.PRIORITY_SET.format(number=ticket.number, priority=command.priority.label, actor=sender.name),
                 ticket_number=ticket.number)


async def set_product(deps: Deps, command: cmd.SetProduct, sender: Sender) -> Reply:
    """Move a ticket to another product; the team chat hears it with the new product's owners."""
    permissions.require_team(sender, "product")
    product = deps.directory.product(command.product)
    if product is None:
        raise NotAllowed(texts.NO_PRODUCT.format(key=command.product, keys=known_products(deps)))
    now = deps.clock.now()
    async with deps.uow() as uow:
        ticket = await load(uow, command.number, sender)
        old = ticket.product
        if not ticket.move_to_product(product.key, now):
            return Reply(texts.PRODUCT_UNCHANGED.format(number=ticket.number, product=product.name),
                         ticket_number=ticket.number)
        await _record(deps, uow, ticket, sender, "product", texts.product_detail(old, product.key))
    return Reply(texts.PRODUCT_MOVED.format(number=ticket.number, product=product.name, actor=sender.name),
                 ticket_number=ticket.number)


async def _record(deps: Deps, uow: UnitOfWork, ticket: Ticket, sender: Sender, kind: str, detail: str) -> None:
    """The change's history line, its cards and notices, committed together."""
    await uow.events.add(TicketEvent(ticket.stored_id, deps.clock.now(), sender.name, kind, detail))
    await reactions.react(deps, uow, ticket, sender.name)
    await uow.commit()


async def show_backlog(deps: Deps, command: cmd.ShowBacklog, sender: Sender, *, place: Place | None = None) -> Reply:
    """Open tickets by priority (p1 first, untriaged last), then oldest first; security tickets only for the
    security team and admins. `place` is where the answer is posted (None: a private chat)."""
    permissions.require_team(sender, "backlog")
    product = deps.directory.product(command.product) if command.product else None
    if command.product and product is None:
        raise NotAllowed(texts.NO_PRODUCT.format(key=command.product, keys=known_products(deps)))
    key = product.key if product else None
    now = deps.clock.now()
    async with deps.uow() as uow:
        found = await uow.tickets.backlog(product=key, security=permissions.sees_security(sender),
                                          limit=LIST_LIMIT + 1)
    hide = shared(place)
    rows = [texts.backlog_row(t, age=age(t.created_at, now),
                              title=texts.SECURITY_LIST_TITLE if hide and t.security else t.title)
            for t in found[:LIST_LIMIT]]
    if len(found) > LIST_LIMIT:
        rows.append(texts.BACKLOG_TRUNCATED)
    return Reply(texts.backlog_list(rows, f" for {key}" if key else ""))


def known_products(deps: Deps) -> str:
    """The product keys, for a refusal naming an unknown one."""
    return ", ".join(p.key for p in deps.directory.products) or "none"
