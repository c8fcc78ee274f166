"""State, validation and text parsing behind the fake Telegram Bot API (see telegram_api.py)."""

from __future__ import annotations

import copy
import html
import json
import re
import threading
import time
from collections.abc import Callable

MAX_TEXT = 4096
MAX_CAPTION = 1024
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SEND_METHODS = frozenset({"sendmessage", "sendphoto", "editmessagetext", "editmessagereplymarkup"})
NOT_DEFAULT_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


class ApiError(Exception):
    """An error answer of the Bot API: HTTP status, description, optional retry_after."""

    def __init__(self, status: int, description: str, retry_after: int | None = None):
        super().__init__(f"{status} {description}")
        self.status, self.description, self.retry_after = status, description, retry_after

    def body(self) -> dict:
        extra = {"parameters": {"retry_after": self.retry_after}} if self.retry_after is not None else {}
        return {"ok": False, "error_code": self.status, "description": self.description, **extra}


def bad(description: str) -> ApiError:
    return ApiError(400, "Bad Request: " + description)


def too_many(retry_after: int) -> ApiError:
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)


# ---------------------------------------------------------------- text and entities

def _u16(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


class _Out:
    def __init__(self) -> None:
        self.parts, self.len16, self.entities = [], 0, []

    def add(self, s: str) -> None:
        self.parts.append(s)
        self.len16 += _u16(s)

    def entity(self, type_: str, start: int, **extra) -> None:
        if self.len16 > start:
            self.entities.append({"type": type_, "offset": start, "length": self.len16 - start, **extra})


_HTML_TAGS = {"b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
              "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
              "tg-spoiler": "spoiler", "span": "spoiler", "a": "text_link", "code": "code", "pre": "pre",
              "blockquote": "blockquote", "tg-emoji": "custom_emoji"}
_TAG = re.compile(r"<(/?)([a-zA-Z][\w-]*)((?:\s+[\w-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>\"']+))?)*)\s*>")
_ATTR = re.compile(r"([\w-]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>\"']+)))?")
_CHAR_REF = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|lt|gt|amp|quot);")


def _fail(msg: str) -> ApiError:
    return bad("can't parse entities: " + msg)


def _parse_html(src: str) -> tuple[str, list[dict]]:
    out, stack, i = _Out(), [], 0
    while i < len(src):
        run = re.match(r"[^<&]+", src[i:])
        if run:
            out.add(run.group())
            i += run.end()
            continue
        if src[i] == "&":
            ref = _CHAR_REF.match(src, i)
            out.add(html.unescape(ref.group()) if ref else "&")
            i = ref.end() if ref else i + 1
            continue
        offset = len(src[:i].encode())
        m = _TAG.match(src, i)
        if not m:
            raise _fail(f"Unexpected end of name token at byte offset {offset}")
        closing, name, i = m.group(1) == "/", m.group(2).lower(), m.end()
        attrs = {a.group(1).lower(): next((g for g in a.groups()[1:] if g is not None), "")
                 for a in _ATTR.finditer(m.group(3))}
        if name not in _HTML_TAGS or (name == "span" and not closing and attrs.get("class") != "tg-spoiler"):
            raise _fail(f'Unsupported {"end" if closing else "start"} tag "{name}" at byte offset {offset}')
        if not closing:
            stack.append((name, out.len16, attrs))
        elif not stack or stack[-1][0] != name:
            expected = f'"</{stack[-1][0]}>"' if stack else "nothing"
            raise _fail(f'Unmatched end tag at byte offset {offset}, expected {expected}, found "</{name}>"')
        else:
            tag, start, attrs = stack.pop()
            kind, extra = _HTML_TAGS[tag], {}
            if tag == "code" and stack and stack[-1][0] == "pre" and attrs.get("class", "").startswith("language-"):
                stack[-1][2]["language"] = attrs["class"][len("language-"):]
                continue
            if kind == "text_link" and not attrs.get("href"):
                continue
            extra = {"text_link": {"url": attrs.get("href")}, "custom_emoji": {"custom_emoji_id": attrs.get("emoji-id")},
                     "pre": {"language": attrs.get("language")}}.get(kind, {})
            kind = "expandable_blockquote" if "expandable" in attrs else kind
            out.entity(kind, start, **{k: v for k, v in extra.items() if v is not None})
    if stack:
        raise _fail(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return "".join(out.parts), out.entities


_MD_RESERVED = set("_*[]()~`>#+-=|{}.!")
_MD_NAMES = {"*": "bold", "_": "italic", "__": "underline", "~": "strikethrough", "||": "spoiler"}


def _parse_markdown(src: str, v2: bool) -> tuple[str, list[dict]]:
    out, opened, link, i = _Out(), {}, None, 0
    where = lambda k: len(src[:k].encode())  # noqa: E731
    while i < len(src):
        c = src[i]
        if v2 and c == "\\" and i + 1 < len(src):
            out.add(src[i + 1])
            i += 2
            continue
        if c == "`":
            delim = "```" if src.startswith("```", i) else "`"
            end = src.find(delim, i + len(delim))
            while v2 and end > 0 and src[end - 1] == "\\":
                end = src.find(delim, end + 1)
            if end < 0:
                raise _fail(f"Can't find end of {'Pre' if delim == '```' else 'Code'} entity at byte offset {where(i)}"
                            if v2 else f"Can't find end of the entity starting at byte offset {where(i)}")
            body, extra = src[i + len(delim):end], {}
            body = re.sub(r"\\([\\`])", r"\1", body) if v2 else body
            first, _, rest = body.partition("\n")
            if delim == "```" and rest and re.fullmatch(r"\S+", first):
                body, extra = rest, {"language": first}
            start, i = out.len16, end + len(delim)
            out.add(body)
            out.entity("pre" if delim == "```" else "code", start, **extra)
            continue
        tok = src[i:i + 2] if v2 and src[i:i + 2] in ("__", "||") else c
        if tok in _MD_NAMES and (v2 or tok in "*_"):
            if tok in opened:
                out.entity(_MD_NAMES[tok], opened.pop(tok)[0])
            else:
                opened[tok] = (out.len16, where(i))
            i += len(tok)
            continue
        if c == "[" and link is None:
            link, i = (out.len16, where(i)), i + 1
            continue
        if c == "]" and link is not None:
            m = re.match(r"\]\(((?:\\.|[^)\\])*)\)", src[i:])
            if not m:
                raise _fail(f"Can't find end of a url at byte offset {where(i)}")
            out.entity("text_link", link[0], url=re.sub(r"\\(.)", r"\1", m.group(1)))
            link, i = None, i + m.end()
            continue
        if v2 and c in _MD_RESERVED and not (c == ">" and (i == 0 or src[i - 1] == "\n")):  # > opens a quote
            raise _fail(f"Character '{c}' is reserved and must be escaped with the preceding '\\'")
        out.add(c if c != ">" or not v2 else "")
        i += 1
    if opened or link:
        tok, (_, at) = min(opened.items(), key=lambda kv: kv[1][1]) if opened else ("[", (0, link[1]))
        name = _MD_NAMES.get(tok, "TextUrl").title().replace("_", "")
        raise _fail(f"Can't find end of {name} entity at byte offset {at}" if v2
                    else f"Can't find end of the entity starting at byte offset {at}")
    return "".join(out.parts), out.entities


_AUTO = [("bot_command", re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/@])")),
         ("mention", re.compile(r"(?<![\w@])@[A-Za-z][A-Za-z0-9_]{3,31}\b")),
         ("url", re.compile(r"\bhttps?://[^\s<>\"]+[^\s<>\".,;:!?)\]]"))]


def parse_text(text, parse_mode=None, entities=None, *, what: str = "message text") -> tuple[str, list[dict]]:
    """Validate and parse a text the way sendMessage does; returns (plain text, entities)."""
    if not isinstance(text, str) or not text:
        raise bad(f"{what} is empty")
    mode = (parse_mode or "").lower()
    if mode == "html":
        plain, ents = _parse_html(text)
    elif mode in ("markdown", "markdownv2"):
        plain, ents = _parse_markdown(text, v2=mode == "markdownv2")
    elif mode:
        raise bad("unsupported parse_mode")
    else:
        plain, ents = text, [dict(e) for e in entities or []]
    if not plain.strip():
        raise bad(f"{what} is empty")
    if len(plain) > MAX_TEXT:
        raise bad("message is too long")
    taken = [(e["offset"], e["offset"] + e["length"]) for e in ents]
    for kind, rx in _AUTO:
        for m in rx.finditer(plain):
            start = _u16(plain[:m.start()])
            end = start + _u16(m.group())
            if not any(a < end and start < b for a, b in taken):
                ents.append({"type": kind, "offset": start, "length": end - start})
                taken.append((start, end))
    ents.sort(key=lambda e: (e["offset"], -e["length"]))
    return plain, ents


def _image_size(data: bytes) -> tuple[int, int]:
    """(width, height) of a PNG or JPEG upload; anything else is refused as Telegram refuses it."""
    if data.startswith(PNG_SIGNATURE) and data[12:16] == b"IHDR":
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data.startswith(b"\xff\xd8"):
        index = 2
        while index + 9 < len(data):
            marker, length = data[index + 1], int.from_bytes(data[index + 2:index + 4], "big")
            if marker in (0xC0, 0xC2):
                return int.from_bytes(data[index + 7:index + 9], "big"), int.from_bytes(data[index + 5:index + 7], "big")
            index += 2 + length
    raise bad("IMAGE_PROCESS_FAILED")


def check_markup(markup):
    """Validate an inline keyboard (callback_data at most 64 bytes, text required)."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad("can't parse reply keyboard markup JSON object")
    for row in markup.get("inline_keyboard", []):
        for button in row:
            if not button.get("text"):
                raise bad("text buttons are unallowed in the inline keyboard")
            if len(button.get("callback_data", "").encode()) > 64:
                raise bad("BUTTON_DATA_INVALID")
    return markup


# ---------------------------------------------------------------- state

class TelegramState:
    """Everything the fake server knows. Public methods are thread-safe (one re-entrant lock)."""

    def __init__(self, *, bot_id: int = 7000000001, bot_username: str = "supportbot_test_bot"):
        self.lock = threading.RLock()
        # Seconds since the epoch for dates, send times and flood limits; a test may run it by hand.
        self.clock: Callable[[], float] = time.time
        self.bot_user = {"id": bot_id, "is_bot": True, "first_name": "Support Bot", "username": bot_username}
        self.users: dict[int, dict] = {}
        self.chats: dict = {}
        self.messages: dict[tuple, dict] = {}
        self.updates: list[dict] = []
        self.next_update_id = 500000001
        self.allowed_updates: list[str] | None = None
        self.callbacks: dict[str, dict] = {}
        self.answers: list[dict] = []
        self.my_commands: dict[tuple, list] = {}
        self.webhook = {"url": "", "allowed_updates": None}
        self.log: list[dict] = []
        self.failures: list[dict] = []
        self.random_failure: tuple | None = None
        self.limiter = None  # a RateLimiter (telegram_api.py) when flood limits are on

    def _wake(self) -> None:  # after an update is queued; the server ends long polls
        pass

    # ---- control: raw updates (anything Telegram might send, well-formed or not)
    def push_raw_update(self, body: dict, *, update_id: int | None = None) -> int:
        """Queue an update exactly as given, under a new update id or a given one (a redelivery after a
        crash); returns its update id."""
        with self.lock:
            if update_id is None:
                update_id = self.next_update_id
                self.next_update_id += 1
            self.updates.append({"update_id": update_id, **copy.deepcopy(body)})
            self.updates.sort(key=lambda u: u["update_id"])
            self._wake()
            return update_id

    def raw_message(self, chat_id: int, user_id: int, text: str | None, **fields) -> dict:
        """A message body as a user's client would produce it, not stored (for push_raw_update);
        a field given as None is left out."""
        with self.lock:
            chat = self._chat(chat_id)
            message_id = chat["next_id"]
            chat["next_id"] += 1
            body = {"message_id": message_id, "from": dict(self._user(user_id)), "chat": dict(chat["json"]),
                    "date": int(self.clock()), "text": text, **fields}
            return {key: value for key, value in body.items() if value is not None}

    # ---- helpers
    def _chat(self, chat_id) -> dict:
        if chat_id is None or chat_id == "":
            raise bad("chat_id is empty")
        if isinstance(chat_id, str) and not re.fullmatch(r"-?\d+", chat_id):
            chat_id = next((c for c, v in self.chats.items() if v["json"].get("username") == chat_id.lstrip("@")), 0)
        chat = self.chats.get(int(chat_id))
        if chat is None:
            raise bad("chat not found")
        return chat

    def _user(self, user_id: int) -> dict:
        return self.users.setdefault(user_id, {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"})

    def _record(self, chat_id, message_id) -> dict | None:
        rec = self.messages.get((int(chat_id), int(message_id or 0)))
        return None if rec is None or rec["deleted"] else rec

    def _new_message(self, chat: dict, sender: dict, *, reply_to=None, thread_id=None, kind="text",
                     allow_missing_reply=False, **fields) -> dict:
        if thread_id and thread_id not in chat["topics"]:
            raise bad("message thread not found")
        if reply_to is not None and self._record(chat["json"]["id"], reply_to) is None:
            if not allow_missing_reply:
                raise bad("message to be replied not found")
            reply_to = None
        explicit_reply = reply_to
        if reply_to is None and thread_id and self._record(chat["json"]["id"], thread_id):
            reply_to = thread_id  # messages in a topic answer its creation message, as on Telegram
        message_id = chat["next_id"]
        chat["next_id"] += 1
        msg = {"message_id": message_id, "from": dict(sender), "chat": dict(chat["json"]), "date": int(self.clock())}
        if thread_id:
            msg.update(message_thread_id=thread_id, is_topic_message=True)
        if reply_to is not None:
            parent = self._record(chat["json"]["id"], reply_to)["msg"]
            msg["reply_to_message"] = {k: v for k, v in parent.items() if k != "reply_to_message"}
        msg.update({k: v for k, v in fields.items() if v not in (None, [])})
        self.messages[(chat["json"]["id"], message_id)] = {
            "msg": msg, "from_bot": sender["id"] == self.bot_user["id"], "deleted": False, "kind": kind,
            "sent_at": self.clock(), "edited_at": [], "history": [], "meta": {}, "reply_to": explicit_reply}
        return msg

    def _enqueue(self, kind: str, obj: dict) -> None:
        self.updates.append({"update_id": self.next_update_id, kind: copy.deepcopy(obj)})
        self.next_update_id += 1
        self._wake()

    def _member(self, chat: dict, user: dict) -> dict:
        if user["id"] in chat["admins"] or (user["id"] == self.bot_user["id"] and chat["bot_is_admin"]):
            rights = dict.fromkeys(("can_manage_chat", "can_delete_messages", "can_manage_video_chats",
                                    "can_restrict_members", "can_change_info", "can_invite_users",
                                    "can_pin_messages", "can_manage_topics"), True)
            rights.update(dict.fromkeys(("can_be_edited", "is_anonymous", "can_promote_members", "can_post_stories",
                                         "can_edit_stories", "can_delete_stories"), False))
            return {"status": "administrator", "user": dict(user), **rights}
        return {"status": "member", "user": dict(user)}

    # ---- the request pipeline (called by the server with the lock held)
    def handle(self, method: str, params: dict):
        key = method.lower()
        fn = getattr(self, "api_" + key, None)
        if fn is None:
            raise ApiError(404, "Not Found")
        rule = next((r for r in self.failures if r["method"] in (key, "*")), None)
        if rule:
            rule["count"] -= 1
            if rule["count"] <= 0:
                self.failures.remove(rule)
            if not rule["after_effect"]:
                raise rule["error"]
        if self.random_failure and key in self.random_failure[3] and self.random_failure[1].random() < self.random_failure[0]:
            raise too_many(self.random_failure[2])
        limited = self.limiter and key in self.limiter.limits.methods and params.get("chat_id") is not None
        if limited:
            chat = self._chat(params["chat_id"])
            cid, group, now = chat["json"]["id"], chat["json"]["type"] in ("group", "supergroup"), self.clock()
            wait = self.limiter.check(cid, group, now)
            if wait is not None:
                raise too_many(wait)
        result = fn(params)
        if limited:
            self.limiter.commit(cid, group, now)
        if rule:
            raise rule["error"]
        return copy.deepcopy(result)

    # ---- Bot API methods
    def api_getme(self, p):
        return {**self.bot_user, "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False, "can_connect_to_business": False, "has_main_web_app": False}

    def take_updates(self, p) -> list[dict]:
        offset, limit = p.get("offset"), max(1, min(int(p.get("limit") or 100), 100))
        if p.get("allowed_updates") is not None:
            self.allowed_updates = list(p["allowed_updates"]) or None
        if offset and offset < 0:
            self.updates = self.updates[offset:]
        elif offset:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        wanted = (lambda kind: kind in self.allowed_updates) if self.allowed_updates else (
            lambda kind: kind not in NOT_DEFAULT_UPDATES)  # types not wanted are never kept, as on Telegram
        self.updates = [u for u in self.updates if wanted(next(k for k in u if k != "update_id"))]
        return self.updates[:limit]

    def api_getupdates(self, p):
        if self.webhook["url"]:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                "use deleteWebhook to delete the webhook first")
        return self.take_updates(p)

    def api_setwebhook(self, p):
        if not str(p.get("url", "")).startswith("https://") and p.get("url"):
            raise bad("bad webhook: An HTTPS URL must be provided for webhook")
        self.webhook = {"url": p.get("url", ""), "allowed_updates": p.get("allowed_updates")}
        return True

    def api_deletewebhook(self, p):
        self.webhook = {"url": "", "allowed_updates": None}
        if p.get("drop_pending_updates"):
            self.updates.clear()
        return True

    def api_getwebhookinfo(self, p):
        return {"url": self.webhook["url"], "has_custom_certificate": False, "pending_update_count": len(self.updates),
                **{k: v for k, v in self.webhook.items() if k == "allowed_updates" and v}}

    def _scope_key(self, p) -> tuple:
        return json.dumps(p.get("scope") or {"type": "default"}, sort_keys=True), p.get("language_code") or ""

    def api_setmycommands(self, p):
        commands = p.get("commands")
        if not isinstance(commands, list):
            raise bad("can't parse commands JSON object")
        for c in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(c.get("command", ""))):
                raise bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(c.get("description") or "")) <= 256:
                raise bad("BOT_COMMAND_DESCRIPTION_INVALID")
        self.my_commands[self._scope_key(p)] = [{"command": c["command"], "description": c["description"]} for c in commands]
        return True

    def api_getmycommands(self, p):
        return self.my_commands.get(self._scope_key(p), [])

    def api_deletemycommands(self, p):
        self.my_commands.pop(self._scope_key(p), None)
        return True

    def _sendable(self, p) -> dict:
        if p.get("chat_id") is None:
            raise bad("chat_id is empty")
        try:
            chat = self._chat(p["chat_id"])
        except ApiError:
            if str(p["chat_id"]).lstrip("-").isdigit() and int(p["chat_id"]) in self.users:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user") from None
            raise
        if chat["blocked"]:
            kind = chat["json"]["type"]
            raise ApiError(403, "Forbidden: bot was blocked by the user" if kind == "private"
                           else f"Forbidden: bot was kicked from the {kind} chat")
        return chat

    def api_sendmessage(self, p):
        chat = self._sendable(p)
        text, entities = parse_text(p.get("text"), p.get("parse_mode"), p.get("entities"))
        markup = check_markup(p.get("reply_markup"))
        rp = p.get("reply_parameters") or {}
        msg = self._new_message(
            chat, self.bot_user, reply_to=rp.get("message_id", p.get("reply_to_message_id")),
            thread_id=p.get("message_thread_id"), text=text, entities=entities, reply_markup=markup,
            allow_missing_reply=rp.get("allow_sending_without_reply", p.get("allow_sending_without_reply", False)),
            link_preview_options=p.get("link_preview_options"))
        self.messages[(chat["json"]["id"], msg["message_id"])]["meta"] = {
            k: p.get(k) for k in ("parse_mode", "disable_notification", "link_preview_options", "protect_content")}
        return msg

    def api_sendphoto(self, p):
        """A photo uploaded in a multipart request (a file id or URL names a photo Telegram knows: not here)."""
        chat = self._sendable(p)
        upload = p.get("photo")
        if upload is None:
            raise bad("there is no photo in the request")
        if not isinstance(upload, dict):
            raise bad("wrong file identifier/HTTP URL specified")
        width, height = _image_size(upload["data"])
        caption, entities = parse_text(p.get("caption") or "", p.get("parse_mode"), p.get("caption_entities"),
                                       what="message caption") if p.get("caption") else ("", [])
        if len(caption.encode("utf-16-le")) // 2 > MAX_CAPTION:
            raise bad("message caption is too long")
        rp = p.get("reply_parameters") or {}
        file_id = f"AgAC{len(self.messages):06d}"
        photo = [{"file_id": file_id, "file_unique_id": file_id[-8:], "width": width, "height": height,
                  "file_size": len(upload["data"])}]
        msg = self._new_message(
            chat, self.bot_user, kind="photo", reply_to=rp.get("message_id", p.get("reply_to_message_id")),
            thread_id=p.get("message_thread_id"), photo=photo, caption=caption or None, caption_entities=entities,
            reply_markup=check_markup(p.get("reply_markup")),
            allow_missing_reply=rp.get("allow_sending_without_reply", p.get("allow_sending_without_reply", False)))
        self.messages[(chat["json"]["id"], msg["message_id"])]["meta"] = {
            "parse_mode": p.get("parse_mode"), "filename": upload["filename"], "data": upload["data"]}
        return msg

    def _editable(self, p, what="edit") -> dict:
        if p.get("inline_message_id"):
            raise bad("inline messages are not supported here")
        rec = self._record(self._chat(p.get("chat_id"))["json"]["id"], p.get("message_id"))
        if rec is None:
            raise bad(f"message to {what} not found")
        if not rec["from_bot"] and what == "edit":
            raise bad("message can't be edited")
        return rec

    def _apply_edit(self, rec: dict, **new) -> dict:
        msg = rec["msg"]
        if all((msg.get(k) or None) == (v or None) for k, v in new.items()):
            raise bad("message is not modified: specified new message content and reply markup are exactly "
                      "the same as a value of the current content and reply markup of the message")
        if new.get("text", msg.get("text")) != msg.get("text"):
            rec["history"].append(msg.get("text"))
        msg.update({k: v for k, v in new.items() if v})
        for k in [k for k, v in new.items() if not v]:
            msg.pop(k, None)
        msg["edit_date"] = int(self.clock())
        rec["edited_at"].append(self.clock())
        return msg

    def api_editmessagetext(self, p):
        rec = self._editable(p)
        text, entities = parse_text(p.get("text"), p.get("parse_mode"), p.get("entities"))
        rec["meta"]["parse_mode"] = p.get("parse_mode")
        return self._apply_edit(rec, text=text, entities=entities, reply_markup=check_markup(p.get("reply_markup")))

    def api_editmessagereplymarkup(self, p):
        return self._apply_edit(self._editable(p), reply_markup=check_markup(p.get("reply_markup")))

    def api_deletemessage(self, p):
        chat, rec = self._chat(p.get("chat_id")), self._editable(p, "delete")
        if not rec["from_bot"] and chat["json"]["type"] != "private" and not chat["bot_is_admin"]:
            raise bad("message can't be deleted")
        rec["deleted"] = True
        return True

    def api_answercallbackquery(self, p):
        query = self.callbacks.get(str(p.get("callback_query_id")))
        if query is None or query["answered"]:
            raise bad("query is too old and response timeout expired or query ID is invalid")
        query["answered"] = True
        self.answers.append({"callback_query_id": str(p["callback_query_id"]), "time": self.clock(),
                             **{k: p.get(k) for k in ("text", "show_alert", "url", "cache_time")}})
        return True

    def api_getchat(self, p):
        chat = self._chat(p.get("chat_id"))
        return {**chat["json"], "accent_color_id": 0, "max_reaction_count": 11,
                "accepted_gift_types": dict.fromkeys(("unlimited_gifts", "limited_gifts", "unique_gifts",
                                                      "premium_subscription", "gifts_from_channels"), False)}

    def api_getchatmember(self, p):
        chat, uid = self._chat(p.get("chat_id")), int(p.get("user_id") or 0)
        if uid != self.bot_user["id"] and uid not in self.users:
            raise bad("user not found")
        return self._member(chat, self.bot_user if uid == self.bot_user["id"] else self.users[uid])

    def api_getchatadministrators(self, p):
        chat = self._chat(p.get("chat_id"))
        if chat["json"]["type"] == "private":
            raise bad("there are no administrators in the private chat")
        admins = [self._user(uid) for uid in sorted(chat["admins"])]
        return [self._member(chat, u) for u in admins + ([self.bot_user] if chat["bot_is_admin"] else [])]

    def api_createforumtopic(self, p):
        chat = self._chat(p.get("chat_id"))
        if not chat["json"].get("is_forum"):
            raise bad("the chat is not a forum")
        if not chat["bot_is_admin"]:
            raise bad("not enough rights to create a topic")
        if not 1 <= len(p.get("name") or "") <= 128:
            raise bad("TOPIC_TITLE_EMPTY" if not p.get("name") else "TOPIC_TITLE_INVALID")
        return self._topic(chat, p["name"], self.bot_user, p.get("icon_color") or 7322096)

    def _topic(self, chat: dict, name: str, sender: dict, icon_color: int = 7322096) -> dict:
        thread_id = chat["next_id"]
        chat["topics"][thread_id] = name
        self._new_message(chat, sender, thread_id=thread_id, kind="service",
                          forum_topic_created={"name": name, "icon_color": icon_color})
        return {"message_thread_id": thread_id, "name": name, "icon_color": icon_color}
