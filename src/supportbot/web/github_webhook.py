"""POST /github/webhook: GitHub's deliveries, refused (401, logged) unless signed with the webhook secret
(X-Hub-Signature-256, HMAC-SHA256 of the body, compared in constant time)."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from supportbot.web.server import CONTEXT

log = logging.getLogger(__name__)

GITHUB = "github"  # WebContext.extras key: the GithubWebhook below, when [github] has a webhook secret
PATH = "/github/webhook"


@dataclass(frozen=True)
class GithubWebhook:
    """The secret deliveries are signed with, and what handles one (event, delivery id, payload)."""

    secret: str
    handle: Callable[[str, str, dict[str, Any]], Awaitable[str]]


def signature(secret: str, body: bytes) -> str:
    """The X-Hub-Signature-256 value GitHub sends for this body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def register(app: web.Application) -> None:
    app.router.add_post(PATH, receive)


async def receive(request: web.Request) -> web.Response:
    hook = request.app[CONTEXT].extras.get(GITHUB)
    if not isinstance(hook, GithubWebhook):
        raise web.HTTPNotFound()
    body = await request.read()  # the application's client_max_size (1 MB) refuses a larger one with 413
    given = request.headers.get("X-Hub-Signature-256", "")
    if not hmac.compare_digest(given.encode(), signature(hook.secret, body).encode()):
        log.warning("GitHub webhook: %s delivery refused from %s (event %s)",
                    "unsigned" if not given else "mis-signed", request.remote, request.headers.get("X-GitHub-Event"))
        return web.json_response({"error": "bad signature"}, status=401)
    event, delivery = request.headers.get("X-GitHub-Event", ""), request.headers.get("X-GitHub-Delivery", "")
    try:
        payload = json.loads(body)
    except ValueError:
        return web.json_response({"error": "not JSON"}, status=400)
    if not event or not delivery or not isinstance(payload, dict):
        return web.json_response({"error": "X-GitHub-Event and X-GitHub-Delivery are needed"}, status=400)
    if event == "ping":
        return web.json_response({"ok": "pong"})
    done = await hook.handle(event, delivery, payload)
    log.info("GitHub delivery %s (%s): %s", delivery, event, done)
    return web.json_response({"ok": done})
