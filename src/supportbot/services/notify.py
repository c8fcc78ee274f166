"""Builds the outbox rows a change causes: cards, card edits, team notices, mentions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from supportbot.domain import texts
from supportbot.domain.people import Directory, Person
from supportbot.domain.tickets import Status, Ticket
from supportbot.services.clocks import Clocks
from supportbot.services.ports import Clock, HasOutbox, OutboxItem, OutboxKind, SystemClock, UnitOfWork


def mention_of(person: Person) -> dict[str, Any]:
    """A person as the adapters need it to write a mention on any platform."""
    return {
        "name": person.name, "telegram_id": person.telegram_id,
        "telegram_username": person.telegram_username, "discord_id": person.discord_id,
    }


def team_role_mention(directory: Directory, label: str = "on-call team") -> dict[str, Any] | None:
    """The Discord team role as a mention (other platforms tag its people one by one)."""
    if directory.discord_team_role is None:
        return None
    return {"name": label, "discord_role_id": directory.discord_team_role}


def mentions_of(people: Iterable[Person]) -> list[dict[str, Any]]:
    """Mentions for several people, each once, in order."""
    seen: set[str] = set()
    result = []
    for person in people:
        if person.name not in seen:
            seen.add(person.name)
            result.append(mention_of(person))
    return result


@dataclass
class Notifier:
    """Knows where things go: the ticket's own chat, the team chats, the security chats."""

    directory: Directory
    clocks: Clocks
    # Rows are due from the desk's now, not the host's: with a clock behind the host's
    # (a replayed or scripted conversation) they would otherwise never be due.
    clock: Clock = SystemClock()

    def now(self) -> datetime:
        """The desk's current time, for stamping queued messages."""
        return self.clock.now()

    def product_name(self, ticket: Ticket) -> str | None:
        product = self.directory.product(ticket.product) if ticket.product else None
        return product.name if product else ticket.product

    def card(self, ticket: Ticket, *, back_at: str | None = None) -> str:
        """The card text for the ticket as it stands."""
        due_at = self.clocks.first_response_due(ticket)
        due = self.clocks.calendar.format_local(due_at) if due_at else None
        return texts.card_text(ticket, product_name=self.product_name(ticket), due=due, back_at=back_at)

    def buttons(self, ticket: Ticket) -> dict[str, Any]:
        """Button payload for a card: every action but the current status; none once resolved."""
        actions = [] if ticket.status is Status.RESOLVED else [
            a for a in texts.BUTTON_ACTIONS if a != ticket.status.value
        ]
        return {"buttons": actions, "ticket_number": ticket.number}

    async def post_card(self, uow: UnitOfWork, ticket: Ticket, *, platform: str, chat_id: int,
                        reply_to: int | None = None, thread_id: int | None = None,
                        back_at: str | None = None, dedupe: str | None = None) -> None:
        """Queue a new card (the acknowledgement is the first card of a ticket)."""
        await uow.outbox.add(OutboxItem(
            platform=platform, chat_id=chat_id, kind=OutboxKind.CARD, text=self.card(ticket, back_at=back_at),
            ticket_id=ticket.id, reply_to=reply_to, thread_id=thread_id,
            payload=self.buttons(ticket), dedupe_key=dedupe, created_at=self.now(),
        ))

    async def refresh_cards(self, uow: UnitOfWork, ticket: Ticket) -> None:
        """Queue an in-place edit of every card of this ticket, on every platform that has one."""
        platforms = {ticket.source_platform} | self.card_platforms(ticket)
        await uow.outbox.refresh_pending_cards(ticket.stored_id, self.card(ticket), self.buttons(ticket))
        for platform in sorted(platforms):
            await uow.outbox.add(OutboxItem(
                platform=platform, chat_id=0, kind=OutboxKind.EDIT_CARD, text=self.card(ticket),
                ticket_id=ticket.id, payload=self.buttons(ticket), created_at=self.now(),
            ))

    def card_platforms(self, ticket: Ticket) -> set[str]:
        if ticket.security:
            return set(self.directory.security_chats)
        return set()

    async def say(self, uow: HasOutbox, *, platform: str, chat_id: int, text: str,
                  ticket: Ticket | None = None, reply_to: int | None = None, thread_id: int | None = None,
                  mentions: Sequence[dict[str, Any]] = (), dedupe: str | None = None,
                  payload: dict[str, Any] | None = None) -> None:
        """Queue a plain message."""
        await uow.outbox.add(OutboxItem(
            platform=platform, chat_id=chat_id, kind=OutboxKind.MESSAGE, text=text,
            ticket_id=ticket.id if ticket else None, reply_to=reply_to, thread_id=thread_id,
            mentions=list(mentions), dedupe_key=dedupe, payload=payload or {}, created_at=self.now(),
        ))

    async def to_ticket(self, uow: HasOutbox, ticket: Ticket, text: str, *,
                        mentions: Sequence[dict[str, Any]] = (), dedupe: str | None = None) -> None:
        """Queue a message in the ticket's own conversation (its thread, or a reply to the report)."""
        if ticket.security:
            await self.to_security(uow, text, ticket=ticket, mentions=mentions, dedupe=dedupe)
            return
        await self.say(
            uow, platform=ticket.source_platform, chat_id=ticket.source_chat_id, text=text, ticket=ticket,
            reply_to=None if ticket.thread_id else ticket.source_message_id, thread_id=ticket.thread_id,
            mentions=mentions, dedupe=f"{dedupe}:ticket" if dedupe else None,
        )

    async def to_team(self, uow: HasOutbox, text: str, *, ticket: Ticket | None = None,
                      mentions: Sequence[dict[str, Any]] = (), dedupe: str | None = None) -> None:
        """Queue a message for the team chat on every platform that has one."""
        for platform, chat_id in sorted(self.directory.team_chats.items()):
            await self.say(
                uow, platform=platform, chat_id=chat_id, text=text, ticket=ticket, mentions=mentions,
                dedupe=f"{dedupe}:team:{platform}" if dedupe else None,
            )

    async def to_security(self, uow: HasOutbox, text: str, *, ticket: Ticket | None = None,
                          mentions: Sequence[dict[str, Any]] = (), dedupe: str | None = None) -> None:
        """Queue a message for the security chat on every platform that has one."""
        for platform, chat_id in sorted(self.directory.security_chats.items()):
            await self.say(
                uow, platform=platform, chat_id=chat_id, text=text, ticket=ticket, mentions=mentions,
                dedupe=f"{dedupe}:security:{platform}" if dedupe else None,
            )
