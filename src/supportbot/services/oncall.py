"""On-call commands: who is on shift now and until when, handing a shift over, keeping a ticket."""

from __future__ import annotations

from supportbot.domain import commands as cmd
from supportbot.domain import permissions, texts
from supportbot.domain.oncall import Handoff
from supportbot.domain.people import Sender
from supportbot.domain.tickets import DeskError, NotAllowed, Ticket
from supportbot.services import reactions
from supportbot.services.context import Deps
from supportbot.services.notify import mention_of, mentions_of
from supportbot.services.oncall_roster import Roster
from supportbot.services.ports import Reply, TicketEvent, UnitOfWork, UnitOfWorkFactory
from supportbot.services.tickets_access import load

# More open tickets than one person can hold; a handoff moves all of them.
MAX_HELD = 10_000


class OnCallCommands:
    """/oncall, /handoff and /keep, answered from the roster and stored in one transaction each."""

    def __init__(self, deps: Deps, roster: Roster) -> None:
        self.deps = deps
        self.roster = roster

    async def run(self, command: cmd.Command, sender: Sender, *, uow: UnitOfWorkFactory | None = None) -> Reply:
        """Answer /oncall, /handoff and /keep; a refusal is a one-line Reply that changed nothing.

        `uow` replaces the desk's own factory for this command (the desk records the command in it)."""
        try:
            match command:
                case cmd.ShowOnCall():
                    return await self.show()
                case cmd.Handoff(person=person, notes=notes):
                    return await self.hand_off(sender, person, notes.strip(), uow=uow)
                case cmd.Keep(number=number):
                    return await self.keep(sender, number, uow=uow)
        except DeskError as err:
            return Reply(str(err), ok=False, ephemeral=True)
        return Reply(texts.NOT_AN_ONCALL_COMMAND, ok=False, ephemeral=True)

    async def show(self) -> Reply:
        """/oncall: who is on call now, until when, and who is next."""
        now = self.deps.clock.now()
        async with self.deps.uow() as uow:
            await self.roster.refresh(uow, now)
        shift = self.roster.shift_at(now)
        if shift is None:
            return Reply(texts.ONCALL_EMPTY, ok=False)
        local = self.deps.clocks.calendar.format_local
        following = self.roster.schedule.following(shift)
        return Reply(texts.oncall_now(
            shift.person, local(shift.ends), handed_by=shift.handoff.from_person if shift.handoff else None,
            following=(following.person, local(following.starts)) if following else None,
        ))

    async def hand_off(self, sender: Sender, to_name: str, notes: str, *,
                       uow: UnitOfWorkFactory | None = None) -> Reply:
        """/handoff: the shift goes to `to_name` now; the outgoing engineer's open tickets follow, except kept ones."""
        now = self.deps.clock.now()
        directory = self.deps.directory
        async with (uow or self.deps.uow)() as work:
            await self.roster.refresh(work, now)
            current = self.roster.shift_at(now)
            if current is None:
                raise NotAllowed(texts.ONCALL_EMPTY)
            if not permissions.can_hand_off(sender, current.person):
                raise NotAllowed(texts.HANDOFF_REFUSED.format(person=current.person))
            incoming = directory.person(to_name)
            if incoming is None:
                raise NotAllowed(texts.UNKNOWN_PERSON.format(
                    name=to_name, names=", ".join(p.name for p in directory.people) or "none"))
            if incoming.name == current.person:
                raise NotAllowed(texts.HANDOFF_TO_SELF.format(person=incoming.name))
            handoff = self.roster.schedule.handoff_now(now, incoming.name, notes)
            assert handoff is not None
            handoff_id = await work.handoffs.add(handoff)
            handed, kept = await self._move_tickets(work, handoff, sender.name)
            emergencies = await work.handoffs.open_emergencies()
            summary = texts.handoff_summary(
                by=sender.name, from_person=handoff.from_person, to_person=handoff.to_person,
                until=self.deps.clocks.calendar.format_local(handoff.until), notes=notes,
                handed=handed, kept=kept, emergencies=emergencies,
            )
            await work.outbox.add_many(self.deps.notifier.to_team(summary, mentions=[mention_of(incoming)],
                                                                  dedupe=f"handoff:{handoff_id}"))
            await work.commit()
        self.roster.remember(handoff, handoff_id)
        if not directory.team_chats:
            return Reply(summary)
        # The summary itself went to the team chat; the caller only needs to know it happened.
        return Reply(texts.handoff_done(handoff.to_person, self.deps.clocks.calendar.format_local(handoff.until)))

    async def _move_tickets(self, uow: UnitOfWork, handoff: Handoff, actor: str) -> tuple[list[int], list[int]]:
        """Reassign the outgoing engineer's open tickets; returns the numbers handed over and kept."""
        held = await uow.tickets.list(open_only=True, assignee=handoff.from_person, limit=MAX_HELD)
        keeps = await uow.keeps.of(handoff.from_person)
        handed, kept = [], []
        for ticket in held:
            if ticket.id in keeps:
                kept.append(ticket.number)
                continue
            # A reassignment by the rotation, not an answer to the reporter: the clocks keep running.
            ticket.assign(handoff.to_person, handoff.at)
            detail = texts.handoff_history(handoff.from_person, handoff.to_person, handoff.notes)
            await uow.events.add(TicketEvent(ticket.stored_id, handoff.at, actor, "handoff", detail))
            await reactions.react(self.deps, uow, ticket, actor)
            handed.append(ticket.number)
        await uow.keeps.release(handoff.from_person)  # a keep lasts through one handoff
        return handed, kept

    async def keep(self, sender: Sender, number: int, *, uow: UnitOfWorkFactory | None = None) -> Reply:
        """/keep: a ticket the sender holds stays with them through their next handoff."""
        permissions.require_team(sender, "keep")
        now = self.deps.clock.now()
        async with (uow or self.deps.uow)() as work:
            ticket = await load(work, number, sender)
            _check_held(ticket, sender)
            added = await work.keeps.add(ticket.stored_id, sender.name, now)
            if added:
                await work.events.add(TicketEvent(ticket.stored_id, now, sender.name, "keep", texts.KEEP_HISTORY))
                # The playbook: the product owner learns who stays with their ticket.
                owners = self.deps.directory.owners_of(ticket.product)
                await work.outbox.add_many(self.deps.notifier.to_team(
                    texts.keep_notice(ticket.number, sender.name, [o.name for o in owners]),
                    ticket=ticket, mentions=mentions_of(owners)))
            await work.commit()
        return Reply((texts.KEEP_DONE if added else texts.KEEP_ALREADY).format(number=number), ticket_number=number)


def _check_held(ticket: Ticket, sender: Sender) -> None:
    if not ticket.is_open:
        raise NotAllowed(texts.KEEP_RESOLVED.format(number=ticket.number))
    if ticket.assignee != sender.name:
        holder = texts.KEEP_HOLDER.format(person=ticket.assignee) if ticket.assignee else texts.KEEP_NO_HOLDER
        raise NotAllowed(texts.KEEP_NOT_HELD.format(number=ticket.number, holder=holder))
