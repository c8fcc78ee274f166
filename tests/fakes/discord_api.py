"""A local fake of Discord: gateway websocket and REST API v10 on one aiohttp server.

Start it in-process (`FakeDiscord().start()`, or as a context manager); it runs
in a background thread with its own event loop, so synchronous tests and
asyncio tests alike can drive it. Point discord.py at it with::

    discord.http.Route.BASE = fake.api_base_url            # REST, interactions, webhooks
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)

(`discord.Client` never calls GET /gateway/bot and always opens DEFAULT_GATEWAY;
only AutoShardedClient asks /gateway/bot. After the last GUILD_CREATE, discord.py
waits `guild_ready_timeout` seconds (2 by default) before on_ready.)

Standalone: ``python -m tests.fakes.discord_api --port 8082`` (see --help);
it also exposes a small JSON control API under /_fake/ for manual poking.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import hashlib
import inspect
import json
import math
import re
import secrets
import time
import traceback
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from aiohttp import WSMsgType, web

from .discord_state import (
    CATEGORY,
    DEFAULT_BOT_PERMISSIONS,
    DM,
    EVERYONE_PERMISSIONS,
    FLAG_EPHEMERAL,
    FLAG_LOADING,
    FORUM,
    I_DIRECT_MESSAGES,
    I_GUILD_MEMBERS,
    I_GUILD_MESSAGES,
    I_GUILDS,
    I_MESSAGE_CONTENT,
    NEWS,
    NEWS_THREAD,
    P_ADD_REACTIONS,
    P_CREATE_PRIVATE_THREADS,
    P_CREATE_PUBLIC_THREADS,
    P_MANAGE_CHANNELS,
    P_MANAGE_MESSAGES,
    P_MANAGE_THREADS,
    P_SEND_MESSAGES,
    P_SEND_MESSAGES_IN_THREADS,
    PNG_1X1,
    PRIVATE_THREAD,
    PRIVILEGED_INTENTS,
    PUBLIC_THREAD,
    TEXT,
    APIError,
    Channel,
    Guild,
    Interaction,
    Member,
    Message,
    Role,
    World,
    err,
    form_errors,
    now_iso,
    validate_commands,
    validate_message,
)
from .serving import ServerThread, serve_until_interrupted

DEFAULT_TOKEN = "MTMwMDAwMDAwMDAwMDAwMDAwMQ.fake.discord-bot-token"
DEFAULT_APPLICATION_ID = 1300000000000000001
JSON_HEADERS = {"Content-Type": "application/json"}
NONCE_WINDOW = 300.0  # seconds Discord remembers an enforced nonce ("the past few minutes")  # exactly this: discord.py compares the header verbatim


@dataclass
class _Rule:
    substring: str
    count: int
    status: int
    retry_after: float = 0.0
    is_global: bool = False
    scope: str = "user"
    body: dict | None = None
    after_handling: bool = False  # the request takes effect, and the answer is still the error


@dataclass
class _Conn:
    ws: web.WebSocketResponse
    info: dict
    compress: bool
    session: _Session | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def __post_init__(self) -> None:
        self._zlib = zlib.compressobj() if self.compress else None

    async def send(self, payload: dict) -> None:
        text = json.dumps(payload, separators=(",", ":"))
        async with self.lock:
            if self._zlib is not None:
                await self.ws.send_bytes(self._zlib.compress(text.encode()) + self._zlib.flush(zlib.Z_SYNC_FLUSH))
            else:
                await self.ws.send_str(text)


@dataclass
class _Session:
    session_id: str
    intents: int
    shard: list | None
    seq: int = 0
    log: list = field(default_factory=list)
    sent: int = 0
    conn: _Conn | None = None
    alive: bool = True
    resumes: int = 0
    flush_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def push(self, event: str, data: Any) -> None:
        self.seq += 1
        self.log.append({"op": 0, "t": event, "s": self.seq, "d": data})

    def wants(self, guild_id: int | None) -> bool:
        if not self.shard:
            return True
        shard_id, count = int(self.shard[0]), int(self.shard[1])
        return shard_id == 0 if guild_id is None else (guild_id >> 22) % count == shard_id


class FakeDiscord:
    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, token: str = DEFAULT_TOKEN,
                 application_id: int = DEFAULT_APPLICATION_ID, bot_user_id: int | None = None,
                 bot_username: str = "supportbot", heartbeat_interval: int = 41250,
                 gateway_compression: bool = True, allowed_privileged_intents: int | None = None,
                 bucket_limit: int = 50, bucket_window: float = 1.0,
                 interaction_timeout: float | None = None) -> None:
        self.host, self._port, self.token = host, port, token
        self.application_id = application_id
        self.bot_user_id = bot_user_id or application_id
        self.heartbeat_interval = heartbeat_interval  # milliseconds, as in HELLO
        self.gateway_compression = gateway_compression
        self.allowed_privileged_intents = allowed_privileged_intents
        self.bucket_limit, self.bucket_window = bucket_limit, bucket_window
        self.interaction_timeout = interaction_timeout
        self.world = World(self.bot_user_id, application_id, bot_username)
        self._sessions: dict[str, _Session] = {}
        self._conns: list[_Conn] = []
        self._connections: list[dict] = []
        self._identify: dict | None = None
        self._requests: list[dict] = []
        self._rules: list[_Rule] = []
        self._buckets: dict[tuple, list] = {}
        self._server = ServerThread("fake-discord")
        self._runner: web.AppRunner | None = None
        self._routes = self._build_routes()

    # ------------------------------------------------------------------ lifecycle
    @property
    def port(self) -> int:
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self._port}"

    @property
    def api_base_url(self) -> str:
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.host}:{self._port}"

    @property
    def resume_gateway_url(self) -> str:
        return f"ws://{self.host}:{self._port}/resume"

    def start(self) -> FakeDiscord:
        try:
            self._server.start(self._astart)
        except BaseException as exc:
            raise RuntimeError("fake Discord failed to start") from exc
        return self

    def stop(self) -> None:
        self._server.stop(self._astop)

    def __enter__(self) -> FakeDiscord:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    async def _astart(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/", self._gateway)
        app.router.add_get("/resume", self._gateway)
        app.router.add_get("/attachments/{path:.*}", self._attachment)
        app.router.add_route("*", "/_fake/{action}", self._fake_control)
        app.router.add_route("*", "/api/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self._port)
        await site.start()
        self._port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.world.base_url = self.base_url

    async def _astop(self) -> None:
        for conn in list(self._conns):
            if not conn.ws.closed:
                await conn.ws.close(code=1001, message=b"fake Discord stopping")
        if self._runner is not None:
            await self._runner.cleanup()

    def _call(self, coro: Any) -> Any:
        return self._server.call(coro)

    def _deliver(self) -> None:
        """Write every queued gateway event to its socket before returning."""
        if self._server.loop is not None:
            self._call(self._flush_all())

    # ------------------------------------------------------------------ gateway
    def _emit(self, event: str, data: dict, *, guild_id: int | None = None, intents: int = 0,
              strip_content: Callable[[_Session], bool] | None = None) -> None:
        with self.world.lock:
            for s in self._sessions.values():
                if not s.alive or (intents and not s.intents & intents) or not s.wants(guild_id):
                    continue
                payload = data
                if strip_content is not None and strip_content(s):
                    payload = dict(data, content="", embeds=[], attachments=[], components=[])
                s.push(event, payload)

    async def _flush_all(self) -> None:
        for s in list(self._sessions.values()):
            await self._flush(s)

    async def _flush(self, s: _Session) -> None:
        async with s.flush_lock:
            while True:
                with self.world.lock:
                    conn = s.conn
                    if conn is None or s.sent >= len(s.log):
                        return
                    payload = s.log[s.sent]
                    s.sent += 1
                try:
                    await conn.send(payload)
                except (ConnectionError, RuntimeError):
                    return

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoping=True)
        if not ws.can_prepare(request).ok:
            return _json(200, {"fake": "discord", "api": self.api_base_url, "gateway": self.gateway_url})
        await ws.prepare(request)
        query = dict(request.query)
        info = {"path": request.path, "query": query, "opened": time.time(), "closed": None, "close_code": None,
                "kind": None, "session_id": None}
        conn = _Conn(ws, info, compress=self.gateway_compression and query.get("compress") == "zlib-stream")
        with self.world.lock:
            self._conns.append(conn)
            self._connections.append(info)
        try:
            if query.get("encoding", "json") != "json":
                await ws.close(code=4002, message=b"Error while decoding payload.")
                return ws
            if query.get("v") not in (None, "9", "10"):
                await ws.close(code=4012, message=b"Invalid API version.")
                return ws
            await conn.send({"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval,
                                             "_trace": ["fake-discord-gateway"]}, "s": None, "t": None})
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    await ws.close(code=4002, message=b"Error while decoding payload.")
                    break
                try:
                    payload = json.loads(msg.data)
                except ValueError:
                    await ws.close(code=4002, message=b"Error while decoding payload.")
                    break
                await self._on_gateway_op(conn, payload)
        finally:
            with self.world.lock:
                if conn.session is not None and conn.session.conn is conn:
                    conn.session.conn = None
                self._conns.remove(conn)
                info["closed"], info["close_code"] = time.time(), ws.close_code
        return ws

    async def _on_gateway_op(self, conn: _Conn, payload: dict) -> None:
        op, d = payload.get("op"), payload.get("d")
        if op == 1:
            await conn.send({"op": 11, "d": None, "s": None, "t": None})
        elif op == 2:
            await self._identify_op(conn, d or {})
        elif op == 6:
            await self._resume_op(conn, d or {})
        elif op in (3, 4, 8):
            if conn.session is None:
                await conn.ws.close(code=4003, message=b"Not authenticated.")
            elif op == 8:
                self._members_chunk(conn.session, d or {})
                await self._flush(conn.session)
        else:
            await conn.ws.close(code=4001, message=b"Unknown opcode.")

    async def _identify_op(self, conn: _Conn, d: dict) -> None:
        with self.world.lock:
            self._identify = json.loads(json.dumps(d))
            conn.info["kind"] = "identify"
        if d.get("token") != self.token:
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        if conn.session is not None:
            await conn.ws.close(code=4005, message=b"Already authenticated.")
            return
        intents = d.get("intents")
        if not isinstance(intents, int) or intents < 0:
            await conn.ws.close(code=4013, message=b"Invalid intent(s).")
            return
        allowed = self.allowed_privileged_intents
        if allowed is not None and intents & PRIVILEGED_INTENTS & ~allowed:
            await conn.ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        w = self.world
        with w.lock:
            for sid in [k for k, s in self._sessions.items() if s.conn is None]:
                self._sessions[sid].alive = False
                del self._sessions[sid]
            s = _Session(secrets.token_hex(16), intents, d.get("shard"))
            s.conn, conn.session = conn, s
            conn.info["session_id"] = s.session_id
            self._sessions[s.session_id] = s
            guilds = [g for g in w.guilds.values() if s.wants(g.id)]
            ready = {
                "v": 10, "user": dict(w.bot.payload(), verified=True, mfa_enabled=True, email=None),
                "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
                "session_id": s.session_id, "session_type": "normal", "resume_gateway_url": self.resume_gateway_url,
                "application": {"id": str(self.application_id), "flags": 0}, "private_channels": [],
                "relationships": [], "presences": [], "guild_join_requests": [], "geo_ordered_rtc_regions": [],
                "user_settings": {}, "_trace": ["fake-discord-gateway"]}
            if s.shard:
                ready["shard"] = s.shard
            s.push("READY", ready)
            for g in guilds:
                s.push("GUILD_CREATE", w.guild_create_payload(g))
        await self._flush(s)

    async def _resume_op(self, conn: _Conn, d: dict) -> None:
        conn.info["kind"] = "resume"
        if d.get("token") != self.token:
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        with self.world.lock:
            s = self._sessions.get(d.get("session_id") or "")
            ok = s is not None and s.alive and s.conn is None
            if ok:
                seq = int(d.get("seq") or 0)
                s.conn, conn.session, s.resumes = conn, s, s.resumes + 1
                conn.info["session_id"] = s.session_id
                s.sent = sum(1 for entry in s.log if entry["s"] <= seq)
                s.push("RESUMED", {"_trace": ["fake-discord-gateway"]})
        if not ok:
            await conn.send({"op": 9, "d": False, "s": None, "t": None})
            return
        await self._flush(s)

    def _members_chunk(self, s: _Session, d: dict) -> None:
        w = self.world
        with w.lock:
            guild = w.guilds.get(int(d.get("guild_id") or 0))
            if guild is None:
                return
            query, wanted = (d.get("query") or "").lower(), {int(u) for u in d.get("user_ids") or []}
            members = [w.member_payload(guild, uid) for uid in guild.members
                       if (not wanted or uid in wanted) and w.user(uid).username.lower().startswith(query)]
            limit = int(d.get("limit") or 0)
            s.push("GUILD_MEMBERS_CHUNK", {"guild_id": str(guild.id), "members": members[:limit] if limit else members,
                                           "chunk_index": 0, "chunk_count": 1, "nonce": d.get("nonce"),
                                           "not_found": [str(u) for u in wanted - set(guild.members)]})

    # ------------------------------------------------------------------ REST plumbing
    def _build_routes(self) -> list:
        table = [
            ("GET", "/gateway", self._r_gateway, False), ("GET", "/gateway/bot", self._r_gateway_bot, True),
            ("GET", "/users/@me", self._r_me, True), ("GET", "/users/{user_id}", self._r_user, True),
            ("POST", "/users/@me/channels", self._r_create_dm, True),
            ("GET", "/oauth2/applications/@me", self._r_app, True), ("GET", "/applications/@me", self._r_app, True),
            ("GET", "/applications/{application_id}/commands", self._r_get_commands, True),
            ("PUT", "/applications/{application_id}/commands", self._r_put_commands, True),
            ("POST", "/applications/{application_id}/commands", self._r_post_command, True),
            ("DELETE", "/applications/{application_id}/commands/{command_id}", self._r_delete_command, True),
            ("GET", "/applications/{application_id}/guilds/{guild_id}/commands", self._r_get_commands, True),
            ("PUT", "/applications/{application_id}/guilds/{guild_id}/commands", self._r_put_commands, True),
            ("POST", "/applications/{application_id}/guilds/{guild_id}/commands", self._r_post_command, True),
            ("DELETE", "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}",
             self._r_delete_command, True),
            ("GET", "/channels/{channel_id}", self._r_get_channel, True),
            ("PATCH", "/channels/{channel_id}", self._r_edit_channel, True),
            ("GET", "/channels/{channel_id}/messages", self._r_history, True),
            ("POST", "/channels/{channel_id}/messages", self._r_send, True),
            ("GET", "/channels/{channel_id}/messages/{message_id}", self._r_get_message, True),
            ("PATCH", "/channels/{channel_id}/messages/{message_id}", self._r_edit_message, True),
            ("DELETE", "/channels/{channel_id}/messages/{message_id}", self._r_delete_message, True),
            ("POST", "/channels/{channel_id}/messages/{message_id}/threads", self._r_thread_from_message, True),
            ("POST", "/channels/{channel_id}/threads", self._r_thread, True),
            ("POST", "/channels/{channel_id}/typing", self._r_no_content, True),
            ("PUT", "/channels/{channel_id}/thread-members/{user_id}",
             functools.partial(self._r_thread_member, True), True),
            ("DELETE", "/channels/{channel_id}/thread-members/{user_id}",
             functools.partial(self._r_thread_member, False), True),
            ("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me",
             functools.partial(self._r_reaction, False), True),
            ("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me",
             functools.partial(self._r_reaction, True), True),
            ("GET", "/guilds/{guild_id}", self._r_guild, True),
            ("GET", "/guilds/{guild_id}/channels", self._r_guild_channels, True),
            ("GET", "/guilds/{guild_id}/roles", self._r_guild_roles, True),
            ("GET", "/guilds/{guild_id}/members", self._r_guild_members, True),
            ("GET", "/guilds/{guild_id}/members/{user_id}", self._r_guild_member, True),
            ("GET", "/guilds/{guild_id}/threads/active", self._r_active_threads, True),
            ("POST", "/interactions/{interaction_id}/{webhook_token}/callback", self._r_callback, False),
            ("GET", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", self._r_webhook_get, False),
            ("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", self._r_webhook_edit, False),
            ("DELETE", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", self._r_webhook_delete, False),
            ("POST", "/webhooks/{webhook_id}/{webhook_token}", self._r_followup, False),
        ]
        routes = []
        for method, template, handler, auth in table:
            pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
            routes.append((method, re.compile(f"^{pattern}$"), template, handler, auth))
        return routes

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        tail = request.match_info["tail"]
        path = "/" + re.sub(r"^v\d+/", "", tail)
        entry: dict[str, Any] = {"method": request.method, "path": path, "query": dict(request.query),
                                 "json": None, "files": [], "file_fields": [], "status": None, "at": time.time()}
        with self.world.lock:
            self._requests.append(entry)
        try:
            payload, files = await _read_body(request)
        except ValueError:
            resp = _json(400, {"message": "The request body contains invalid JSON.", "code": 50109})
        else:
            entry["json"], entry["files"] = payload, [f["filename"] for f in files]
            entry["file_fields"] = [f["field"] for f in files]  # files[0], files[1]... as discord.py names them
            resp = await self._dispatch_rest(request, path, payload, files)
        entry["status"] = resp.status
        return resp

    async def _dispatch_rest(self, request: web.Request, path: str, payload: Any, files: list) -> web.Response:
        method = request.method
        for m, regex, template, handler, auth in self._routes:  # noqa: B007  (the matched route is used after the loop)
            match = regex.match(path)
            if match and m == method:
                break
        else:
            if any(r[1].match(path) for r in self._routes):
                return _json(405, {"message": "405: Method Not Allowed", "code": 0})
            return _json(404, {"message": "404: Not Found", "code": 0})
        params = {k: unquote(v) for k, v in match.groupdict().items()}
        if auth and request.headers.get("Authorization") != f"Bot {self.token}":
            return _error(err("unauthorized"))
        major = tuple(params.get(k) for k in ("channel_id", "guild_id", "webhook_id", "webhook_token",
                                               "interaction_id") if params.get(k))
        bucket = hashlib.md5(f"{method} {template}".encode()).hexdigest()
        route_key = f"{method} {path}"
        with self.world.lock:
            rule = next((r for r in self._rules if r.count > 0 and r.substring in route_key), None)
            if rule is not None:
                rule.count -= 1
        if rule is not None and not rule.after_handling:
            return self._injected(rule, bucket)
        limited, headers = self._take_bucket(bucket, major)
        if limited is not None:
            return limited
        try:
            with self.world.lock:
                status, body = handler(params, payload, files, request.query)
        except APIError as exc:
            resp = _error(exc)
        except Exception as exc:  # a defect of the fake: 503 is not retried by discord.py, so it shows at once
            traceback.print_exc()
            resp = _json(503, {"message": f"fake Discord internal error: {exc!r}", "code": 0})
        else:
            resp = _json(status, body) if body is not None else web.Response(status=status)
        resp.headers.update(headers)
        await self._flush_all()
        if rule is not None:  # handled, but the caller never hears of it (a timeout on the way back)
            return self._injected(rule, bucket)
        return resp

    def _take_bucket(self, bucket: str, major: tuple) -> tuple[web.Response | None, dict]:
        now = time.time()
        with self.world.lock:
            state = self._buckets.setdefault((bucket, major), [now, 0])
            if now >= state[0] + self.bucket_window:
                state[0], state[1] = now, 0
            reset_at = state[0] + self.bucket_window
            if state[1] >= self.bucket_limit:
                retry = round(reset_at - now, 3)
                return self._injected(_Rule("", 0, 429, retry_after=retry), bucket), {}
            state[1] += 1
            remaining = self.bucket_limit - state[1]
        return None, {"X-RateLimit-Limit": str(self.bucket_limit), "X-RateLimit-Remaining": str(remaining),
                      "X-RateLimit-Reset": f"{reset_at:.3f}", "X-RateLimit-Reset-After": f"{reset_at - now:.3f}",
                      "X-RateLimit-Bucket": bucket}

    def _injected(self, rule: _Rule, bucket: str) -> web.Response:
        if rule.status != 429:
            body = rule.body or {"message": f"{rule.status}: {_REASONS.get(rule.status, 'Error')}", "code": 0}
            return _json(rule.status, body)
        body = {"message": "You are being rate limited.", "retry_after": rule.retry_after, "global": rule.is_global}
        headers = {"Via": "1.1 google", "Retry-After": str(max(1, math.ceil(rule.retry_after))),
                   "X-RateLimit-Scope": "global" if rule.is_global else rule.scope}
        if rule.is_global:
            headers["X-RateLimit-Global"] = "true"
        else:
            headers.update({"X-RateLimit-Limit": str(self.bucket_limit), "X-RateLimit-Remaining": "0",
                            "X-RateLimit-Reset": f"{time.time() + rule.retry_after:.3f}",
                            "X-RateLimit-Reset-After": f"{rule.retry_after:.3f}", "X-RateLimit-Bucket": bucket})
        resp = _json(429, body)
        resp.headers.update(headers)
        return resp

    async def _attachment(self, request: web.Request) -> web.Response:
        data = self.world.files.get(request.match_info["path"])
        if data is None:
            return web.Response(status=404, text="Not Found")
        return web.Response(body=data, content_type="application/octet-stream")

    # ------------------------------------------------------------------ REST: misc
    def _r_gateway(self, p, payload, files, q):
        return 200, {"url": self.gateway_url}

    def _r_gateway_bot(self, p, payload, files, q):
        return 200, {"url": self.gateway_url, "shards": 1, "session_start_limit": {
            "total": 1000, "remaining": 999, "reset_after": 14400000, "max_concurrency": 1}}

    def _r_me(self, p, payload, files, q):
        return 200, dict(self.world.bot.payload(), verified=True, mfa_enabled=True, email=None, locale="en-US")

    def _r_user(self, p, payload, files, q):
        user = self.world.users.get(_int(p["user_id"]))
        if user is None:
            raise err("unknown_user")
        return 200, user.payload()

    def _r_app(self, p, payload, files, q):
        w = self.world
        return 200, {"id": str(self.application_id), "name": w.bot.username, "icon": None, "description": "",
                     "summary": "", "type": None, "hook": True, "bot_public": True, "bot_require_code_grant": False,
                     "verify_key": "0" * 64, "flags": 0, "team": None, "bot": w.bot.payload(),
                     "owner": {"id": "1", "username": "owner", "discriminator": "0", "global_name": None,
                               "avatar": None, "public_flags": 0, "flags": 0},
                     "interactions_endpoint_url": None, "redirect_uris": [], "tags": [],
                     "approximate_guild_count": len(w.guilds), "integration_types_config": {"0": {}}}

    def _r_no_content(self, p, payload, files, q):
        self.world.channel(_int(p["channel_id"]))
        return 204, None

    def _r_create_dm(self, p, payload, files, q):
        w = self.world
        uid = _int((payload or {}).get("recipient_id"))
        if w.dm_blocked.get(uid) is True:
            raise err("cannot_dm")
        ch = self._dm_channel(uid)
        return 200, w.channel_payload(ch)

    def _dm_channel(self, user_id: int) -> Channel:
        w = self.world
        w.user(user_id)
        for ch in w.channels.values():
            if ch.type == DM and ch.recipient_id == user_id:
                return ch
        ch = Channel(w.ids.next(), DM, "", recipient_id=user_id)
        w.channels[ch.id] = ch
        return ch

    # ------------------------------------------------------------------ REST: commands
    def _command_scope(self, p: dict) -> list[dict]:
        w = self.world
        if _int(p["application_id"]) != self.application_id:
            raise err("missing_access")
        if "guild_id" in p:
            gid = _int(p["guild_id"])
            if gid not in w.guilds:
                raise err("missing_access")
            return w.guild_commands.setdefault(gid, [])
        return w.global_commands

    def _stored_command(self, c: dict, p: dict, prev: dict | None) -> dict:
        ctype = int(c.get("type", 1))
        cmd = {"id": prev["id"] if prev else str(self.world.ids.next()), "application_id": str(self.application_id),
               "version": str(self.world.ids.next()), "type": ctype, "name": c["name"],
               "description": c.get("description", "") if ctype == 1 else "",
               "default_member_permissions": c.get("default_member_permissions"),
               "dm_permission": c.get("dm_permission", True), "nsfw": bool(c.get("nsfw", False)),
               "contexts": c.get("contexts"), "integration_types": c.get("integration_types") or [0],
               "name_localizations": c.get("name_localizations"),
               "description_localizations": c.get("description_localizations")}
        if c.get("options"):
            cmd["options"] = c["options"]
        if "guild_id" in p:
            cmd["guild_id"] = p["guild_id"]
        return cmd

    def _r_get_commands(self, p, payload, files, q):
        return 200, list(self._command_scope(p))

    def _r_put_commands(self, p, payload, files, q):
        store = self._command_scope(p)
        if not isinstance(payload, list):
            raise err("invalid_form", form_errors([((), "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType")]))
        validate_commands(payload)
        previous = {(c["type"], c["name"]): c for c in store}
        new = [self._stored_command(c, p, previous.get((int(c.get("type", 1)), c["name"]))) for c in payload]
        store[:] = new
        return 200, new

    def _r_post_command(self, p, payload, files, q):
        store = self._command_scope(p)
        validate_commands([payload or {}])
        ctype = int(payload.get("type", 1))
        prev = next((c for c in store if (c["type"], c["name"]) == (ctype, payload["name"])), None)
        cmd = self._stored_command(payload, p, prev)
        store[:] = [c for c in store if c is not prev] + [cmd]
        return (200 if prev else 201), cmd

    def _r_delete_command(self, p, payload, files, q):
        store = self._command_scope(p)
        if not any(c["id"] == p["command_id"] for c in store):
            raise err("unknown_command")
        store[:] = [c for c in store if c["id"] != p["command_id"]]
        return 204, None

    # ------------------------------------------------------------------ REST: channels and messages
    def _r_get_channel(self, p, payload, files, q):
        ch = self.world.channel(_int(p["channel_id"]))
        if ch.type != DM:
            self.world.require(ch, 0)
        return 200, self.world.channel_payload(ch)

    def _r_edit_channel(self, p, payload, files, q):
        w = self.world
        ch = w.channel(_int(p["channel_id"]))
        payload = payload or {}
        if ch.type == DM:
            raise err("dm_action")
        if ch.is_thread:
            owner_may = set(payload) <= {"name", "archived", "auto_archive_duration"}
            w.require(ch, 0 if ch.owner_id == w.bot.id and owner_may else P_MANAGE_THREADS)
        else:
            w.require(ch, P_MANAGE_CHANNELS)
        if "name" in payload:
            _check_name(payload.get("name"))
        changes = {}
        for key in ("name", "topic", "archived", "locked", "auto_archive_duration", "applied_tags", "invitable"):
            if key in payload and hasattr(ch, key):
                changes[key] = {"old": getattr(ch, key), "new": payload[key]}
                setattr(ch, key, payload[key] if key != "applied_tags" else [str(t) for t in payload[key] or []])
        w.channel_edits.append({"channel_id": ch.id, "changes": changes, "at": time.time()})
        data = w.channel_payload(ch)
        self._emit("THREAD_UPDATE" if ch.is_thread else "CHANNEL_UPDATE", data, guild_id=ch.guild_id,
                   intents=I_GUILDS)
        return 200, data

    def _r_history(self, p, payload, files, q):
        w = self.world
        ch = w.channel(_int(p["channel_id"]))
        if ch.type != DM:
            w.require(ch, 0)
        limit = min(int(q.get("limit", 50)), 100)
        msgs = sorted((m for m in w.messages.values() if m.channel_id == ch.id and not m.deleted
                       and not m.flags & FLAG_EPHEMERAL), key=lambda m: m.id, reverse=True)
        if "before" in q:
            msgs = [m for m in msgs if m.id < int(q["before"])]
        if "after" in q:
            msgs = [m for m in reversed(msgs) if m.id > int(q["after"])][:limit][::-1]
        return 200, [w.message_payload(m) for m in msgs[:limit]]

    def _r_send(self, p, payload, files, q):
        w = self.world
        ch = w.channel(_int(p["channel_id"]))
        payload = payload or {}
        if ch.type == DM:
            if ch.recipient_id in w.dm_blocked:
                raise err("cannot_dm")
        else:
            w.require(ch, P_SEND_MESSAGES_IN_THREADS if ch.is_thread else P_SEND_MESSAGES)
            if ch.type in (FORUM, CATEGORY):
                raise err("non_text")
            if ch.is_thread and ch.locked:
                raise err("missing_permissions")
            if ch.is_thread and ch.archived:
                ch.archived = False
                self._emit("THREAD_UPDATE", w.channel_payload(ch), guild_id=ch.guild_id, intents=I_GUILDS)
        validate_message(payload, has_files=bool(files))
        earlier = self._same_nonce(w.bot.id, payload)
        if earlier is not None:  # enforce_nonce: the message made by an earlier try, not a second one
            return 200, w.message_payload(earlier)
        msg = self._new_message(ch, w.bot.id, payload, files)
        self._emit_message("MESSAGE_CREATE", msg)
        return 200, w.message_payload(msg)

    def _same_nonce(self, author_id: int, payload: dict) -> Message | None:
        nonce = payload.get("nonce")
        if not nonce or not payload.get("enforce_nonce"):
            return None
        horizon = time.time() - NONCE_WINDOW
        for msg in reversed(list(self.world.messages.values())):
            if msg.author_id == author_id and msg.nonce == str(nonce) and not msg.deleted:
                return msg if datetime.fromisoformat(msg.timestamp).timestamp() >= horizon else None
        return None

    def _r_get_message(self, p, payload, files, q):
        w = self.world
        ch = w.channel(_int(p["channel_id"]))
        if ch.type != DM:
            w.require(ch, 0)
        return 200, w.message_payload(w.message(ch.id, _int(p["message_id"])))

    def _r_edit_message(self, p, payload, files, q):
        w = self.world
        ch = w.channel(_int(p["channel_id"]))
        msg = w.message(ch.id, _int(p["message_id"]))
        if msg.author_id != w.bot.id:
            raise err("edit_others")
        if ch.is_thread and ch.archived:  # only sending a message unarchives a thread
            raise err("thread_archived")
        validate_message(payload or {}, has_files=bool(files), edit=True)
        self._apply_edit(msg, payload or {}, files)
        self._emit_message("MESSAGE_UPDATE", msg)
        return 200, w.message_payload(msg)

    def _r_delete_message(self, p, payload, files, q):
        w = self.world
        ch = w.channel(_int(p["channel_id"]))
        msg = w.message(ch.id, _int(p["message_id"]))
        if ch.is_thread and ch.archived:
            raise err("thread_archived")
        if msg.author_id != w.bot.id:
            if ch.type == DM:
                raise err("dm_action")
            w.require(ch, P_MANAGE_MESSAGES)
        self._delete(msg, by_bot=True)
        return 204, None

    def _r_thread_from_message(self, p, payload, files, q):
        w = self.world
        ch = w.channel(_int(p["channel_id"]))
        if ch.type not in (TEXT, NEWS):
            raise err("wrong_channel_type")
        msg = w.message(ch.id, _int(p["message_id"]))
        w.require(ch, P_CREATE_PUBLIC_THREADS)
        payload = payload or {}
        _check_name(payload.get("name"))
        if msg.thread_id:
            raise err("thread_exists")
        th = self._create_thread(ch, w.bot.id, payload["name"], NEWS_THREAD if ch.type == NEWS else PUBLIC_THREAD,
                                 thread_id=msg.id, auto_archive=payload.get("auto_archive_duration"))
        th.starter_message_id = msg.id
        msg.thread_id = th.id
        return 201, w.channel_payload(th)

    def _r_thread(self, p, payload, files, q):
        w = self.world
        ch = w.channel(_int(p["channel_id"]))
        payload = payload or {}
        if ch.type == FORUM:
            w.require(ch, P_SEND_MESSAGES)
            _check_name(payload.get("name"))
            body = payload.get("message") or {}
            validate_message(body, has_files=bool(files))
            th = self._create_thread(ch, w.bot.id, payload["name"], PUBLIC_THREAD,
                                     auto_archive=payload.get("auto_archive_duration"),
                                     tags=payload.get("applied_tags"))
            msg = self._new_message(th, w.bot.id, body, files, msg_id=th.id)
            th.starter_message_id = msg.id
            self._emit_message("MESSAGE_CREATE", msg)
            return 201, dict(w.channel_payload(th), message=w.message_payload(msg))
        if ch.type not in (TEXT, NEWS):
            raise err("wrong_channel_type")
        ttype = int(payload.get("type") or PRIVATE_THREAD)
        w.require(ch, P_CREATE_PRIVATE_THREADS if ttype == PRIVATE_THREAD else P_CREATE_PUBLIC_THREADS)
        _check_name(payload.get("name"))
        th = self._create_thread(ch, w.bot.id, payload["name"], ttype, auto_archive=payload.get("auto_archive_duration"))
        th.invitable = bool(payload.get("invitable", True))
        return 201, w.channel_payload(th)

    def _r_thread_member(self, add, p, payload, files, q):
        w = self.world
        th = w.channel(_int(p["channel_id"]))
        if not th.is_thread:
            raise err("wrong_channel_type")
        uid = w.bot.id if p["user_id"] == "@me" else _int(p["user_id"])
        if add:
            th.member_ids.add(uid)
        else:
            th.member_ids.discard(uid)
        return 204, None

    def _r_reaction(self, removed, p, payload, files, q):
        w = self.world
        ch = w.channel(_int(p["channel_id"]))
        msg = w.message(ch.id, _int(p["message_id"]))
        if ch.type != DM:
            w.require(ch, P_ADD_REACTIONS)
        w.reactions.append({"channel_id": ch.id, "message_id": msg.id, "emoji": p["emoji"],
                            "removed": removed, "at": time.time()})
        return 204, None

    # ------------------------------------------------------------------ REST: guilds
    def _guild(self, p: dict) -> Guild:
        guild = self.world.guilds.get(_int(p["guild_id"]))
        if guild is None:
            raise err("unknown_guild")
        return guild

    def _r_guild(self, p, payload, files, q):
        return 200, self.world.guild_payload(self._guild(p))

    def _r_guild_channels(self, p, payload, files, q):
        g = self._guild(p)
        return 200, [self.world.channel_payload(self.world.channels[c]) for c in g.channel_ids
                     if not self.world.channels[c].is_thread]

    def _r_guild_roles(self, p, payload, files, q):
        return 200, [r.payload() for r in self._guild(p).roles.values()]

    def _r_guild_members(self, p, payload, files, q):
        g = self._guild(p)
        return 200, [self.world.member_payload(g, uid) for uid in list(g.members)[: int(q.get("limit", 1))]]

    def _r_guild_member(self, p, payload, files, q):
        g = self._guild(p)
        uid = _int(p["user_id"])
        if uid not in g.members:
            raise err("unknown_member")
        return 200, self.world.member_payload(g, uid)

    def _r_active_threads(self, p, payload, files, q):
        g = self._guild(p)
        threads = [self.world.channels[c] for c in g.channel_ids if self.world.channels[c].is_thread]
        return 200, {"threads": [self.world.channel_payload(t) for t in threads if not t.archived], "members": []}

    # ------------------------------------------------------------------ REST: interactions and webhooks
    def _r_callback(self, p, payload, files, q):
        w = self.world
        inter = w.interactions.get(_int(p["interaction_id"], 0))
        if inter is None or inter.token != p["webhook_token"]:
            raise err("unknown_interaction")
        if self.interaction_timeout is not None and time.monotonic() - inter.created > self.interaction_timeout:
            raise err("unknown_interaction")
        if inter.response_type is not None:
            raise err("already_acked")
        payload = payload or {}
        rtype, data = int(payload.get("type") or 0), payload.get("data") or {}
        allowed = {2: {4, 5, 9}, 3: {4, 5, 6, 7, 9}, 4: {8}, 5: {4, 5, 6, 7}}.get(inter.type, set())
        if rtype not in allowed:
            raise err("invalid_form", form_errors([(("type",), "INTERACTION_RESPONSE_TYPE_INVALID",
                                                    "Invalid interaction response type")]))
        ch = w.channel(inter.channel_id)
        flags = int(data.get("flags") or 0)
        msg: Message | None = None
        if rtype == 4:
            validate_message(data, has_files=bool(files))
            msg = self._interaction_message(inter, ch, data, files, flags)
        elif rtype == 5:
            msg = self._interaction_message(inter, ch, {}, [], (flags & FLAG_EPHEMERAL) | FLAG_LOADING)
        elif rtype in (6, 7) and inter.message_id is not None:
            msg = w.messages.get(inter.message_id)
            if rtype == 7 and msg is not None:
                validate_message(data, has_files=bool(files), edit=True)
                self._apply_edit(msg, data, files)
                self._emit_message("MESSAGE_UPDATE", msg)
        elif rtype == 8 and len(data.get("choices") or []) > 25:
            raise err("invalid_form", form_errors([(("data", "choices"), "BASE_TYPE_MAX_LENGTH",
                                                    "Must be 25 or fewer in length.")]))
        inter.response_type, inter.original_id = rtype, msg.id if msg else None
        self._record_response(inter, "callback", rtype, data, msg)
        if q.get("with_response", "").lower() not in ("1", "true"):
            return 204, None
        resource: dict[str, Any] = {"type": rtype}
        if msg is not None and rtype in (4, 5, 7):
            resource["message"] = w.message_payload(msg)
        return 200, {"interaction": {"id": str(inter.id), "type": inter.type,
                                     "response_message_id": str(msg.id) if msg else None,
                                     "response_message_loading": rtype == 5,
                                     "response_message_ephemeral": bool(msg and msg.flags & FLAG_EPHEMERAL)},
                     "resource": resource}

    def _webhook_interaction(self, p: dict) -> Interaction:
        w = self.world
        iid = w.tokens.get(p["webhook_token"])
        if _int(p["webhook_id"], 0) != self.application_id or iid is None:
            raise err("unknown_webhook")
        return w.interactions[iid]

    def _webhook_message(self, p: dict) -> tuple[Interaction, Message]:
        inter = self._webhook_interaction(p)
        mid = inter.original_id if p["message_id"] == "@original" else _int(p["message_id"], 0)
        if mid is None or (mid != inter.original_id and mid not in inter.followups):
            raise err("unknown_message")
        msg = self.world.messages.get(mid)
        if msg is None or msg.deleted:
            raise err("unknown_message")
        return inter, msg

    def _r_webhook_get(self, p, payload, files, q):
        return 200, self.world.message_payload(self._webhook_message(p)[1])

    def _r_webhook_edit(self, p, payload, files, q):
        inter, msg = self._webhook_message(p)
        payload = payload or {}
        validate_message(payload, has_files=bool(files), edit=True)
        self._apply_edit(msg, payload, files)
        msg.flags &= ~FLAG_LOADING
        kind = "edit_original" if p["message_id"] == "@original" else "edit_followup"
        self._record_response(inter, kind, None, payload, msg)
        self._emit_message("MESSAGE_UPDATE", msg)
        return 200, self.world.message_payload(msg)

    def _r_webhook_delete(self, p, payload, files, q):
        inter, msg = self._webhook_message(p)
        kind = "delete_original" if p["message_id"] == "@original" else "delete_followup"
        self._record_response(inter, kind, None, {}, msg)
        self._delete(msg, by_bot=True)
        return 204, None

    def _r_followup(self, p, payload, files, q):
        w = self.world
        inter = self._webhook_interaction(p)
        if inter.response_type is None:
            raise err("unknown_webhook")
        payload = payload or {}
        validate_message(payload, has_files=bool(files))
        original = w.messages.get(inter.original_id) if inter.original_id else None
        if inter.response_type == 5 and original is not None and original.flags & FLAG_LOADING:
            # the first followup after a deferred reply replaces the "thinking" message
            self._apply_edit(original, payload, files)
            original.flags &= ~FLAG_LOADING
            msg = original
            self._emit_message("MESSAGE_UPDATE", msg)
        else:
            msg = self._interaction_message(inter, w.channel(inter.channel_id), payload, files,
                                            int(payload.get("flags") or 0))
            inter.followups.append(msg.id)
        self._record_response(inter, "followup", None, payload, msg)
        if q.get("wait", "").lower() in ("1", "true"):
            return 200, w.message_payload(msg)
        return 204, None

    # ------------------------------------------------------------------ message helpers
    def _new_message(self, ch: Channel, author_id: int, payload: dict, files: list, *, msg_id: int | None = None,
                     via: str = "rest") -> Message:
        w = self.world
        msg = Message(msg_id or w.ids.next(), ch.id, ch.guild_id, author_id, content=payload.get("content") or "",
                      embeds=[dict({"type": "rich"}, **e) for e in payload.get("embeds") or []],
                      components=payload.get("components") or [], allowed_mentions=payload.get("allowed_mentions"),
                      flags=int(payload.get("flags") or 0), nonce=payload.get("nonce"), tts=bool(payload.get("tts")),
                      via=via)
        ref = payload.get("message_reference")
        if ref and ref.get("message_id"):
            target = w.messages.get(_int(ref["message_id"], 0))
            ref_channel = _int(ref.get("channel_id") or ch.id, 0)
            if target is None or target.deleted or target.channel_id != ref_channel:
                if ref.get("fail_if_not_exists", True):
                    raise err("invalid_form", form_errors([(("message_reference",), "MESSAGE_REFERENCE_UNKNOWN_MESSAGE",
                                                            "Unknown message")]))
            else:
                msg.type = 19
                msg.reference = {"type": 0, "message_id": str(target.id), "channel_id": str(target.channel_id),
                                 "guild_id": str(target.guild_id) if target.guild_id else None}
        msg.attachments = self._attachments(msg, payload.get("attachments"), files)
        w.messages[msg.id] = msg
        if not msg.flags & FLAG_EPHEMERAL:
            ch.last_message_id = msg.id
            ch.message_count += 1 if ch.is_thread else 0
        return msg

    def _attachments(self, msg: Message, meta: list | None, files: list) -> list:
        w, out = self.world, []
        by_id = {str(a.get("id")): a for a in meta or []}
        for idx, f in enumerate(files):
            m = re.search(r"\[(\d+)\]", f["field"])
            info = by_id.get(m.group(1) if m else str(idx), {})
            aid, name = w.ids.next(), info.get("filename") or f["filename"] or f"file{idx}"
            key = f"{msg.channel_id}/{aid}/{name}"
            w.files[key] = f["data"]
            out.append({"id": str(aid), "filename": name, "size": len(f["data"]), "url": f"{w.base_url}/attachments/{key}",
                        "proxy_url": f"{w.base_url}/attachments/{key}", "content_type": f["content_type"],
                        "description": info.get("description")})
        return out

    def _apply_edit(self, msg: Message, payload: dict, files: list) -> None:
        if "content" in payload:
            msg.content = payload["content"] or ""
        if "embeds" in payload:
            msg.embeds = [dict({"type": "rich"}, **e) for e in payload["embeds"] or []]
        if "components" in payload:
            msg.components = payload["components"] or []
        if "allowed_mentions" in payload:
            msg.allowed_mentions = payload["allowed_mentions"]
        if payload.get("flags") is not None:
            msg.flags = (msg.flags & (FLAG_EPHEMERAL | FLAG_LOADING)) | (int(payload["flags"]) & ~FLAG_EPHEMERAL)
        if "attachments" in payload or files:
            keep = {str(a.get("id")) for a in payload.get("attachments") or []}
            new_meta = [a for a in payload.get("attachments") or [] if str(a.get("id")) not in
                        {x["id"] for x in msg.attachments}]
            msg.attachments = [a for a in msg.attachments if a["id"] in keep] + self._attachments(msg, new_meta, files)
        msg.edited_timestamp = now_iso()
        msg.edits += 1

    def _delete(self, msg: Message, *, by_bot: bool) -> None:
        w = self.world
        msg.deleted = True
        w.deleted.append({"channel_id": msg.channel_id, "message_id": msg.id, "author_id": msg.author_id,
                          "content": msg.content, "by_bot": by_bot, "at": time.time()})
        if not msg.flags & FLAG_EPHEMERAL:
            data = {"id": str(msg.id), "channel_id": str(msg.channel_id)}
            if msg.guild_id:
                data["guild_id"] = str(msg.guild_id)
            self._emit("MESSAGE_DELETE", data, guild_id=msg.guild_id,
                       intents=I_GUILD_MESSAGES if msg.guild_id else I_DIRECT_MESSAGES)

    def _emit_message(self, event: str, msg: Message) -> None:
        if msg.flags & FLAG_EPHEMERAL:
            return
        w = self.world
        mentioned = str(w.bot.id) in re.findall(r"<@!?(\d+)>", msg.content)
        gate = None
        if msg.guild_id and msg.author_id != w.bot.id and not mentioned:
            def gate(s: _Session) -> bool:
                return not s.intents & I_MESSAGE_CONTENT
        self._emit(event, w.message_payload(msg), guild_id=msg.guild_id,
                   intents=I_GUILD_MESSAGES if msg.guild_id else I_DIRECT_MESSAGES, strip_content=gate)

    def _create_thread(self, parent: Channel, owner_id: int, name: str, ttype: int, *, thread_id: int | None = None,
                       auto_archive: int | None = None, tags: list | None = None) -> Channel:
        w = self.world
        th = Channel(thread_id or w.ids.next(), ttype, name, guild_id=parent.guild_id, parent_id=parent.id,
                     owner_id=owner_id, auto_archive_duration=int(auto_archive or 1440),
                     applied_tags=[str(t) for t in tags or []], member_ids={owner_id})
        w.channels[th.id] = th
        w.guilds[parent.guild_id].channel_ids.append(th.id)
        self._emit("THREAD_CREATE", dict(w.channel_payload(th), newly_created=True), guild_id=th.guild_id,
                   intents=I_GUILDS)
        return th

    def _interaction_message(self, inter: Interaction, ch: Channel, data: dict, files: list, flags: int) -> Message:
        w = self.world
        msg = self._new_message(ch, w.bot.id, dict(data, flags=flags), files, via="interaction")
        msg.webhook_id, msg.interaction_id = self.application_id, inter.id
        msg.type = 20 if inter.type == 2 else 0
        meta = {"id": str(inter.id), "type": inter.type, "user": w.user(inter.user_id).payload(),
                "authorizing_integration_owners": {"0": str(inter.guild_id)} if inter.guild_id
                else {"1": str(inter.user_id)}}
        if inter.type == 2:
            meta["name"] = inter.data.get("name")
        if inter.message_id:
            meta["interacted_message_id"] = str(inter.message_id)
        msg.interaction_metadata = meta
        self._emit_message("MESSAGE_CREATE", msg)
        return msg

    def _record_response(self, inter: Interaction, kind: str, rtype: int | None, data: dict,
                         msg: Message | None) -> None:
        flags = int((data or {}).get("flags") or 0)
        if msg is not None and msg.interaction_id == inter.id:
            flags |= msg.flags & FLAG_EPHEMERAL
        self.world.responses.append({
            "interaction_id": inter.id, "kind": kind, "type": rtype, "data": data, "flags": flags,
            "ephemeral": bool(flags & FLAG_EPHEMERAL),
            "content": (data or {}).get("content"), "message_id": msg.id if msg else None, "at": time.time()})

    # ------------------------------------------------------------------ control: world setup
    def add_guild(self, guild_id: int, name: str, roles: dict[int, str] | None = None, *,
                  owner_id: int | None = None) -> None:
        w = self.world
        with w.lock:
            owner = owner_id or w.ids.next()
            w.user(owner, f"owner{guild_id}")
            g = Guild(guild_id, name, owner)
            g.roles[guild_id] = Role(guild_id, "@everyone", EVERYONE_PERMISSIONS, position=0)
            g.bot_role_id = w.ids.next()
            g.roles[g.bot_role_id] = Role(g.bot_role_id, w.bot.username, DEFAULT_BOT_PERMISSIONS, position=1,
                                          managed=True, bot_id=w.bot.id)
            for i, (rid, rname) in enumerate((roles or {}).items(), start=2):
                g.roles[int(rid)] = Role(int(rid), rname, 0, position=i)
            g.members[w.bot.id] = Member(w.bot.id, [g.bot_role_id])
            g.members[owner] = Member(owner)
            w.guilds[guild_id] = g
            self._emit("GUILD_CREATE", w.guild_create_payload(g), guild_id=guild_id)
        self._deliver()

    def add_role(self, guild_id: int, role_id: int, name: str, permissions: int = 0) -> None:
        w = self.world
        with w.lock:
            g = w.guilds[guild_id]
            g.roles[role_id] = Role(role_id, name, permissions, position=len(g.roles))
            self._emit("GUILD_ROLE_CREATE", {"guild_id": str(guild_id), "role": g.roles[role_id].payload()},
                       guild_id=guild_id, intents=I_GUILDS)
        self._deliver()

    def add_channel(self, guild_id: int, channel_id: int, name: str, type: int = TEXT, *,
                    parent_id: int | None = None, topic: str | None = None) -> None:
        w = self.world
        with w.lock:
            g = w.guilds[guild_id]
            ch = Channel(channel_id, type, name, guild_id=guild_id, parent_id=parent_id, topic=topic,
                         position=len(g.channel_ids))
            w.channels[channel_id] = ch
            g.channel_ids.append(channel_id)
            self._emit("CHANNEL_CREATE", w.channel_payload(ch), guild_id=guild_id, intents=I_GUILDS)
        self._deliver()

    def add_member(self, guild_id: int, user_id: int, username: str, roles: Any = ()) -> None:
        w = self.world
        with w.lock:
            g = w.guilds[guild_id]
            w.user(user_id, username).username = username
            g.members[user_id] = Member(user_id, [int(r) for r in roles])
            self._emit("GUILD_MEMBER_ADD", dict(w.member_payload(g, user_id), guild_id=str(guild_id)),
                       guild_id=guild_id, intents=I_GUILD_MEMBERS)
        self._deliver()

    def archive_thread(self, thread_id: int, archived: bool = True) -> None:
        """A thread goes quiet (auto-archive): editing or deleting in it answers 400 50083 until unarchived."""
        w = self.world
        with w.lock:
            th = w.channel(thread_id)
            th.archived = archived
            self._emit("THREAD_UPDATE", w.channel_payload(th), guild_id=th.guild_id, intents=I_GUILDS)
        self._deliver()

    def set_bot_permissions(self, guild_id: int, permissions: int) -> None:
        """Permission bits of the bot's own role in the guild (see P_* in discord_state)."""
        w = self.world
        with w.lock:
            g = w.guilds[guild_id]
            role = g.roles[g.bot_role_id]
            role.permissions = permissions
            self._emit("GUILD_ROLE_UPDATE", {"guild_id": str(guild_id), "role": role.payload()},
                       guild_id=guild_id, intents=I_GUILDS)
        self._deliver()

    def deny_bot_permissions(self, channel_id: int, permissions: int) -> None:
        """Channel overwrite denying these bits to the bot (0 removes it); threads inherit it."""
        w = self.world
        with w.lock:
            ch = w.channel(channel_id)
            ch.bot_deny = permissions
            self._emit("CHANNEL_UPDATE", w.channel_payload(ch), guild_id=ch.guild_id, intents=I_GUILDS)
        self._deliver()

    def block_dms(self, user_id: int, *, at_create: bool = False) -> None:
        """Sending to this user's DM answers 403 50007; with at_create, opening the DM channel already does."""
        with self.world.lock:
            self.world.dm_blocked[user_id] = at_create

    def unblock_dms(self, user_id: int) -> None:
        with self.world.lock:
            self.world.dm_blocked.pop(user_id, None)

    def rate_limit_next(self, route_substring: str, retry_after: float = 1.5, is_global: bool = False,
                        count: int = 1, *, scope: str = "user") -> None:
        """The next `count` requests whose "METHOD /path" contains the substring answer 429."""
        with self.world.lock:
            self._rules.append(_Rule(route_substring, count, 429, retry_after, is_global, scope))

    def fail_next(self, route_substring: str, status: int = 500, count: int = 1, *,
                  body: dict | None = None, after_handling: bool = False) -> None:
        """The next `count` matching requests answer `status`; with after_handling they take effect first
        (a message is posted, then the answer is lost: what a retry must not post twice)."""
        with self.world.lock:
            self._rules.append(_Rule(route_substring, count, status, body=body, after_handling=after_handling))

    # ------------------------------------------------------------------ control: gateway
    def gateway_disconnect(self, code: int = 4000) -> None:
        """Drop the live gateway connections (the session stays resumable)."""
        async def close() -> None:
            for conn in list(self._conns):
                await conn.ws.close(code=code, message=b"fake disconnect")
        self._call(close())

    def gateway_reconnect(self) -> None:
        """Send op 7 RECONNECT, as Discord does before moving a session."""
        async def send() -> None:
            for conn in list(self._conns):
                await conn.send({"op": 7, "d": None, "s": None, "t": None})
        self._call(send())

    def gateway_invalidate(self, resumable: bool = False) -> None:
        async def send() -> None:
            for conn in list(self._conns):
                if not resumable and conn.session is not None:
                    conn.session.alive = False
                await conn.send({"op": 9, "d": resumable, "s": None, "t": None})
        self._call(send())

    # ------------------------------------------------------------------ control: user actions
    def _author_in(self, ch: Channel, user_id: int) -> None:
        w = self.world
        w.user(user_id)
        if ch.guild_id is not None:
            w.ensure_member(w.guilds[ch.guild_id], user_id)

    def _user_files(self, attachments: Any) -> list:
        if isinstance(attachments, int):
            attachments = [f"image{i}.png" for i in range(attachments)]
        files = []
        for i, a in enumerate(attachments or []):
            a = {"filename": a} if isinstance(a, str) else dict(a)
            data = a.get("data", PNG_1X1)
            files.append({"field": f"files[{i}]", "filename": a["filename"], "data": data,
                          "content_type": a.get("content_type") or ("image/png" if a["filename"].endswith(".png")
                                                                    else "application/octet-stream")})
        return files

    def post_message(self, channel_id: int, user_id: int, content: str, *, attachments: Any = 0,
                     reference: int | None = None) -> int:
        """A user posts in a channel or thread (MESSAGE_CREATE); returns the message id."""
        w = self.world
        with w.lock:
            ch = w.channel(channel_id)
            if ch.type in (FORUM, CATEGORY):
                raise ValueError(f"channel {channel_id} is a forum/category: use create_forum_post()")
            self._author_in(ch, user_id)
            payload: dict[str, Any] = {"content": content}
            if reference is not None:
                payload["message_reference"] = {"message_id": str(reference), "channel_id": str(ch.id)}
            msg = self._new_message(ch, user_id, payload, self._user_files(attachments), via="user")
            self._emit_message("MESSAGE_CREATE", msg)
        self._deliver()
        return msg.id

    def post_dm(self, user_id: int, content: str, *, attachments: Any = 0) -> int:
        w = self.world
        with w.lock:
            ch = self._dm_channel(user_id)
            msg = self._new_message(ch, user_id, {"content": content}, self._user_files(attachments), via="user")
            self._emit_message("MESSAGE_CREATE", msg)
        self._deliver()
        return msg.id

    def edit_message(self, channel_id: int, message_id: int, content: str) -> None:
        w = self.world
        with w.lock:
            msg = w.message(channel_id, message_id)
            self._apply_edit(msg, {"content": content}, [])
            self._emit_message("MESSAGE_UPDATE", msg)
        self._deliver()

    def delete_message(self, channel_id: int, message_id: int) -> None:
        """The author (or a moderator) deletes a message."""
        with self.world.lock:
            self._delete(self.world.message(channel_id, message_id), by_bot=False)
        self._deliver()

    def create_thread(self, channel_id: int, user_id: int, name: str, *, message_id: int | None = None,
                      private: bool = False) -> int:
        w = self.world
        with w.lock:
            ch = w.channel(channel_id)
            self._author_in(ch, user_id)
            if message_id is not None:
                msg = w.message(channel_id, message_id)
                th = self._create_thread(ch, user_id, name, PUBLIC_THREAD, thread_id=msg.id)
                msg.thread_id, th.starter_message_id = th.id, msg.id
            else:
                th = self._create_thread(ch, user_id, name, PRIVATE_THREAD if private else PUBLIC_THREAD)
        self._deliver()
        return th.id

    def create_forum_post(self, channel_id: int, user_id: int, title: str, content: str, *,
                          attachments: Any = 0, tags: Any = ()) -> tuple[int, int]:
        """A user opens a forum post: THREAD_CREATE, then the starter MESSAGE_CREATE (same id)."""
        w = self.world
        with w.lock:
            ch = w.channel(channel_id)
            if ch.type != FORUM:
                raise ValueError(f"channel {channel_id} is not a forum channel")
            self._author_in(ch, user_id)
            th = self._create_thread(ch, user_id, title, PUBLIC_THREAD, tags=list(tags))
            msg = self._new_message(th, user_id, {"content": content}, self._user_files(attachments),
                                    msg_id=th.id, via="user")
            th.starter_message_id = msg.id
            self._emit_message("MESSAGE_CREATE", msg)
        self._deliver()
        return th.id, msg.id

    def _find_command(self, name: str, guild: Guild | None) -> tuple[dict | None, int | None]:
        w = self.world
        if guild is not None:
            for c in w.guild_commands.get(guild.id, []):
                if c["name"] == name and c["type"] == 1:
                    return c, guild.id
        return next((c for c in w.global_commands if c["name"] == name and c["type"] == 1), None), None

    def _options(self, cmd: dict | None, path: list[str], values: dict, ch: Channel, focused: str | None):
        w = self.world
        guild = w.guild_of(ch)
        defs = (cmd or {}).get("options") or []
        chain = []
        for i, sub in enumerate(path):
            d = next((o for o in defs if o["name"] == sub and o.get("type") in (1, 2)), None)
            chain.append((sub, d["type"] if d else (2 if i < len(path) - 1 else 1)))
            defs = (d or {}).get("options") or []
        resolved: dict[str, dict] = {}
        leaf = []
        for key, value in values.items():
            d = next((o for o in defs if o["name"] == key), None)
            otype = d["type"] if d else (5 if isinstance(value, bool) else 4 if isinstance(value, int)
                                         else 10 if isinstance(value, float) else 3)
            opt: dict[str, Any] = {"name": key, "type": otype}
            if key == focused:
                opt.update(value=str(value), focused=True)
            elif otype in (6, 7, 8, 9, 11):
                sid = str(getattr(value, "id", value))
                opt["value"] = sid
                self._resolve(otype, int(sid), guild, ch, resolved)
            else:
                opt["value"] = {3: str, 4: int, 5: bool, 10: float}.get(otype, lambda v: v)(value)
            leaf.append(opt)
        if focused is not None and focused not in values:
            leaf.append({"name": focused, "type": 3, "value": "", "focused": True})
        options = leaf
        for sub, stype in reversed(chain):
            options = [{"name": sub, "type": stype, "options": options}]
        return options, resolved

    def _resolve(self, otype: int, oid: int, guild: Guild | None, ch: Channel, resolved: dict) -> None:
        w = self.world
        if otype in (6, 9) and (oid in w.users or otype == 6):
            resolved.setdefault("users", {})[str(oid)] = w.user(oid).payload()
            if guild is not None and oid in guild.members:
                resolved.setdefault("members", {})[str(oid)] = w.member_payload(guild, oid, with_user=False,
                                                                                permissions=True)
        elif otype in (8, 9) and guild is not None and oid in guild.roles:
            resolved.setdefault("roles", {})[str(oid)] = guild.roles[oid].payload()
        elif otype == 7 and oid in w.channels:
            target = w.channels[oid]
            resolved.setdefault("channels", {})[str(oid)] = dict(
                w.channel_payload(target), permissions=str(w.permissions_in(target, w.bot.id)))

    def _interaction(self, itype: int, channel_id: int, user_id: int, data: dict,
                     message: Message | None = None) -> int:
        w = self.world
        ch = w.channel(channel_id)
        guild = w.guild_of(ch)
        self._author_in(ch, user_id)
        inter = Interaction(w.ids.next(), w.new_token(), itype, guild.id if guild else None, ch.id, user_id, data,
                            message_id=message.id if message else None)
        w.interactions[inter.id] = inter
        w.tokens[inter.token] = inter.id
        perms = w.permissions_in(ch, user_id)
        payload: dict[str, Any] = {
            "id": str(inter.id), "application_id": str(self.application_id), "type": itype, "data": data,
            "token": inter.token, "version": 1, "channel_id": str(ch.id),
            "channel": dict(w.channel_payload(ch), permissions=str(perms)),
            "app_permissions": str(w.permissions_in(ch, w.bot.id)), "locale": "en-US", "entitlements": [],
            "entitlement_sku_ids": [], "attachment_size_limit": 10485760,
            "authorizing_integration_owners": {"0": str(guild.id)} if guild else {"1": str(user_id)},
            "context": 0 if guild else 1}
        if guild is not None:
            payload.update(guild_id=str(guild.id), guild_locale="en-US",
                           guild={"id": str(guild.id), "locale": "en-US", "features": []},
                           member=dict(w.member_payload(guild, user_id), permissions=str(perms)))
        else:
            payload["user"] = w.user(user_id).payload()
        if message is not None:
            payload["message"] = w.message_payload(message)
        self._emit("INTERACTION_CREATE", payload, guild_id=inter.guild_id)
        return inter.id

    def _command_interaction(self, itype: int, channel_id: int, user_id: int, name: str, options: dict | None,
                             focused: str | None, require_synced: bool) -> int:
        w = self.world
        with w.lock:
            ch = w.channel(channel_id)
            top, *path = name.split()
            cmd, scope = self._find_command(top, w.guild_of(ch))
            if cmd is None and require_synced:
                known = [c["name"] for c in w.global_commands] + [
                    c["name"] for c in w.guild_commands.get(ch.guild_id or 0, [])]
                raise LookupError(f"/{top} is not a synced command here (synced: {sorted(known)})")
            opts, resolved = self._options(cmd, path, options or {}, ch, focused)
            data: dict[str, Any] = {"id": cmd["id"] if cmd else str(w.ids.next()), "name": top, "type": 1,
                                    "options": opts}
            if resolved:
                data["resolved"] = resolved
            if scope is not None:
                data["guild_id"] = str(scope)
            iid = self._interaction(itype, channel_id, user_id, data)
        self._deliver()
        return iid

    def slash(self, channel_id: int, user_id: int, name: str, options: dict | None = None, *,
              require_synced: bool = True) -> int:
        """A user runs a slash command ("name" or "group sub"); returns the interaction id."""
        return self._command_interaction(2, channel_id, user_id, name, options, None, require_synced)

    def autocomplete(self, channel_id: int, user_id: int, name: str, options: dict | None, focused: str, *,
                     require_synced: bool = True) -> int:
        return self._command_interaction(4, channel_id, user_id, name, options, focused, require_synced)

    def _component(self, channel_id: int, message_id: int, user_id: int, custom_id: str,
                   values: list | None, strict: bool = True) -> int:
        w = self.world
        with w.lock:
            msg = w.message(channel_id, message_id)
            comp = _find_component(msg.components, custom_id)
            if comp is None and not strict:  # a forged or stale client: the id is not on the message
                comp = {"type": 2, "custom_id": custom_id}
            if comp is None:
                raise LookupError(f"message {message_id} has no component {custom_id!r}")
            data: dict[str, Any] = {"custom_id": custom_id, "component_type": comp.get("type", 2)}
            if comp.get("id") is not None:
                data["id"] = comp["id"]
            if values is not None:
                data["values"] = [str(v) for v in values]
            iid = self._interaction(3, channel_id, user_id, data, message=msg)
        self._deliver()
        return iid

    def press(self, channel_id: int, message_id: int, user_id: int, custom_id: str, *, strict: bool = True) -> int:
        """A user presses a button on a message; returns the interaction id.

        strict=False sends the custom id even when the message has no such button: what a bot must
        be ready for, since custom ids come back from the client."""
        return self._component(channel_id, message_id, user_id, custom_id, None, strict)

    def select(self, channel_id: int, message_id: int, user_id: int, custom_id: str, values: list) -> int:
        return self._component(channel_id, message_id, user_id, custom_id, values)

    # ------------------------------------------------------------------ control: reading state
    def messages(self, channel_id: int | None = None) -> list[dict]:
        """Messages the bot authored (REST, interaction replies, followups), current after edits."""
        return [m for m in self.all_messages(channel_id) if m["author_id"] == self.bot_user_id]

    def all_messages(self, channel_id: int | None = None) -> list[dict]:
        w = self.world
        with w.lock:
            return _copy([w.record(m) for m in sorted(w.messages.values(), key=lambda m: m.id)
                          if channel_id is None or m.channel_id == channel_id])

    def interaction_responses(self, interaction_id: int | None = None) -> list[dict]:
        """Callbacks, original-response edits and followups, in order."""
        with self.world.lock:
            return _copy([r for r in self.world.responses
                          if interaction_id is None or r["interaction_id"] == interaction_id])

    def threads(self) -> list[dict]:
        w = self.world
        with w.lock:
            return [{"id": c.id, "parent_id": c.parent_id, "guild_id": c.guild_id, "name": c.name, "type": c.type,
                     "owner_id": c.owner_id, "archived": c.archived, "locked": c.locked,
                     "starter_message_id": c.starter_message_id, "applied_tags": list(c.applied_tags),
                     "created_by_bot": c.owner_id == w.bot.id} for c in w.channels.values() if c.is_thread]

    def channel(self, channel_id: int) -> dict:
        w = self.world
        with w.lock:
            return _copy(w.channel_payload(w.channel(channel_id)))

    def channel_edits(self) -> list[dict]:
        with self.world.lock:
            return _copy(self.world.channel_edits)

    def synced_commands(self, guild_id: int | None = None) -> list[dict]:
        """Commands the bot registered for the guild (None: global commands)."""
        w = self.world
        with w.lock:
            return _copy(w.global_commands if guild_id is None else w.guild_commands.get(guild_id, []))

    def deleted(self) -> list[dict]:
        with self.world.lock:
            return _copy(self.world.deleted)

    def reactions(self) -> list[dict]:
        with self.world.lock:
            return _copy(self.world.reactions)

    def dm_channels(self) -> dict[int, int]:
        with self.world.lock:
            return {c.recipient_id: c.id for c in self.world.channels.values() if c.type == DM}

    def identify_payload(self) -> dict | None:
        with self.world.lock:
            return _copy(self._identify)

    def gateway_connections(self) -> list[dict]:
        with self.world.lock:
            return _copy(self._connections)

    def sessions(self) -> list[dict]:
        with self.world.lock:
            return [{"session_id": s.session_id, "intents": s.intents, "connected": s.conn is not None,
                     "seq": s.seq, "resumes": s.resumes, "alive": s.alive} for s in self._sessions.values()]

    def request_log(self, substring: str | None = None) -> list[dict]:
        with self.world.lock:
            return _copy([r for r in self._requests
                          if substring is None or substring in f"{r['method']} {r['path']}"])

    def attachment(self, url: str) -> bytes | None:
        """The bytes of an uploaded attachment, by the URL its message gives."""
        with self.world.lock:
            return self.world.files.get(url.split("/attachments/", 1)[-1])

    def is_connected(self) -> bool:
        with self.world.lock:
            return any(s.conn is not None and s.alive for s in self._sessions.values())

    def wait_for(self, predicate: Callable, timeout: float = 10.0, interval: float = 0.02,
                 what: str | None = None) -> Any:
        """Poll until predicate() / predicate(fake) is truthy; return that value."""
        deadline = time.monotonic() + timeout
        while True:
            result = self._check(predicate)
            if result:
                return result
            if time.monotonic() >= deadline:
                raise TimeoutError(f"{what or getattr(predicate, '__name__', 'condition')} not met "
                                   f"within {timeout}s\n{self.dump()}")
            time.sleep(interval)

    async def wait_for_async(self, predicate: Callable, timeout: float = 10.0, interval: float = 0.02,
                             what: str | None = None) -> Any:
        """wait_for for code running an event loop in this thread (e.g. an in-process discord.Client)."""
        deadline = time.monotonic() + timeout
        while True:
            result = self._check(predicate)
            if result:
                return result
            if time.monotonic() >= deadline:
                raise TimeoutError(f"{what or getattr(predicate, '__name__', 'condition')} not met "
                                   f"within {timeout}s\n{self.dump()}")
            await asyncio.sleep(interval)

    def wait_connected(self, timeout: float = 10.0) -> None:
        self.wait_for(self.is_connected, timeout, what="a gateway session")

    def _check(self, predicate: Callable) -> Any:
        try:
            takes_arg = len(inspect.signature(predicate).parameters) > 0
        except (TypeError, ValueError):
            takes_arg = False
        return predicate(self) if takes_arg else predicate()

    def dump(self) -> str:
        lines = ["--- fake Discord state ---", f"sessions: {self.sessions()}", "recent requests:"]
        for r in self.request_log()[-30:]:
            lines.append(f"  {r['method']} {r['path']} -> {r['status']}")
        lines.append("messages:")
        for m in self.all_messages()[-30:]:
            flags = ("deleted " if m["deleted"] else "") + ("ephemeral " if m["ephemeral"] else "")
            lines.append(f"  [{m['channel_id']}] {m['id']} by {m['author_id']} {flags}{m['content']!r:.120}"
                         f"{' +' + str(len(m['embeds'])) + ' embeds' if m['embeds'] else ''}")
        lines.append("interaction responses:")
        for r in self.interaction_responses()[-20:]:
            lines.append(f"  {r['interaction_id']} {r['kind']} type={r['type']} flags={r['flags']} "
                         f"{(r['content'] or '')!r:.100}")
        lines.append(f"threads: {[(t['id'], t['name']) for t in self.threads()]}")
        return "\n".join(lines)

    # ------------------------------------------------------------------ /_fake/ control over HTTP
    async def _fake_control(self, request: web.Request) -> web.Response:
        action = request.match_info["action"]
        try:
            body = json.loads(await request.text() or "{}")
        except ValueError:
            return _json(400, {"error": "body must be JSON"})
        calls: dict[str, Callable] = {
            "state": lambda: {"messages": self.all_messages(), "responses": self.interaction_responses(),
                              "threads": self.threads(), "requests": self.request_log()[-100:]},
            "message": lambda: {"id": self.post_message(int(body["channel_id"]), int(body["user_id"]),
                                                        body["content"])},
            "dm": lambda: {"id": self.post_dm(int(body["user_id"]), body["content"])},
            "slash": lambda: {"id": self.slash(int(body["channel_id"]), int(body["user_id"]), body["name"],
                                               body.get("options") or {})},
            "press": lambda: {"id": self.press(int(body["channel_id"]), int(body["message_id"]),
                                               int(body["user_id"]), body["custom_id"])},
            "forum_post": lambda: dict(zip(("thread_id", "message_id"), self.create_forum_post(
                int(body["channel_id"]), int(body["user_id"]), body["title"], body["content"]), strict=True)),
        }
        if action not in calls:
            return _json(404, {"error": f"unknown action {action!r}", "actions": sorted(calls)})
        try:
            result = await asyncio.get_running_loop().run_in_executor(None, calls[action])
        except (LookupError, ValueError, APIError) as exc:
            return _json(400, {"error": str(exc)})
        return web.Response(text=json.dumps(result, default=str), content_type="application/json")


_REASONS = {400: "Bad Request", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
            504: "Gateway Timeout", 403: "Forbidden", 404: "Not Found"}


def _json(status: int, body: Any) -> web.Response:
    return web.Response(status=status, body=json.dumps(body).encode(), headers=JSON_HEADERS)


def _error(exc: APIError) -> web.Response:
    return _json(exc.status, exc.body())


def _int(value: Any, default: int | None = None) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        if default is None:
            raise err("invalid_form", form_errors([((), "NUMBER_TYPE_COERCE",
                                                    f"Value \"{value}\" is not snowflake.")])) from None
        return default


def _check_name(name: Any) -> None:
    if not isinstance(name, str) or not 1 <= len(name) <= 100:
        raise err("invalid_form", form_errors([(("name",), "BASE_TYPE_BAD_LENGTH",
                                                "Must be between 1 and 100 in length.")]))


def _find_component(components: list, custom_id: str) -> dict | None:
    for comp in components or []:
        if comp.get("custom_id") == custom_id:
            return comp
        found = _find_component(comp.get("components") or [], custom_id)
        if found is None and comp.get("accessory"):
            found = _find_component([comp["accessory"]], custom_id)
        if found is not None:
            return found
    return None


def _copy(value: Any) -> Any:
    return json.loads(json.dumps(value))


async def _read_body(request: web.Request) -> tuple[Any, list]:
    files: list[dict] = []
    if not request.can_read_body:
        return None, files
    if request.content_type.startswith("multipart/"):
        payload: Any = None
        reader = await request.multipart()
        async for part in reader:
            if part.name == "payload_json":
                payload = json.loads(await part.text())
            elif part.filename is not None or (part.name or "").startswith("file"):
                data = await part.read(decode=False)
                files.append({"field": part.name or "", "filename": part.filename, "data": bytes(data),
                              "content_type": part.headers.get("Content-Type", "application/octet-stream")})
        return payload, files
    raw = await request.read()
    return (json.loads(raw) if raw.strip() else None), files


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Fake Discord gateway + REST API for local runs.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8082)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--application-id", type=int, default=DEFAULT_APPLICATION_ID)
    parser.add_argument("--heartbeat-interval", type=int, default=41250, help="milliseconds")
    parser.add_argument("--guild", action="append", default=[], metavar="ID:NAME")
    parser.add_argument("--channel", action="append", default=[], metavar="GUILD:ID:NAME[:TYPE]")
    parser.add_argument("--member", action="append", default=[], metavar="GUILD:ID:NAME[:ROLE,ROLE]")
    parser.add_argument("--role", action="append", default=[], metavar="GUILD:ID:NAME")
    args = parser.parse_args(argv)
    fake = FakeDiscord(host=args.host, port=args.port, token=args.token, application_id=args.application_id,
                       heartbeat_interval=args.heartbeat_interval).start()
    for spec in args.guild:
        gid, name = spec.split(":", 1)
        fake.add_guild(int(gid), name)
    for spec in args.role:
        gid, rid, name = spec.split(":", 2)
        fake.add_role(int(gid), int(rid), name)
    for spec in args.channel:
        gid, cid, name, *ctype = spec.split(":")
        fake.add_channel(int(gid), int(cid), name, int(ctype[0]) if ctype else TEXT)
    for spec in args.member:
        gid, uid, name, *roles = spec.split(":")
        fake.add_member(int(gid), int(uid), name, [int(r) for r in roles[0].split(",")] if roles else ())
    serve_until_interrupted(fake, (
        f"fake Discord listening\n  api_base_url = {fake.api_base_url}\n  gateway_url  = {fake.gateway_url}\n"
        f"  token        = {fake.token}\n  control      = {fake.base_url}/_fake/{{state,message,dm,slash,press,"
        f"forum_post}}"))


if __name__ == "__main__":
    main()
