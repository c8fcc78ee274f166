"""In-memory world of the fake Discord: guilds, channels, users, messages.

Payload builders produce the JSON shapes Discord sends (API v10), complete
enough for discord.py 2.7 to build its models. Validation mirrors the limits
the real API enforces, with the same error codes and `errors` trees.
"""

from __future__ import annotations

import itertools
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

DISCORD_EPOCH_MS = 1420070400000

# permission bits
P_CREATE_INVITE = 1 << 0
P_ADMINISTRATOR = 1 << 3
P_MANAGE_CHANNELS = 1 << 4
P_ADD_REACTIONS = 1 << 6
P_VIEW_CHANNEL = 1 << 10
P_SEND_MESSAGES = 1 << 11
P_MANAGE_MESSAGES = 1 << 13
P_EMBED_LINKS = 1 << 14
P_ATTACH_FILES = 1 << 15
P_READ_MESSAGE_HISTORY = 1 << 16
P_MENTION_EVERYONE = 1 << 17
P_USE_EXTERNAL_EMOJIS = 1 << 18
P_USE_APPLICATION_COMMANDS = 1 << 31
P_MANAGE_THREADS = 1 << 34
P_CREATE_PUBLIC_THREADS = 1 << 35
P_CREATE_PRIVATE_THREADS = 1 << 36
P_SEND_MESSAGES_IN_THREADS = 1 << 38
P_ALL = (1 << 51) - 1

EVERYONE_PERMISSIONS = (
    P_CREATE_INVITE | P_ADD_REACTIONS | P_VIEW_CHANNEL | P_SEND_MESSAGES | P_EMBED_LINKS | P_ATTACH_FILES
    | P_READ_MESSAGE_HISTORY | P_USE_EXTERNAL_EMOJIS | P_USE_APPLICATION_COMMANDS | P_CREATE_PUBLIC_THREADS
    | P_SEND_MESSAGES_IN_THREADS
)
DEFAULT_BOT_PERMISSIONS = (
    EVERYONE_PERMISSIONS | P_MANAGE_MESSAGES | P_MANAGE_THREADS | P_CREATE_PRIVATE_THREADS | P_MENTION_EVERYONE
)

# gateway intents
I_GUILDS = 1 << 0
I_GUILD_MEMBERS = 1 << 1
I_GUILD_PRESENCES = 1 << 8
I_GUILD_MESSAGES = 1 << 9
I_GUILD_MESSAGE_REACTIONS = 1 << 10
I_DIRECT_MESSAGES = 1 << 12
I_MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = I_GUILD_MEMBERS | I_GUILD_PRESENCES | I_MESSAGE_CONTENT

TEXT, DM, CATEGORY, NEWS, NEWS_THREAD, PUBLIC_THREAD, PRIVATE_THREAD, FORUM = 0, 1, 4, 5, 10, 11, 12, 15
THREAD_TYPES = (NEWS_THREAD, PUBLIC_THREAD, PRIVATE_THREAD)
FLAG_EPHEMERAL, FLAG_LOADING, FLAG_COMPONENTS_V2 = 64, 128, 1 << 15

# a 1x1 transparent PNG served for fake attachments
PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)


class APIError(Exception):
    """An error answered the way Discord answers it."""

    def __init__(self, status: int, code: int, message: str, errors: dict | None = None):
        super().__init__(f"{status} {message} ({code})")
        self.status, self.code, self.message, self.errors = status, code, message, errors

    def body(self) -> dict:
        body: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors:
            body["errors"] = self.errors
        return body


def err(kind: str, errors: dict | None = None) -> APIError:
    status, code, message = ERRORS[kind]
    return APIError(status, code, message, errors)


ERRORS = {
    "unknown_channel": (404, 10003, "Unknown Channel"),
    "unknown_guild": (404, 10004, "Unknown Guild"),
    "unknown_member": (404, 10007, "Unknown Member"),
    "unknown_message": (404, 10008, "Unknown Message"),
    "unknown_user": (404, 10013, "Unknown User"),
    "unknown_webhook": (404, 10015, "Unknown Webhook"),
    "unknown_interaction": (404, 10062, "Unknown interaction"),
    "unknown_command": (404, 10063, "Unknown application command"),
    "unauthorized": (401, 0, "401: Unauthorized"),
    "not_found": (404, 0, "404: Not Found"),
    "missing_access": (403, 50001, "Missing Access"),
    "dm_action": (403, 50003, "Cannot execute action on a DM channel"),
    "edit_others": (403, 50005, "Cannot edit a message authored by another user"),
    "empty_message": (400, 50006, "Cannot send an empty message"),
    "cannot_dm": (403, 50007, "Cannot send messages to this user"),
    "non_text": (400, 50008, "Cannot send messages in a non-text channel"),
    "missing_permissions": (403, 50013, "Missing Permissions"),
    "wrong_channel_type": (400, 50024, "Cannot execute action on this channel type"),
    "invalid_form": (400, 50035, "Invalid Form Body"),
    "already_acked": (400, 40060, "Interaction has already been acknowledged."),
    "thread_exists": (400, 160004, "A thread has already been created for this message"),
    "thread_archived": (400, 50083, "Thread is archived"),
}


def form_errors(problems: list[tuple[tuple, str, str]]) -> dict:
    """[(path, code, message)] -> Discord's nested `errors` object."""
    tree: dict = {}
    for path, code, message in problems:
        node = tree
        for key in path:
            node = node.setdefault(str(key), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})
    return tree


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


class Snowflakes:
    def __init__(self) -> None:
        self._last = 0
        self._lock = threading.Lock()

    def next(self) -> int:
        with self._lock:
            value = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
            self._last = max(value, self._last + 1)
            return self._last


@dataclass
class User:
    id: int
    username: str
    bot: bool = False
    global_name: str | None = None

    def payload(self) -> dict:
        return {"id": str(self.id), "username": self.username, "discriminator": "0",
                "global_name": self.global_name or self.username, "avatar": None, "bot": self.bot,
                "public_flags": 0, "flags": 0, "banner": None, "accent_color": None,
                "avatar_decoration_data": None}


@dataclass
class Role:
    id: int
    name: str
    permissions: int = 0
    position: int = 1
    managed: bool = False
    bot_id: int | None = None

    def payload(self) -> dict:
        data = {"id": str(self.id), "name": self.name, "color": 0,
                "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
                "hoist": False, "icon": None, "unicode_emoji": None, "position": self.position,
                "permissions": str(self.permissions), "managed": self.managed, "mentionable": False, "flags": 0}
        if self.bot_id is not None:
            data["tags"] = {"bot_id": str(self.bot_id)}
        return data


@dataclass
class Member:
    user_id: int
    roles: list[int] = field(default_factory=list)
    joined_at: str = field(default_factory=now_iso)
    nick: str | None = None


@dataclass
class Channel:
    id: int
    type: int
    name: str
    guild_id: int | None = None
    parent_id: int | None = None
    owner_id: int | None = None
    position: int = 0
    topic: str | None = None
    bot_deny: int = 0
    recipient_id: int | None = None
    archived: bool = False
    locked: bool = False
    auto_archive_duration: int = 1440
    created_at: str = field(default_factory=now_iso)
    last_message_id: int | None = None
    message_count: int = 0
    applied_tags: list[str] = field(default_factory=list)
    starter_message_id: int | None = None
    invitable: bool = True
    member_ids: set[int] = field(default_factory=set)

    @property
    def is_thread(self) -> bool:
        return self.type in THREAD_TYPES


@dataclass
class Guild:
    id: int
    name: str
    owner_id: int
    roles: dict[int, Role] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    channel_ids: list[int] = field(default_factory=list)
    bot_role_id: int = 0


@dataclass
class Message:
    id: int
    channel_id: int
    guild_id: int | None
    author_id: int
    content: str = ""
    embeds: list = field(default_factory=list)
    components: list = field(default_factory=list)
    attachments: list = field(default_factory=list)
    allowed_mentions: dict | None = None
    reference: dict | None = None
    flags: int = 0
    type: int = 0
    timestamp: str = field(default_factory=now_iso)
    edited_timestamp: str | None = None
    deleted: bool = False
    interaction_id: int | None = None
    interaction_metadata: dict | None = None
    webhook_id: int | None = None
    nonce: str | None = None
    tts: bool = False
    thread_id: int | None = None
    edits: int = 0
    via: str = "rest"


@dataclass
class Interaction:
    id: int
    token: str
    type: int
    guild_id: int | None
    channel_id: int
    user_id: int
    data: dict
    message_id: int | None = None
    created: float = field(default_factory=time.monotonic)
    response_type: int | None = None
    original_id: int | None = None
    followups: list[int] = field(default_factory=list)


class World:
    """Everything the fake knows; guarded by `lock` (shared with the server thread)."""

    def __init__(self, bot_user_id: int, application_id: int, bot_name: str = "supportbot") -> None:
        self.lock = threading.RLock()
        self.ids = Snowflakes()
        self.bot = User(bot_user_id, bot_name, bot=True)
        self.application_id = application_id
        self.users: dict[int, User] = {bot_user_id: self.bot}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.messages: dict[int, Message] = {}
        self.interactions: dict[int, Interaction] = {}
        self.tokens: dict[str, int] = {}  # interaction token -> interaction id
        self.global_commands: list[dict] = []
        self.guild_commands: dict[int, list[dict]] = {}
        self.responses: list[dict] = []
        self.deleted: list[dict] = []
        self.channel_edits: list[dict] = []
        self.reactions: list[dict] = []
        self.files: dict[str, bytes] = {}
        self.dm_blocked: dict[int, bool] = {}  # user id -> fails already at channel creation
        self.base_url = ""
        self._tokens = itertools.count(1)

    # ---- lookups -------------------------------------------------------
    def channel(self, channel_id: int) -> Channel:
        ch = self.channels.get(int(channel_id))
        if ch is None:
            raise err("unknown_channel")
        return ch

    def guild_of(self, ch: Channel) -> Guild | None:
        return self.guilds.get(ch.guild_id) if ch.guild_id is not None else None

    def message(self, channel_id: int, message_id: int) -> Message:
        msg = self.messages.get(int(message_id))
        if msg is None or msg.deleted or msg.channel_id != int(channel_id):
            raise err("unknown_message")
        return msg

    def user(self, user_id: int, username: str | None = None) -> User:
        user = self.users.get(int(user_id))
        if user is None:
            user = self.users[int(user_id)] = User(int(user_id), username or f"user{user_id}")
        return user

    def ensure_member(self, guild: Guild, user_id: int) -> Member:
        self.user(user_id)
        if user_id not in guild.members:
            guild.members[user_id] = Member(user_id)
        return guild.members[user_id]

    def new_token(self) -> str:
        return f"aW50ZXJhY3Rpb246{next(self._tokens)}{self.ids.next():x}"

    # ---- permissions ---------------------------------------------------
    def base_permissions(self, guild: Guild, user_id: int) -> int:
        if user_id == guild.owner_id:
            return P_ALL
        perms = guild.roles[guild.id].permissions
        member = guild.members.get(user_id)
        for role_id in member.roles if member else ():
            role = guild.roles.get(role_id)
            if role:
                perms |= role.permissions
        return P_ALL if perms & P_ADMINISTRATOR else perms

    def permissions_in(self, ch: Channel, user_id: int) -> int:
        guild = self.guild_of(ch)
        if guild is None:
            return P_ALL & ~(P_MANAGE_MESSAGES | P_MANAGE_CHANNELS | P_MANAGE_THREADS)
        perms = self.base_permissions(guild, user_id)
        if perms & P_ADMINISTRATOR:
            return perms
        target = self.channels.get(ch.parent_id) if ch.is_thread else ch
        if target is not None and user_id == self.bot.id:
            perms &= ~target.bot_deny
        return perms

    def require(self, ch: Channel, perm: int) -> None:
        perms = self.permissions_in(ch, self.bot.id)
        if not perms & P_VIEW_CHANNEL:
            raise err("missing_access")
        if perm and not perms & perm:
            raise err("missing_permissions")

    # ---- payloads ------------------------------------------------------
    def member_payload(self, guild: Guild, user_id: int, *, with_user: bool = True,
                       permissions: bool = False) -> dict:
        member = guild.members.get(user_id) or Member(user_id)
        data: dict[str, Any] = {
            "roles": [str(r) for r in member.roles], "joined_at": member.joined_at, "nick": member.nick,
            "avatar": None, "banner": None, "premium_since": None, "deaf": False, "mute": False, "flags": 0,
            "pending": False, "communication_disabled_until": None}
        if with_user:
            data["user"] = self.user(user_id).payload()
        if permissions:
            data["permissions"] = str(self.base_permissions(guild, user_id))
        return data

    def channel_payload(self, ch: Channel) -> dict:
        if ch.type == DM:
            return {"id": str(ch.id), "type": DM, "last_message_id": _s(ch.last_message_id), "flags": 0,
                    "recipients": [self.user(ch.recipient_id).payload()]}
        data: dict[str, Any] = {
            "id": str(ch.id), "type": ch.type, "guild_id": str(ch.guild_id), "name": ch.name,
            "position": ch.position, "flags": 0, "parent_id": _s(ch.parent_id), "nsfw": False,
            "rate_limit_per_user": 0, "last_message_id": _s(ch.last_message_id)}
        if ch.is_thread:
            data.update({
                "owner_id": str(ch.owner_id), "message_count": ch.message_count, "member_count": len(ch.member_ids),
                "total_message_sent": ch.message_count, "applied_tags": list(ch.applied_tags),
                "thread_metadata": {"archived": ch.archived, "locked": ch.locked, "invitable": ch.invitable,
                                    "auto_archive_duration": ch.auto_archive_duration,
                                    "archive_timestamp": ch.created_at, "create_timestamp": ch.created_at}})
            if self.bot.id in ch.member_ids:
                data["member"] = {"id": str(ch.id), "user_id": str(self.bot.id), "join_timestamp": ch.created_at,
                                  "flags": 1}
            return data
        overwrites = []
        if ch.bot_deny:
            overwrites.append({"id": str(self.bot.id), "type": 1, "allow": "0", "deny": str(ch.bot_deny)})
        data.update({"topic": ch.topic, "permission_overwrites": overwrites, "default_auto_archive_duration": 1440,
                     "default_thread_rate_limit_per_user": 0})
        if ch.type == FORUM:
            data.update({"available_tags": [], "default_reaction_emoji": None, "default_sort_order": None,
                         "default_forum_layout": 0})
        return data

    def guild_payload(self, guild: Guild) -> dict:
        return {
            "id": str(guild.id), "name": guild.name, "icon": None, "splash": None, "discovery_splash": None,
            "banner": None, "description": None, "owner_id": str(guild.owner_id), "afk_channel_id": None,
            "afk_timeout": 300, "verification_level": 0, "default_message_notifications": 0,
            "explicit_content_filter": 0, "mfa_level": 0, "nsfw_level": 0, "premium_tier": 0,
            "premium_subscription_count": 0, "preferred_locale": "en-US", "system_channel_id": None,
            "system_channel_flags": 0, "rules_channel_id": None, "public_updates_channel_id": None,
            "safety_alerts_channel_id": None, "vanity_url_code": None, "max_members": 500000,
            "max_video_channel_users": 25, "premium_progress_bar_enabled": False, "features": [],
            "roles": [r.payload() for r in guild.roles.values()], "emojis": [], "stickers": []}

    def guild_create_payload(self, guild: Guild) -> dict:
        chans = [self.channels[c] for c in guild.channel_ids]
        data = self.guild_payload(guild)
        data.update({
            "unavailable": False, "large": False, "lazy": True, "member_count": len(guild.members),
            "joined_at": guild.members[self.bot.id].joined_at, "voice_states": [], "presences": [],
            "members": [self.member_payload(guild, self.bot.id)],
            "channels": [self.channel_payload(c) for c in chans if not c.is_thread],
            "threads": [self.channel_payload(c) for c in chans if c.is_thread and not c.archived],
            "stage_instances": [], "guild_scheduled_events": [], "soundboard_sounds": [],
            "embedded_activities": [], "application_command_counts": {}})
        return data

    def message_payload(self, msg: Message, *, with_member: bool = True, depth: int = 0) -> dict:
        ch = self.channels.get(msg.channel_id)
        guild = self.guilds.get(msg.guild_id) if msg.guild_id else None
        data: dict[str, Any] = {
            "id": str(msg.id), "channel_id": str(msg.channel_id), "type": msg.type, "content": msg.content,
            "author": self.user(msg.author_id).payload(), "timestamp": msg.timestamp,
            "edited_timestamp": msg.edited_timestamp, "tts": msg.tts, "mention_everyone": "@everyone" in msg.content,
            "mentions": [self.user(u).payload() for u in _mentions(msg.content, r"<@!?(\d+)>")],
            "mention_roles": [str(r) for r in _mentions(msg.content, r"<@&(\d+)>")],
            "attachments": msg.attachments, "embeds": msg.embeds, "components": msg.components,
            "pinned": False, "flags": msg.flags, "reactions": [], "nonce": msg.nonce}
        if guild is not None:
            data["guild_id"] = str(guild.id)
            if with_member and msg.webhook_id is None and msg.author_id in guild.members:
                data["member"] = self.member_payload(guild, msg.author_id, with_user=False)
        if msg.webhook_id is not None:
            data["webhook_id"] = str(msg.webhook_id)
            data["application_id"] = str(self.application_id)
        if msg.interaction_metadata:
            data["interaction_metadata"] = msg.interaction_metadata
        if msg.reference:
            data["message_reference"] = msg.reference
            ref = self.messages.get(int(msg.reference.get("message_id") or 0))
            if depth == 0 and msg.type == 19:
                data["referenced_message"] = (None if ref is None or ref.deleted
                                              else self.message_payload(ref, with_member=False, depth=1))
        if msg.thread_id and msg.thread_id in self.channels and ch is not None and not ch.is_thread:
            data["thread"] = self.channel_payload(self.channels[msg.thread_id])
        return data

    def record(self, msg: Message) -> dict:
        """The view of a message handed to tests."""
        return {"id": msg.id, "channel_id": msg.channel_id, "guild_id": msg.guild_id, "author_id": msg.author_id,
                "content": msg.content, "embeds": msg.embeds, "components": msg.components,
                "attachments": msg.attachments, "allowed_mentions": msg.allowed_mentions,
                "message_reference": msg.reference, "flags": msg.flags,
                "ephemeral": bool(msg.flags & FLAG_EPHEMERAL), "loading": bool(msg.flags & FLAG_LOADING),
                "deleted": msg.deleted, "edited": msg.edited_timestamp is not None, "edits": msg.edits,
                "interaction_id": msg.interaction_id, "thread_id": msg.thread_id, "via": msg.via,
                "timestamp": msg.timestamp}


def _s(value: int | None) -> str | None:
    return None if value is None else str(value)


def _mentions(content: str, pattern: str) -> list[int]:
    seen: list[int] = []
    for m in re.finditer(pattern, content or ""):
        if int(m.group(1)) not in seen:
            seen.append(int(m.group(1)))
    return seen


# ---- validation ----------------------------------------------------------

def validate_message(payload: dict, *, has_files: bool = False, edit: bool = False) -> None:
    problems: list[tuple[tuple, str, str]] = []
    content = payload.get("content") or ""
    if len(content) > 2000:
        problems.append((("content",), "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length."))
    embeds = payload.get("embeds") or []
    if len(embeds) > 10:
        problems.append((("embeds",), "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length."))
    total = 0
    for i, embed in enumerate(embeds):
        for key, limit in (("title", 256), ("description", 4096)):
            n = len(embed.get(key) or "")
            total += n
            if n > limit:
                problems.append((("embeds", i, key), "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length."))
        fields = embed.get("fields") or []
        if len(fields) > 25:
            problems.append((("embeds", i, "fields"), "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length."))
        for j, f in enumerate(fields):
            for key, limit in (("name", 256), ("value", 1024)):
                n = len(str(f.get(key) or ""))
                total += n
                if n == 0:
                    problems.append((("embeds", i, "fields", j, key), "BASE_TYPE_REQUIRED",
                                     "This field is required"))
                elif n > limit:
                    problems.append((("embeds", i, "fields", j, key), "BASE_TYPE_MAX_LENGTH",
                                     f"Must be {limit} or fewer in length."))
        total += len((embed.get("footer") or {}).get("text") or "") + len((embed.get("author") or {}).get("name") or "")
    if total > 6000:
        problems.append((("embeds",), "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000"))
    components = payload.get("components") or []
    if not int(payload.get("flags") or 0) & FLAG_COMPONENTS_V2:
        problems += _component_problems(components)
    if problems:
        raise err("invalid_form", form_errors(problems))
    if not edit and not (content or embeds or components or has_files or payload.get("sticker_ids")
                         or payload.get("poll") or payload.get("attachments")):
        raise err("empty_message")


def _component_problems(rows: list) -> list:
    problems: list = []
    if len(rows) > 5:
        problems.append((("components",), "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length."))
    seen: set[str] = set()
    for i, row in enumerate(rows):
        children = row.get("components") or []
        if row.get("type") != 1:
            problems.append((("components", i, "type"), "UNION_TYPE_CHOICES",
                             "Value of field \"type\" must be one of (1,)."))
            continue
        if not 1 <= len(children) <= 5:
            problems.append((("components", i, "components"), "BASE_TYPE_BAD_LENGTH",
                             "Must be between 1 and 5 in length."))
        for j, comp in enumerate(children):
            path = ("components", i, "components", j)
            cid = comp.get("custom_id")
            if comp.get("type") == 2 and comp.get("style") == 5:
                if not comp.get("url"):
                    problems.append((path + ("url",), "BASE_TYPE_REQUIRED", "This field is required"))
            elif not cid:
                problems.append((path + ("custom_id",), "BASE_TYPE_REQUIRED", "This field is required"))
            if cid:
                if len(cid) > 100:
                    problems.append((path + ("custom_id",), "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length."))
                if cid in seen:
                    problems.append((path + ("custom_id",), "COMPONENT_CUSTOM_ID_DUPLICATED",
                                     "Component custom id cannot be duplicated"))
                seen.add(cid)
            if len(comp.get("label") or "") > 80:
                problems.append((path + ("label",), "BASE_TYPE_MAX_LENGTH", "Must be 80 or fewer in length."))
    return problems


_NAME_RE = re.compile(r"^[-_'\w]{1,32}$", re.UNICODE)


def validate_commands(commands: list[dict]) -> None:
    problems: list = []
    names: set[tuple[int, str]] = set()
    for i, cmd in enumerate(commands):
        ctype = int(cmd.get("type", 1))
        name = cmd.get("name") or ""
        if ctype == 1 and (not _NAME_RE.match(name) or name != name.lower()):
            problems.append(((i, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"))
        if (ctype, name) in names:
            problems.append(((i, "name"), "APPLICATION_COMMANDS_DUPLICATE_NAME",
                             "Application command names must be unique"))
        names.add((ctype, name))
        if ctype == 1:
            if not 1 <= len(cmd.get("description") or "") <= 100:
                problems.append(((i, "description"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."))
            problems += _option_problems(cmd.get("options") or [], (i, "options"))
    if problems:
        raise err("invalid_form", form_errors(problems))


def _option_problems(options: list, path: tuple) -> list:
    problems: list = []
    if len(options) > 25:
        problems.append((path, "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length."))
    optional_seen, names = False, set()
    for j, opt in enumerate(options):
        p = path + (j,)
        name = opt.get("name") or ""
        if not _NAME_RE.match(name) or name != name.lower():
            problems.append((p + ("name",), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"))
        if name in names:
            problems.append((p + ("name",), "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS",
                             "Option names must be unique"))
        names.add(name)
        if not 1 <= len(opt.get("description") or "") <= 100:
            problems.append((p + ("description",), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."))
        if len(opt.get("choices") or []) > 25:
            problems.append((p + ("choices",), "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length."))
        if opt.get("type") in (1, 2):
            problems += _option_problems(opt.get("options") or [], p + ("options",))
        elif opt.get("required"):
            if optional_seen:
                problems.append((p + ("required",), "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                                 "Required options must be placed before non-required options"))
        else:
            optional_seen = True
    return problems
