"""Signing in to the board: the one-time link from chat, the page that says how to get one, signing out.

An address may try at most LOGIN_TRIES links a minute: a token cannot be guessed by asking many times."""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta

from aiohttp import web

from supportbot.domain import texts
from supportbot.services import web_access
from supportbot.web import auth
from supportbot.web.server import CONTEXT, render

LOGIN_TRIES = 10
LOGIN_WINDOW = timedelta(minutes=1)
MAX_ADDRESSES = 10_000  # addresses remembered at once; the oldest are forgotten past this
# Link previews: chat platforms fetch a posted link before anyone clicks it; that must not use the link up.
PREVIEW_AGENTS = ("discordbot", "telegrambot", "slackbot", "facebookexternalhit", "whatsapp", "twitterbot",
                  "skypeuripreview")
NO_STORE = {"Cache-Control": "no-store"}


class TryLimit:
    """At most `tries` attempts per address within `window`, on the desk's clock (kept in memory)."""

    def __init__(self, tries: int = LOGIN_TRIES, window: timedelta = LOGIN_WINDOW) -> None:
        self.tries = tries
        self.window = window
        self._seen: dict[str, deque[datetime]] = {}

    def allow(self, address: str, now: datetime) -> bool:
        """Count one attempt from `address`; False when it is one too many."""
        seen = self._seen.pop(address, None) or deque()
        while seen and seen[0] <= now - self.window:
            seen.popleft()
        self._seen[address] = seen  # re-inserted: the dict stays ordered by last attempt
        if len(seen) >= self.tries:
            return False
        seen.append(now)
        while len(self._seen) > MAX_ADDRESSES:
            del self._seen[next(iter(self._seen))]
        return True


LIMIT: web.AppKey[TryLimit] = web.AppKey("login_limit", TryLimit)


def _message(request: web.Request, status: int, title: str, message: str) -> web.Response:
    response = render(request, "board/message.html", status=status, title=title, message=message)
    response.headers.update(NO_STORE)
    return response


async def login(request: web.Request) -> web.StreamResponse:
    """A link from /dashboard: sign in and go to the board, or say the link no longer works."""
    ctx = request.app[CONTEXT]
    if not request.app[LIMIT].allow(request.remote or "", ctx.clock.now()):
        response = _message(request, 429, "Too many tries", texts.TOO_MANY_TRIES)
        response.headers["Retry-After"] = str(int(LOGIN_WINDOW.total_seconds()))
        return response
    agent = request.headers.get("User-Agent", "").lower()
    if any(bot in agent for bot in PREVIEW_AGENTS):
        return _message(request, 200, "Sign in", texts.SIGN_IN_HOW.format(minutes=texts.LINK_MINUTES))
    person = await web_access.sign_in(ctx.desk.deps, request.match_info["token"])
    if person is None:
        return _message(request, 400, "Link expired", texts.LINK_EXPIRED)
    response = web.Response(status=303, headers={"Location": "/board", **NO_STORE})
    auth.set_session_cookie(response, ctx, await auth.start_session(ctx, person))
    return response


async def signin_page(request: web.Request) -> web.Response:
    """How to sign in: /dashboard in chat."""
    person = await auth.signed_in(request)
    return render(request, "board/signin.html", person=person,
                  how=texts.SIGN_IN_HOW.format(minutes=texts.LINK_MINUTES))


async def logout(request: web.Request) -> web.StreamResponse:
    """End this session (a form with the session's CSRF token) and say so."""
    await auth.check_csrf(request)
    await auth.end_session(request)
    response = web.Response(status=303, headers={"Location": auth.SIGN_IN_PAGE})
    response.del_cookie(auth.COOKIE, path="/")
    return response


def register(app: web.Application) -> None:
    """Add the sign-in routes."""
    app[LIMIT] = TryLimit()
    app.router.add_get("/login/{token}", login)
    app.router.add_get(auth.SIGN_IN_PAGE, signin_page)
    app.router.add_post("/logout", logout)
