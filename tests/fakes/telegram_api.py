"""A local fake of the Telegram Bot API for end-to-end tests.

It speaks the real HTTP shapes (``/bot<token>/<method>``, JSON, form-encoded or multipart
parameters, ``{"ok": ..., "result"/"error_code"/"description"/"parameters"}`` answers), keeps
chats, messages and the update queue, and can apply flood limits and injected failures.

python-telegram-bot appends the token to ``base_url`` itself, so a bot is pointed at the fake
with ``Bot(fake.token, base_url=fake.base_url)`` or ``telegram.api_base_url = fake.base_url``.

Run standalone (e.g. for a benchmark): ``python -m tests.fakes.telegram_api --port 8081``.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import inspect
import json
import math
import random
import re
import time
from collections import deque
from dataclasses import dataclass, field, replace

from aiohttp import web

from .serving import ServerThread, serve_until_interrupted
from .telegram_state import SEND_METHODS, ApiError, TelegramState, bad, parse_text

__all__ = ["ApiError", "FakeTelegram", "RateLimits", "DEFAULT_TOKEN"]

DEFAULT_TOKEN = "7000000001:AAFakeTokenForSupportbotTests_0123456"
_JSON_KEYS = {"reply_markup", "reply_parameters", "link_preview_options", "allowed_updates", "commands",
              "scope", "entities", "caption_entities"}
_INT_KEYS = {"chat_id", "message_id", "offset", "limit", "timeout", "message_thread_id", "reply_to_message_id",
             "user_id", "cache_time", "icon_color", "max_connections"}
_BOOL_KEYS = {"disable_notification", "show_alert", "drop_pending_updates", "allow_sending_without_reply",
              "protect_content"}
_MAX_POLL = 50.0
DESCRIPTIONS = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden: bot was blocked by the user",
                404: "Not Found", 409: "Conflict", 500: "Internal Server Error", 502: "Bad Gateway",
                503: "Service Unavailable", 504: "Gateway Timeout"}


def _normalise(raw: dict) -> dict:
    """Turn form values (all strings; PTB JSON-encodes non-string values) into typed values."""
    out = {}
    for key, value in raw.items():
        if isinstance(value, str):
            if key in _JSON_KEYS:
                try:
                    value = json.loads(value)
                except ValueError:
                    raise bad(f"can't parse {key} JSON object") from None
            elif key in _INT_KEYS and re.fullmatch(r"-?\d+(\.\d+)?", value):
                value = int(float(value))
            elif key in _BOOL_KEYS:
                value = value.lower() in ("true", "1")
        out[key] = value
    return out


@dataclass
class RateLimits:
    """Flood limits: ~1 msg/s per chat with a small burst, 20/min per group, 30/s overall."""

    per_chat_per_second: float = 1.0
    per_chat_burst: int = 3
    per_group_per_minute: int = 20
    global_per_second: int = 30
    methods: frozenset = field(default_factory=lambda: SEND_METHODS)


class RateLimiter:
    def __init__(self, limits: RateLimits):
        limits = replace(limits, methods=frozenset(m.lower() for m in limits.methods))
        self.limits, self.buckets, self.groups, self.overall = limits, {}, {}, deque()

    def check(self, chat_id, is_group: bool, now: float) -> int | None:
        """Seconds to wait (integer, >= 1) if a message now would exceed a limit, else None."""
        lim, waits = self.limits, []
        tokens, last = self.buckets.get(chat_id, (lim.per_chat_burst, now))
        tokens = min(lim.per_chat_burst, tokens + (now - last) * lim.per_chat_per_second)
        self.buckets[chat_id] = (tokens, now)
        if tokens < 1:
            waits.append((1 - tokens) / lim.per_chat_per_second)
        window = self.groups.setdefault(chat_id, deque())
        while window and window[0] <= now - 60:
            window.popleft()
        if is_group and len(window) >= lim.per_group_per_minute:
            waits.append(window[0] + 60 - now)
        while self.overall and self.overall[0] <= now - 1:
            self.overall.popleft()
        if len(self.overall) >= lim.global_per_second:
            waits.append(self.overall[0] + 1 - now)
        return max(1, math.ceil(max(waits))) if waits else None

    def commit(self, chat_id, is_group: bool, now: float) -> None:
        tokens, _ = self.buckets[chat_id]
        self.buckets[chat_id] = (tokens - 1, now)
        if is_group:
            self.groups[chat_id].append(now)
        self.overall.append(now)


class FakeTelegram(TelegramState):
    """The fake Bot API server, run in a background thread; the control API is thread-safe."""

    def __init__(self, token: str = DEFAULT_TOKEN, *, host: str = "127.0.0.1", port: int = 0,
                 bot_username: str = "supportbot_test_bot", rate_limits: RateLimits | bool | None = None):
        super().__init__(bot_id=int(token.split(":")[0]), bot_username=bot_username)
        self.set_rate_limits(rate_limits)
        self.token, self.host, self.port = token, host, port
        self._server = ServerThread("fake-telegram")
        self._runner: web.AppRunner | None = None
        self._event: asyncio.Event | None = None
        self._poll_gen = 0
        self._closing = False
        self._next_callback = 4410000000000000001
        self._outage: dict | None = None  # {"until": monotonic, "status": int, "methods": set}
        self._slow: dict | None = None  # {"delay": seconds, "methods": set, "count": int | None}

    # ------------------------------------------------------------ lifecycle
    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self.host}:{self.port}/file/bot"

    def start(self) -> FakeTelegram:
        self._closing = False
        self._server.start(self._serve)
        return self

    async def _serve(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        self._event = asyncio.Event()

    def stop(self) -> None:
        self._server.stop(self._close)

    async def _close(self) -> None:
        self._closing = True
        self._wake_now()  # long polls answer now
        if self._runner is not None:
            await self._runner.cleanup()

    def __enter__(self) -> FakeTelegram:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _wake(self) -> None:
        self._server.soon(self._wake_now)

    def _wake_now(self) -> None:
        if self._event is not None:
            self._event.set()
            self._event = asyncio.Event()

    # ------------------------------------------------------------ HTTP
    async def _handle(self, request: web.Request) -> web.Response:
        m = re.fullmatch(r"bot([^/]*)/(\w+)", request.match_info["tail"])
        method, params, status = (m.group(2) if m else request.path), {}, 200
        try:
            if not m or not re.fullmatch(r"\d+:[\w-]+", m.group(1)):
                raise ApiError(404, "Not Found")
            if m.group(1) != self.token:
                raise ApiError(401, "Unauthorized")
            params = await self._params(request)
            if method.lower() == "getupdates":
                result = await self._get_updates(params)
            else:
                with self.lock:
                    self._outage_check(method)
                    result = self.handle(method, params)
                    delay = self._slow_delay(method)
                if delay:
                    await asyncio.sleep(delay)  # taken already: only the answer is late
            body = {"ok": True, "result": result}
        except ApiError as exc:
            body, status = exc.body(), exc.status
        except (ValueError, TypeError, KeyError, AttributeError) as exc:  # parameters of the wrong shape
            body, status = ApiError(400, f"Bad Request: invalid parameters ({exc!r})").body(), 400
        with self.lock:
            self.log.append({"method": method, "time": self.clock(), "status": status, "params": params})
        return web.json_response(body, status=status)

    async def _params(self, request: web.Request) -> dict:
        raw: dict = dict(request.query)
        if request.body_exists:
            if request.content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError:
                    raise bad("can't parse JSON request body") from None
                raw.update(body if isinstance(body, dict) else {})
            elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
                form = await request.post()
                raw.update({k: v for k, v in form.items() if isinstance(v, str)})
                # Uploaded files (sendPhoto's photo): their name, type and bytes.
                raw.update({k: {"filename": v.filename, "content_type": v.content_type, "data": v.file.read()}
                            for k, v in form.items() if isinstance(v, web.FileField)})
        return _normalise(raw)

    async def _get_updates(self, params: dict) -> list:
        with self.lock:
            result = self.handle("getUpdates", params)
            self._poll_gen += 1
            gen = self._poll_gen
        self._wake_now()  # an older long poll still waiting now ends with 409
        deadline = time.monotonic() + min(max(float(params.get("timeout") or 0), 0.0), _MAX_POLL)
        while not result and not self._closing:
            event = self._event
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                pass
            if gen != self._poll_gen:
                raise ApiError(409, "Conflict: terminated by other getUpdates request; "
                                    "make sure that only one bot instance is running")
            with self.lock:
                result = copy.deepcopy(self.take_updates({k: v for k, v in params.items() if k != "allowed_updates"}))
        return result

    # ------------------------------------------------------------ control: world
    def add_chat(self, chat_id: int, type: str = "supergroup", title: str | None = None, *,  # noqa: A002
                 is_forum: bool = False, bot_is_admin: bool = True, username: str | None = None) -> dict:
        with self.lock:
            if type == "private":
                user = self._user(chat_id)
                info = {"id": chat_id, "type": "private", "first_name": user["first_name"]}
                info.update({"username": user["username"]} if user.get("username") else {})
            else:
                info = {"id": chat_id, "type": type, "title": title or f"Chat {chat_id}"}
                info.update({"is_forum": True} if is_forum else {})
                info.update({"username": username} if username else {})
            self.chats[chat_id] = {"json": info, "bot_is_admin": bot_is_admin and type != "private", "admins": set(),
                                   "topics": {}, "next_id": 1, "blocked": False}
            return dict(info)

    def add_user(self, user_id: int, first_name: str, username: str | None = None, *, last_name=None) -> dict:
        with self.lock:
            user = {"id": user_id, "is_bot": False, "first_name": first_name}
            user.update({k: v for k, v in (("last_name", last_name), ("username", username)) if v})
            self.users[user_id] = user
            return dict(user)

    def set_admin(self, chat_id: int, user_id: int, admin: bool = True) -> None:
        """Make a user (or the bot, by its id) an administrator of a group, or not."""
        with self.lock:
            chat = self._chat(chat_id)
            if user_id == self.bot_user["id"]:
                chat["bot_is_admin"] = admin
            else:
                (chat["admins"].add if admin else chat["admins"].discard)(user_id)

    def set_bot_blocked(self, chat_id: int, blocked: bool = True) -> None:
        """Private chat: the user blocked the bot. Group: the bot was removed. Sends then get 403."""
        with self.lock:
            self._chat(chat_id)["blocked"] = blocked

    def post_message(self, chat_id: int, user_id: int, text: str | None = None, *, reply_to: int | None = None,
                     thread_id: int | None = None, photo: bool = False, caption: str | None = None) -> int:
        """A user writes in a chat (a private chat is created on first use); queues the update."""
        with self.lock:
            user = self._user(user_id)
            if chat_id not in self.chats and chat_id == user_id:
                self.add_chat(chat_id, "private")
            chat = self._chat(chat_id)
            fields: dict = {}
            if photo:
                fields["photo"] = [{"file_id": f"AgAC{chat_id}_{chat['next_id']}_{w}", "width": w, "height": w * 3 // 4,
                                    "file_unique_id": f"AQAD{chat['next_id']}{w}", "file_size": w * 90}
                                   for w in (90, 320, 1280)]
                if caption:
                    fields["caption"], fields["caption_entities"] = parse_text(caption, what="caption")
            else:
                fields["text"], fields["entities"] = parse_text(text)
            msg = self._new_message(chat, user, reply_to=reply_to, thread_id=thread_id,
                                    kind="photo" if photo else "text", **fields)
            self._enqueue("message", msg)
            return msg["message_id"]

    def edit_message(self, chat_id: int, message_id: int, user_id: int, new_text: str) -> None:
        with self.lock:
            rec = self._record(chat_id, message_id)
            if rec is None or rec["msg"]["from"]["id"] != user_id:
                raise KeyError(f"no message {message_id} of user {user_id} in chat {chat_id}")
            key = "caption" if "photo" in rec["msg"] else "text"
            text, entities = parse_text(new_text, what=key)
            entities_key = "caption_entities" if key == "caption" else "entities"
            self._enqueue("edited_message", self._apply_edit(rec, **{key: text, entities_key: entities}))

    def press_button(self, chat_id: int, message_id: int, user_id: int, data: str, *, strict: bool = True) -> str:
        """A user presses an inline button; returns the callback query id."""
        with self.lock:
            rec = self._record(chat_id, message_id)
            if rec is None:
                raise KeyError(f"no message {message_id} in chat {chat_id}")
            rows = (rec["msg"].get("reply_markup") or {}).get("inline_keyboard", [])
            if strict and data not in [b.get("callback_data") for row in rows for b in row]:
                raise KeyError(f"message {message_id} has no button with callback_data {data!r}")
            query_id = str(self._next_callback)
            self._next_callback += 1
            self.callbacks[query_id] = {"answered": False, "time": self.clock()}
            self._enqueue("callback_query", {"id": query_id, "from": self._user(user_id), "data": data,
                                             "chat_instance": str(-abs(chat_id) * 7919), "message": rec["msg"]})
            return query_id

    def create_topic(self, chat_id: int, name: str, user_id: int) -> int:
        """A user creates a forum topic; queues the service message and returns the thread id."""
        with self.lock:
            chat = self._chat(chat_id)
            if not chat["json"].get("is_forum"):
                raise ValueError(f"chat {chat_id} is not a forum")
            topic = self._topic(chat, name, self._user(user_id))
            self._enqueue("message", self._record(chat_id, topic["message_thread_id"])["msg"])
            return topic["message_thread_id"]

    # ------------------------------------------------------------ control: failures and limits
    def fail_next(self, method: str, status: int, count: int = 1, retry_after: int | None = None,
                  description: str | None = None, *, after_effect: bool = False) -> None:
        """The next `count` calls of `method` ("*" for any) answer with `status`. With
        after_effect the call takes effect first and only its answer is lost (a sent message stays)."""
        if status == 429:
            retry_after = retry_after or 1
            description = description or f"Too Many Requests: retry after {retry_after}"
        error = ApiError(status, description or DESCRIPTIONS.get(status, "Error"), retry_after)
        with self.lock:
            self.failures.append({"method": method.lower(), "count": count, "error": error,
                                  "after_effect": after_effect})

    def outage(self, seconds: float, status: int = 503, methods=SEND_METHODS) -> None:
        """For the next `seconds`, answer `status` (a 5xx) to these methods and take nothing: Telegram is down."""
        with self.lock:
            self._outage = {"until": time.monotonic() + seconds, "status": status,
                            "methods": {m.lower() for m in methods}}

    def slow_answers(self, delay: float, methods=frozenset({"sendmessage"}), count: int | None = None) -> None:
        """Take these calls at once but answer only after `delay` seconds (the next `count`, or all;
        0 switches it off): a client with a shorter timeout gives up on a message that was delivered."""
        with self.lock:
            self._slow = ({"delay": delay, "methods": {m.lower() for m in methods}, "count": count}
                          if delay > 0 else None)

    def _outage_check(self, method: str) -> None:
        outage = self._outage
        if outage is None or method.lower() not in outage["methods"]:
            return
        if time.monotonic() >= outage["until"]:
            self._outage = None
            return
        raise ApiError(outage["status"], DESCRIPTIONS.get(outage["status"], "Error"))

    def _slow_delay(self, method: str) -> float:
        slow = self._slow
        if slow is None or method.lower() not in slow["methods"]:
            return 0.0
        if slow["count"] is not None:
            slow["count"] -= 1
            if slow["count"] <= 0:
                self._slow = None
        return slow["delay"]

    def set_rate_limits(self, limits: RateLimits | bool | None) -> None:
        """Switch flood limits on (True: Telegram's defaults, or given RateLimits) or off (None/False)."""
        with self.lock:
            limits = RateLimits() if limits is True else limits or None
            self.limiter = RateLimiter(limits) if limits else None

    def random_429(self, probability: float, seed: int = 0, retry_after: int = 1, methods=SEND_METHODS) -> None:
        """Answer 429 at random (seeded) with this probability; 0 switches it off."""
        with self.lock:
            self.random_failure = ((probability, random.Random(seed), retry_after, {m.lower() for m in methods})
                                   if probability > 0 else None)

    # ------------------------------------------------------------ control: inspection
    def _view(self, key: tuple, rec: dict) -> dict:
        msg, markup = rec["msg"], rec["msg"].get("reply_markup")
        return {"chat_id": key[0], "message_id": key[1], "text": msg.get("text"), "entities": msg.get("entities", []),
                "reply_markup": markup, "buttons": [b for row in (markup or {}).get("inline_keyboard", []) for b in row],
                "reply_to": rec["reply_to"], "thread_id": msg.get("message_thread_id"), "deleted": rec["deleted"],
                "sent_at": rec["sent_at"], "edited_at": list(rec["edited_at"]), "history": rec["history"] + [msg.get("text")],
                **rec["meta"], "message": msg}

    def bot_messages(self, chat_id: int | None = None) -> list[dict]:
        """What the bot sent (text messages, oldest first), as it stands after edits and deletions."""
        with self.lock:
            return copy.deepcopy([self._view(k, r) for k, r in self.messages.items()
                                  if r["from_bot"] and r["kind"] == "text" and chat_id in (None, k[0])])

    def bot_photos(self, chat_id: int | None = None) -> list[dict]:
        """The photos the bot sent, oldest first: chat, message id, caption, the PhotoSize and the uploaded bytes."""
        with self.lock:
            return copy.deepcopy([
                {"chat_id": k[0], "message_id": k[1], "caption": r["msg"].get("caption"),
                 "caption_entities": r["msg"].get("caption_entities", []), "photo": r["msg"]["photo"][-1],
                 "thread_id": r["msg"].get("message_thread_id"), "filename": r["meta"].get("filename"),
                 "data": r["meta"].get("data"), "sent_at": r["sent_at"]}
                for k, r in self.messages.items()
                if r["from_bot"] and r["kind"] == "photo" and not r["deleted"] and chat_id in (None, k[0])])

    def messages_in(self, chat_id: int) -> list[dict]:
        """Every message of a chat, users' and bot's, as the Bot API would render them."""
        with self.lock:
            return copy.deepcopy([r["msg"] for k, r in self.messages.items() if k[0] == chat_id])

    def callback_answers(self) -> list[dict]:
        with self.lock:
            return copy.deepcopy(self.answers)

    def deleted(self, chat_id: int) -> list[int]:
        with self.lock:
            return sorted(k[1] for k, r in self.messages.items() if k[0] == chat_id and r["deleted"])

    def commands(self, scope: dict | None = None, language_code: str = "") -> list[dict]:
        with self.lock:
            return copy.deepcopy(self.api_getmycommands({"scope": scope, "language_code": language_code}))

    def request_log(self) -> list[dict]:
        with self.lock:
            return copy.deepcopy(self.log)

    def count(self, method: str, status: int | None = None) -> int:
        with self.lock:
            return sum(1 for e in self.log if e["method"].lower() == method.lower() and status in (None, e["status"]))

    def pending_updates(self) -> list[dict]:
        with self.lock:
            return copy.deepcopy(self.updates)

    @property
    def polls_started(self) -> int:
        """How many getUpdates calls have arrived so far: a long poll counts as it starts, not when it answers."""
        with self.lock:
            return self._poll_gen

    def dump(self) -> str:
        with self.lock:
            sent = [(m["chat_id"], m["message_id"], m["text"], "deleted" if m["deleted"] else "")
                    for m in self.bot_messages()[-10:]]
            calls = [(e["method"], e["status"]) for e in self.log[-15:] if e["method"].lower() != "getupdates"]
            return (f"bot messages (last 10): {sent}\nrequests (last, without getUpdates): {calls}\n"
                    f"getUpdates calls: {self.count('getUpdates')}; pending updates: {len(self.updates)}")

    def _check(self, predicate):
        return predicate(self) if inspect.signature(predicate).parameters else predicate()

    def wait_for(self, predicate, timeout: float = 10.0, interval: float = 0.01):
        """Poll until predicate() (or predicate(fake)) is truthy; return that value."""
        deadline = time.monotonic() + timeout
        while True:
            value = self._check(predicate)
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"condition not met within {timeout}s\n{self.dump()}")
            time.sleep(interval)

    async def wait_for_async(self, predicate, timeout: float = 10.0, interval: float = 0.01):
        """Like wait_for, without blocking the calling event loop."""
        deadline = time.monotonic() + timeout
        while not (value := self._check(predicate)):
            if time.monotonic() > deadline:
                raise TimeoutError(f"condition not met within {timeout}s\n{self.dump()}")
            await asyncio.sleep(interval)
        return value

    def wait_for_message(self, chat_id: int | None = None, contains: str = "", timeout: float = 10.0) -> dict:
        """Wait for a (not deleted) bot message whose text contains `contains`; return its view."""
        return self.wait_for(lambda: next((m for m in self.bot_messages(chat_id)
                                           if contains in (m["text"] or "") and not m["deleted"]), None), timeout)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Fake Telegram Bot API server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--rate-limits", action="store_true", help="apply Telegram's flood limits")
    parser.add_argument("--chat", type=int, action="append", default=[], help="pre-create a supergroup (repeatable)")
    args = parser.parse_args(argv)
    fake = FakeTelegram(args.token, host=args.host, port=args.port, rate_limits=args.rate_limits)
    for chat_id in args.chat:
        fake.add_chat(chat_id)
    fake.start()
    serve_until_interrupted(fake, f"base_url={fake.base_url}\ntoken={fake.token}")


if __name__ == "__main__":
    main()
