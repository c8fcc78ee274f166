"""Builds the outbox rows a change causes: cards, card edits, team notices, mentions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from supportbot.domain import texts
from supportbot.domain.people import Directory, Person, Role
from supportbot.domain.ticket_states import Status
from supportbot.domain.tickets import Ticket
from supportbot.services.clocks import Clocks
from supportbot.services.outbox import CardButtons, DeleteMessage, DirectMessage, Mention, OutboxItem, OutboxKind
from supportbot.services.ports import Clock, SystemClock, UnitOfWork


def mention_of(person: Person) -> Mention:
    """A team member to tag; each platform writes its own handle for them."""
    return _mention(person.name)


@lru_cache(maxsize=1024)
def _mention(name: str) -> Mention:
    """One Mention per name, shared: a sweep tags the same few people on every notice."""
    return Mention(name)


def team_role_mention(directory: Directory, label: str = "on-call team") -> Mention | None:
    """The on-call team as a whole, where a platform has a role for it (Discord); others tag its people
    one by one."""
    if directory.discord_team_role is None:
        return None
    return Mention(label, team=True)


def mentions_of(people: Iterable[Person]) -> tuple[Mention, ...]:
    """Mentions for several people, each once, in order."""
    return tuple(dict.fromkeys(mention_of(person) for person in people))


@dataclass
class Notifier:
    """Knows where things go: the ticket's own chat, the team chats, the security chats."""

    directory: Directory
    clocks: Clocks
    # Rows are due from the desk's now, not the host's: with a clock behind the host's
    # (a replayed or scripted conversation) they would otherwise never be due.
    clock: Clock = SystemClock()
    # The directory is built once from config: what is looked up in it for every notice is kept.
    _names: dict[str | None, str | None] = field(default_factory=dict, init=False, repr=False, compare=False)
    _owner_tags: dict[str | None, tuple[Mention, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False)

    def now(self) -> datetime:
        """The desk's current time, for stamping queued messages."""
        return self.clock.now()

    def product_name(self, ticket: Ticket) -> str | None:
        key = ticket.product
        try:
            return self._names[key]
        except KeyError:
            product = self.directory.product(key) if key else None
            name = self._names[key] = product.name if product else key
            return name

    def owner_mentions(self, product_key: str | None) -> tuple[Mention, ...]:
        """Who a normal ticket's notices tag: the product's owners, or everyone holding the owner role when it
        has none."""
        try:
            return self._owner_tags[product_key]
        except KeyError:
            directory = self.directory
            tags = mentions_of(directory.owners_of(product_key) or directory.with_role(Role.OWNER))
            self._owner_tags[product_key] = tags
            return tags

    def card(self, ticket: Ticket, *, back_at: str | None = None) -> str:
        """The card text for the ticket as it stands."""
        due_at = self.clocks.first_response_due(ticket)
        due = self.clocks.calendar.format_local(due_at) if due_at else None
        return texts.card_text(ticket, product_name=self.product_name(ticket), due=due, back_at=back_at)

    def buttons(self, ticket: Ticket) -> CardButtons:
        """A card's buttons: every action but the current status; none once resolved."""
        actions = () if ticket.status is Status.RESOLVED else tuple(
            a for a in texts.BUTTON_ACTIONS if a != ticket.status.value)
        return CardButtons(ticket.number, actions)

    def card_item(self, ticket: Ticket, *, platform: str, chat_id: int, reply_to: int | None = None,
                  thread_id: int | None = None, back_at: str | None = None) -> OutboxItem:
        """A new card (the acknowledgement is the first card of a ticket)."""
        return OutboxItem(
            platform=platform, chat_id=chat_id, kind=OutboxKind.CARD, text=self.card(ticket, back_at=back_at),
            ticket_id=ticket.id, reply_to=reply_to, thread_id=thread_id, payload=self.buttons(ticket),
            created_at=self.now(),
        )

    def card_edits(self, ticket: Ticket) -> list[OutboxItem]:
        """An in-place edit of every card of this ticket, on every platform that has one."""
        platforms = {ticket.source_platform} | self.card_platforms(ticket)
        return [OutboxItem(platform=platform, chat_id=0, kind=OutboxKind.EDIT_CARD, text=self.card(ticket),
                           ticket_id=ticket.id, payload=self.buttons(ticket), created_at=self.now())
                for platform in sorted(platforms)]

    async def refresh_cards(self, uow: UnitOfWork, ticket: Ticket) -> None:
        """Re-render every card of this ticket: those still queued now, those sent by an edit."""
        await uow.outbox.refresh_pending_cards(ticket.stored_id, self.card(ticket), self.buttons(ticket))
        await uow.outbox.add_many(self.card_edits(ticket))

    def card_platforms(self, ticket: Ticket) -> set[str]:
        if ticket.security:
            return set(self.directory.security_chats)
        return set()

    def say(self, *, platform: str, chat_id: int, text: str, ticket: Ticket | None = None,
            reply_to: int | None = None, thread_id: int | None = None, mentions: Sequence[Mention] = (),
            dedupe: str | None = None, direct: DirectMessage | None = None,
            buttons: CardButtons | None = None) -> OutboxItem:
        """A plain message (`direct`: for one user privately, said in the chat when that fails; `buttons`:
        buttons under it, such as the reporter's)."""
        return OutboxItem(
            platform=platform, chat_id=chat_id, kind=OutboxKind.MESSAGE, text=text,
            ticket_id=ticket.id if ticket else None, reply_to=reply_to, thread_id=thread_id,
            mentions=tuple(mentions), dedupe_key=dedupe, payload=direct or buttons, created_at=self.now(),
        )

    def delete(self, *, platform: str, chat_id: int, message_id: int, ticket: Ticket | None = None,
               thread_id: int | None = None) -> OutboxItem:
        """Take a message out of view (one that exposed a secret)."""
        return OutboxItem(platform=platform, chat_id=chat_id, kind=OutboxKind.DELETE,
                          ticket_id=ticket.id if ticket else None, thread_id=thread_id,
                          payload=DeleteMessage(message_id), created_at=self.now())

    def to_ticket(self, ticket: Ticket, text: str, *, mentions: Sequence[Mention] = (),
                  dedupe: str | None = None, buttons: CardButtons | None = None) -> list[OutboxItem]:
        """A message in the ticket's own conversation (its thread, or a reply to the report); a security
        ticket's goes to the security chats only."""
        if ticket.security:
            return self.to_security(text, ticket=ticket, mentions=mentions, dedupe=dedupe, buttons=buttons)
        return [self.say(
            platform=ticket.source_platform, chat_id=ticket.source_chat_id, text=text, ticket=ticket,
            reply_to=None if ticket.thread_id else ticket.source_message_id, thread_id=ticket.thread_id,
            mentions=mentions, dedupe=f"{dedupe}:ticket" if dedupe else None, buttons=buttons,
        )]

    def to_team(self, text: str, *, ticket: Ticket | None = None, mentions: Sequence[Mention] = (),
                dedupe: str | None = None) -> list[OutboxItem]:
        """A message for the team chat on every platform that has one."""
        return [self.say(platform=platform, chat_id=chat_id, text=text, ticket=ticket, mentions=mentions,
                         dedupe=f"{dedupe}:team:{platform}" if dedupe else None)
                for platform, chat_id in sorted(self.directory.team_chats.items())]

    def to_security(self, text: str, *, ticket: Ticket | None = None, mentions: Sequence[Mention] = (),
                    dedupe: str | None = None, buttons: CardButtons | None = None) -> list[OutboxItem]:
        """A message for the security chat on every platform that has one."""
        return [self.say(platform=platform, chat_id=chat_id, text=text, ticket=ticket, mentions=mentions,
                         dedupe=f"{dedupe}:security:{platform}" if dedupe else None, buttons=buttons)
                for platform, chat_id in sorted(self.directory.security_chats.items())]
