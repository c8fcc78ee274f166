"""Webhook mode: Telegram POSTs each update; we answer 200 once the desk has committed it or parked it.

Built on aiohttp (installed with discord.py) rather than python-telegram-bot's webhook server,
which needs the tornado extra and answers 200 before the update is handled: a crash then would
lose it. Here an update that fails after the short retry is parked (stored raw in the dead
letters) and answered 200, so Telegram does not deliver a bad update forever; only when parking
fails too (database down) the answer is 500 and Telegram delivers the update again later.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Bot, Update

from supportbot.chat.retrying import SHORT, RetryPolicy
from supportbot.chat.telegram.polling import Parker, handle_or_park
from supportbot.chat.telegram.updates import ALLOWED_UPDATES, raw_chat_id

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# One update at a time keeps each chat's messages in order, even across replicas; a support desk's
# traffic is far below what one connection carries.
MAX_CONNECTIONS = 1


Receiver = Callable[[web.Request], Awaitable[web.Response]]


class WebhookMount:
    """The webhook's route on another aiohttp application (the web server's, when the two share an address).

    The route is added when that application is made, before the adapter exists; until the adapter starts
    receiving, it answers 503 and Telegram delivers the update again later."""

    def __init__(self, url: str) -> None:
        self.path = urlsplit(url).path or "/"
        self._receive: Receiver | None = None

    def add_route(self, app: web.Application) -> None:
        """Add the webhook's POST route to `app` (passed to the web server as its extra routes)."""
        app.router.add_post(self.path, self._handle)

    def attach(self, receive: Receiver | None) -> None:
        """Hand the POSTs to `receive` from now on (None: answer 503 again)."""
        self._receive = receive

    async def _handle(self, request: web.Request) -> web.Response:
        if self._receive is None:
            return web.Response(status=503, text="not receiving yet")
        return await self._receive(request)


class WebhookServer:
    """Listens for Telegram's POSTs on the webhook URL's path (on its own address, or on `mount` when the web
    server shares it) and registers that URL with Telegram."""

    def __init__(self, bot: Bot, handle: Callable[[Update], Awaitable[None]], park: Parker, *, url: str, listen: str,
                 port: int, secret: str | None, retry: RetryPolicy = SHORT, mount: WebhookMount | None = None) -> None:
        self.bot = bot
        self.handle = handle
        self.park = park
        self.url = url
        self.listen = listen
        self.port = port
        self.secret = secret
        self.retry = retry
        self.path = urlsplit(url).path or "/"
        self.mount = mount
        self._runner: web.AppRunner | None = None
        self._locks: dict[int, asyncio.Lock] = {}

    async def start(self) -> None:
        """Serve, then tell Telegram where to send updates."""
        if self.mount is not None:
            self.mount.attach(self._receive)
        else:
            app = web.Application()
            app.router.add_post(self.path, self._receive)
            self._runner = web.AppRunner(app, access_log=None)
            await self._runner.setup()
            site = web.TCPSite(self._runner, self.listen, self.port)
            await site.start()
        await self.bot.set_webhook(self.url, allowed_updates=list(ALLOWED_UPDATES), secret_token=self.secret,
                                   max_connections=MAX_CONNECTIONS)
        log.info("webhook listening on %s:%s%s for %s%s", self.listen, self.port, self.path, self.url,
                 " (on the web server)" if self.mount is not None else "")

    async def stop(self) -> None:
        """Stop listening; the webhook stays registered, so Telegram keeps updates until we are back."""
        if self.mount is not None:
            self.mount.attach(None)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _receive(self, request: web.Request) -> web.Response:
        if self.secret and not hmac.compare_digest(request.headers.get(SECRET_HEADER, ""), self.secret):
            log.warning("webhook request without the right secret token from %s", request.remote)
            return web.Response(status=403, text="forbidden")
        try:
            raw = json.loads(await request.read())
        except ValueError as err:  # not JSON at all: nothing to park
            log.warning("unreadable webhook body: %s", err)
            return web.Response(status=400, text="bad update")
        lock = self._locks.setdefault(raw_chat_id(raw) or 0, asyncio.Lock())
        async with lock:
            done = await handle_or_park(raw, self.bot, self.handle, self.park, self.retry)
        # 500 asks Telegram to deliver it again later: only when it was neither handled nor parked.
        return web.Response(status=200 if done else 500, text="ok" if done else "try again")
