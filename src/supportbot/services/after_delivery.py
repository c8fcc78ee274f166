"""What follows the outcome of a send: the desk's rules, which the outbox sender applies in the same
transaction as the outcome it records."""

from __future__ import annotations

import logging

from supportbot.domain import texts
from supportbot.services.notify import Notifier
from supportbot.services.outbox import DeleteMessage, Delivered, MessageLink, OutboxItem, OutboxKind
from supportbot.services.ports import UnitOfWork

log = logging.getLogger(__name__)


class AfterDelivery:
    """A delivered message joins its ticket (replies to it and card edits find the ticket; a thread the
    platform opened for it becomes the ticket's conversation); a secret that could not be taken out of
    view is told to the security team, on every platform it has a chat."""

    def __init__(self, notifier: Notifier | None = None) -> None:
        self.notifier = notifier  # None: nobody to tell (a sender used on its own, in a tool or a test)

    async def delivered(self, uow: UnitOfWork, platform: str, item: OutboxItem, delivered: Delivered) -> None:
        """Remember the bot's message so replies to it and card edits find the ticket."""
        if item.ticket_id is None or delivered.message_id is None:
            return
        role = "card" if item.kind is OutboxKind.CARD else "notice"
        chat_id = delivered.chat_id if delivered.chat_id is not None else item.chat_id
        thread_id = delivered.thread_id if delivered.thread_id is not None else item.thread_id
        await uow.messages.add(MessageLink(platform, chat_id, delivered.message_id, item.ticket_id, role, thread_id))
        if delivered.thread_id is not None:
            ticket = await uow.tickets.get(item.ticket_id)
            if ticket is not None and ticket.thread_id is None and not ticket.security:
                ticket.thread_id = delivered.thread_id

    async def given_up(self, uow: UnitOfWork, item: OutboxItem, reason: str) -> None:
        """A message the platform would not take, for good: a delete that failed leaves a secret in view."""
        if item.kind is not OutboxKind.DELETE:
            return
        message_id = item.payload.message_id if isinstance(item.payload, DeleteMessage) else "?"
        text = texts.DELETE_FAILED.format(message_id=message_id, chat_id=item.chat_id, reason=reason)
        if self.notifier is None:
            log.error("%s (no security chat to tell)", text)
            return
        ticket = await uow.tickets.get(item.ticket_id) if item.ticket_id is not None else None
        await uow.outbox.add_many(self.notifier.to_security(text, ticket=ticket))
