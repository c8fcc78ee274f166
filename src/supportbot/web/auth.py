"""Who is signed in to the board: a session cookie (random id, HMAC-signed with the web secret, HttpOnly,
SameSite=Lax, Secure under https) whose id is stored hashed for 12 hours; CSRF tokens derived from it.
A person removed from config is signed out by that alone: sessions name people, the directory decides."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from aiohttp import web

from supportbot.domain.people import Person
from supportbot.services.web_access import token_hash
from supportbot.web.server import CONTEXT, WebContext

COOKIE = "supportbot_session"
SESSION_LIFETIME = timedelta(hours=12)
SIGN_IN_PAGE = "/board/signin"  # says how to get a link: /dashboard in chat


def _signature(secret: str, purpose: str, value: str) -> str:
    return hmac.new(secret.encode(), f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


async def start_session(ctx: WebContext, person: Person) -> str:
    """Open a 12-hour session for the person; returns the cookie's value (the id and its signature)."""
    session_id = secrets.token_urlsafe(32)
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        await uow.web.add_session(token_hash(session_id), person.name, now, now + SESSION_LIFETIME)
        await uow.commit()
    return f"{session_id}.{_signature(ctx.secret, 'session', session_id)}"


def set_session_cookie(response: web.StreamResponse, ctx: WebContext, value: str) -> None:
    response.set_cookie(COOKIE, value, max_age=int(SESSION_LIFETIME.total_seconds()), path="/", httponly=True,
                        samesite="Lax", secure=ctx.options.public_url.startswith("https://"))


def _session_id(request: web.Request) -> str | None:
    """The session id from a cookie whose signature is right; None for no cookie or a forged one."""
    value = request.cookies.get(COOKIE, "")
    session_id, _, signature = value.rpartition(".")
    if not session_id or not hmac.compare_digest(signature, _signature(request.app[CONTEXT].secret, "session", session_id)):
        return None
    return session_id


async def signed_in(request: web.Request) -> Person | None:
    """The team member this request comes from, or None (no session, ended, expired, or no longer in config)."""
    session_id = _session_id(request)
    if session_id is None:
        return None
    ctx = request.app[CONTEXT]
    async with ctx.uow() as uow:
        name = await uow.web.session_person(token_hash(session_id), ctx.clock.now())
    return ctx.desk.directory.person(name) if name is not None else None


async def require_team(request: web.Request) -> Person:
    """The signed-in team member; anyone else is sent to the page that says how to sign in."""
    person = await signed_in(request)
    if person is None:
        raise web.HTTPSeeOther(SIGN_IN_PAGE)
    return person


async def end_session(request: web.Request) -> None:
    session_id = _session_id(request)
    if session_id is not None:
        ctx = request.app[CONTEXT]
        async with ctx.uow() as uow:
            await uow.web.end_session(token_hash(session_id), ctx.clock.now())
            await uow.commit()


def csrf_token(request: web.Request) -> str:
    """The token every form of this session carries (empty without a session: such a POST is refused)."""
    session_id = _session_id(request)
    return _signature(request.app[CONTEXT].secret, "csrf", session_id) if session_id else ""


async def check_csrf(request: web.Request) -> None:
    """Refuse (403) a POST whose form does not carry this session's CSRF token."""
    form = await request.post()
    given = str(form.get("csrf", ""))
    expected = csrf_token(request)
    if not expected or not hmac.compare_digest(given, expected):
        raise web.HTTPForbidden(text="This form has expired or did not come from the board: reload the page and try again.")
