"""Discord events as the desk's values: who wrote (team or not), where (channel, thread, DM), what."""

from __future__ import annotations

import json
import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import discord

from supportbot.domain.people import Directory, Person, Role, Sender
from supportbot.domain.sanitize import clean_optional, clean_text, storable_id
from supportbot.services.ports import ButtonPress, IncomingMessage

log = logging.getLogger(__name__)

PLATFORM = "discord"
TALK = (discord.MessageType.default, discord.MessageType.reply)  # not joins, pins, thread notices


def team_member(directory: Directory, user_id: int, display_name: str, role_ids: Collection[int],
                team_roles: Collection[int]) -> Person | None:
    """The team member behind a Discord user: the person in config, else anyone holding a team role
    (known only by their display name, and treated as an engineer)."""
    person = directory.by_platform_id(PLATFORM, user_id)
    if person is not None:
        return person
    if set(role_ids) & set(team_roles):
        return Person(name=display_name, roles=frozenset({Role.ENGINEER}), discord_id=user_id)
    return None


def sender_of(user: discord.abc.User, directory: Directory, team_roles: Collection[int]) -> Sender:
    """A message's or interaction's author as the desk sees them; roles count only inside a server."""
    role_ids = frozenset(role.id for role in getattr(user, "roles", ()))
    name = clean_text(user.display_name)
    return Sender(PLATFORM, user.id, name, username=clean_optional(user.name),
                  person=team_member(directory, user.id, name, role_ids, team_roles), role_ids=role_ids)


@dataclass(frozen=True)
class Location:
    """Where something happened, as the desk names places: a thread is (parent channel, thread)."""

    chat_id: int
    thread_id: int | None = None
    private: bool = False
    forum: bool = False


async def location(client: discord.Client, channel: Any, channel_id: int | None = None) -> Location | None:
    """The desk's place for a Discord channel or thread; None when it cannot be told."""
    if channel is None or isinstance(channel, discord.PartialMessageable):
        # Not in discord.py's cache (an old thread, say): ask Discord once what it is.
        wanted = channel.id if channel is not None else channel_id
        if wanted is None:
            return None
        try:
            channel = await client.fetch_channel(wanted)
        except discord.HTTPException as err:
            log.warning("discord: cannot tell what channel %s is: %s", wanted, err)
            return None
    if isinstance(channel, discord.Thread):
        if channel.parent_id is None:
            return None
        return Location(channel.parent_id, channel.id, forum=isinstance(channel.parent, discord.ForumChannel))
    if isinstance(channel, (discord.DMChannel, discord.GroupChannel)):
        return Location(channel.id, private=True)
    return Location(channel.id)


def is_talk(message: discord.Message) -> bool:
    """A message a person wrote: not a bot's (ours included), a webhook's or a system notice."""
    return not message.author.bot and message.webhook_id is None and message.type in TALK


def message_text(message: discord.Message, where: Location) -> str:
    """The message's text; a forum post's first message carries the post's title first."""
    if where.forum and message.id == where.thread_id and isinstance(message.channel, discord.Thread):
        return f"{message.channel.name}\n{message.content}".strip()
    return message.content


def incoming(message: discord.Message, where: Location, sender: Sender, *, edited: bool = False) -> IncomingMessage:
    """A Discord message as the desk takes it; attachments count as screenshots."""
    reference = message.reference
    reply_to = reference.message_id if reference is not None and reference.channel_id == message.channel.id else None
    at = (message.edited_at if edited else None) or message.created_at
    return IncomingMessage(
        platform=PLATFORM, chat_id=where.chat_id, message_id=message.id, sender=sender,
        text=clean_text(message_text(message, where)), sent_at=at, reply_to=storable_id(reply_to),
        thread_id=storable_id(where.thread_id), has_attachment=bool(message.attachments), private=where.private,
        edited=edited,
    )


def clean_options(options: list[dict[str, Any]]) -> None:
    """A slash command's option values (and its subcommands'), made safe to store in place."""
    for option in options:
        if isinstance(option.get("value"), str):
            option["value"] = clean_text(option["value"])
        clean_options(option.get("options") or [])


# --- parked events: discord.py hands out parsed objects, so a parked event is stored as the desk read it


def _sender_payload(sender: Sender) -> dict:
    return {"user_id": sender.user_id, "display_name": sender.display_name, "username": sender.username,
            "role_ids": sorted(sender.role_ids)}


def _sender_from(data: dict, directory: Directory, team_roles: Collection[int]) -> Sender:
    roles = frozenset(data.get("role_ids") or ())
    return Sender(PLATFORM, data["user_id"], data["display_name"], username=data.get("username"),
                  person=team_member(directory, data["user_id"], data["display_name"], roles, team_roles),
                  role_ids=roles)


def message_payload(msg: IncomingMessage) -> str:
    """A message as JSON, for parking it: everything the desk needs to handle it again."""
    return json.dumps({
        "chat_id": msg.chat_id, "message_id": msg.message_id, "sender": _sender_payload(msg.sender),
        "text": msg.text, "sent_at": msg.sent_at.isoformat(), "reply_to": msg.reply_to, "thread_id": msg.thread_id,
        "has_attachment": msg.has_attachment, "private": msg.private, "edited": msg.edited})


def message_from_payload(payload: str, directory: Directory, team_roles: Collection[int]) -> IncomingMessage:
    """A parked message as the desk takes it (team membership as the config says now)."""
    data = json.loads(payload)
    return IncomingMessage(
        platform=PLATFORM, chat_id=data["chat_id"], message_id=data["message_id"],
        sender=_sender_from(data["sender"], directory, team_roles), text=data["text"],
        sent_at=datetime.fromisoformat(data["sent_at"]), reply_to=data.get("reply_to"),
        thread_id=data.get("thread_id"), has_attachment=data.get("has_attachment", False),
        private=data.get("private", False), edited=data.get("edited", False))


def press_payload(press: ButtonPress) -> str:
    """A card button press as JSON, for parking it."""
    return json.dumps({
        "chat_id": press.chat_id, "message_id": press.message_id, "sender": _sender_payload(press.sender),
        "ticket_number": press.ticket_number, "action": press.action, "at": press.at.isoformat(),
        "event_id": press.event_id})


def press_from_payload(payload: str, directory: Directory, team_roles: Collection[int]) -> ButtonPress:
    """A parked button press as the desk takes it."""
    data = json.loads(payload)
    return ButtonPress(PLATFORM, data["chat_id"], data["message_id"],
                       _sender_from(data["sender"], directory, team_roles), data["ticket_number"], data["action"],
                       datetime.fromisoformat(data["at"]), event_id=data.get("event_id"))
