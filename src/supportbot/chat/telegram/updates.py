"""Reading Telegram updates: messages and button presses as the desk's IncomingMessage and ButtonPress."""

from __future__ import annotations

from datetime import UTC, datetime

from telegram import Message, Update, User
from telegram.constants import ChatType

from supportbot.chat.telegram.render import parse_callback
from supportbot.domain.people import Directory, Sender
from supportbot.domain.sanitize import clean_optional, clean_text, storable_id
from supportbot.services.ports import ButtonPress, IncomingMessage

PLATFORM = "telegram"
ALLOWED_UPDATES = ("message", "edited_message", "callback_query")


def chat_key(update: Update) -> int:
    """The chat an update belongs to: updates of one chat are handled in order."""
    chat = update.effective_chat
    return chat.id if chat is not None else 0


def raw_chat_id(raw: object) -> int | None:
    """The chat of an update as Telegram sent it (before the library reads it); None when it has none."""
    if not isinstance(raw, dict):
        return None
    query = raw.get("callback_query")
    message = next((raw.get(kind) for kind in ("message", "edited_message") if raw.get(kind) is not None),
                   query.get("message") if isinstance(query, dict) else None)
    chat = message.get("chat") if isinstance(message, dict) else None
    return storable_id(chat.get("id")) if isinstance(chat, dict) else None


def sender_of(user: User, directory: Directory) -> Sender:
    """A Telegram user, resolved to a team member by user id (usernames change); a user without a name
    (python-telegram-bot reads an empty first name as none) is called by username, else by id."""
    name = user.full_name or user.username or str(user.id)
    return Sender(PLATFORM, user.id, clean_text(name), username=clean_optional(user.username),
                  person=directory.by_platform_id(PLATFORM, user.id))


def text_of(message: Message) -> str:
    """What the person wrote: the text, or a photo's or document's caption."""
    return message.text or message.caption or ""


def has_attachment(message: Message) -> bool:
    """A screenshot, a file or a recording came with the message."""
    return bool(message.photo or message.document or message.video)


def reply_to_of(message: Message) -> int | None:
    """The message this one answers; in a forum topic Telegram sets the topic's opening message, which is not one."""
    replied = message.reply_to_message
    if replied is None:
        return None
    if message.is_topic_message and (replied.message_id == message.message_thread_id or replied.forum_topic_created):
        return None
    return storable_id(replied.message_id)


def thread_of(message: Message) -> int | None:
    """The forum topic of the message (only forum supergroups have topics; other thread ids are reply chains)."""
    if message.is_topic_message and message.chat.is_forum:
        return storable_id(message.message_thread_id)
    return None


def incoming(message: Message, directory: Directory, *, edited: bool) -> IncomingMessage | None:
    """The message as the desk reads it; None for what is no one's words (service messages, bots, stickers)
    or has no identity a database can keep (ids beyond 64 bits, which Telegram never sends)."""
    user = message.from_user
    if user is None or user.is_bot:
        return None
    if None in (storable_id(message.message_id), storable_id(message.chat.id), storable_id(user.id)):
        return None
    text = clean_text(text_of(message))
    attached = has_attachment(message)
    if not text.strip() and not attached:
        return None
    sent_at = (message.edit_date if edited and message.edit_date else message.date) or datetime.now(UTC)
    return IncomingMessage(
        platform=PLATFORM, chat_id=message.chat.id, message_id=message.message_id,
        sender=sender_of(user, directory), text=text, sent_at=sent_at, reply_to=reply_to_of(message),
        thread_id=thread_of(message), has_attachment=attached, private=message.chat.type == ChatType.PRIVATE,
        edited=edited,
    )


def button_press(update: Update, directory: Directory) -> ButtonPress | None:
    """A press on one of our card buttons; None when the data is not ours or the card is out of reach."""
    query = update.callback_query
    parsed = parse_callback(query.data if query else None)
    if query is None or parsed is None or query.message is None:
        return None
    chat_id, message_id = storable_id(query.message.chat.id), storable_id(query.message.message_id)
    if chat_id is None or message_id is None or storable_id(query.from_user.id) is None:
        return None
    number, action = parsed
    # The query's id makes a press delivered twice (after a crash) count once.
    return ButtonPress(PLATFORM, chat_id, message_id, sender_of(query.from_user, directory), number, action,
                       datetime.now(UTC), event_id=clean_text(query.id))
