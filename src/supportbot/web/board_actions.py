"""The ticket page's actions: each form becomes the typed command the chat would give and the desk carries it
out as the signed-in person, so the chat card is edited and the reporter told in the same transaction as the
change. The desk's answer (done, or a one-line refusal) is shown on the ticket's page after the redirect."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from supportbot.domain import commands as cmd
from supportbot.domain import texts
from supportbot.domain.ticket_states import SUB_STATES, Resolution, Severity, Status
from supportbot.domain.tickets import MAX_TICKET_NUMBER
from supportbot.services import web_access
from supportbot.web import auth
from supportbot.web.server import CONTEXT

FLASH = "supportbot_flash"
FLASH_PATH = "/board/tickets"
MAX_FLASH = 600  # characters of the desk's answer kept for the page
MAX_FIELD = 4000  # characters of a note


class BadForm(Exception):
    """A form field that names no choice: said on the page, nothing changed."""


@dataclass(frozen=True)
class Flash:
    """The desk's answer to the last action, shown once."""

    text: str
    ok: bool


Form = dict[str, str]


def _choice(form: Form, name: str, kind: Callable[[str], object], what: str) -> str:
    value = form.get(name, "").strip()
    if not value:
        raise BadForm(texts.MISSING_FIELD.format(what=what))
    try:
        kind(value)
    except ValueError:
        raise BadForm(texts.NOT_A_CHOICE.format(value=value[:40], what=what)) from None
    return value


def _text(form: Form, name: str, what: str | None = None) -> str:
    value = form.get(name, "").strip()[:MAX_FIELD]
    if what is not None and not value:
        raise BadForm(texts.MISSING_FIELD.format(what=what))
    return value


def _set_status(number: int, form: Form) -> cmd.SetStatus:
    """The status form: a status, a note, and what an in-progress ticket waits on (the form keeps the
    ticket's sub-state selected, so with any other status it is not a choice made: it is left out)."""
    status = Status(_choice(form, "status", Status, "status"))
    sub_state = form.get("sub_state", "").strip() or None
    if sub_state is not None and sub_state not in SUB_STATES:
        raise BadForm(texts.NOT_A_CHOICE.format(value=sub_state[:40], what="sub-state"))
    return cmd.SetStatus(number, status, _text(form, "note"), sub_state if status is Status.IN_PROGRESS else None)


# Each action: the typed command from the ticket's number and the form, as /<action> in chat gives it.
ACTIONS: dict[str, Callable[[int, Form], cmd.Command]] = {
    "take": lambda n, f: cmd.Take(n),
    "assign": lambda n, f: cmd.Assign(n, _text(f, "person", "the person to assign")),
    "status": lambda n, f: _set_status(n, f),
    "note": lambda n, f: cmd.AddNote(n, _text(f, "text", "the note")),
    "severity": lambda n, f: cmd.SetSeverity(n, Severity(_choice(f, "severity", Severity, "severity"))),
    "resolve": lambda n, f: cmd.Resolve(n, Resolution(_choice(f, "reason", Resolution, "reason")), _text(f, "note")),
    "reopen": lambda n, f: cmd.Reopen(n),
}


def ticket_number(request: web.Request) -> int:
    """The ticket number in the path; 404 for anything that is not one."""
    raw = request.match_info["number"]
    if not raw.isascii() or not raw.isdigit() or len(raw) > 10 or not 1 <= int(raw) <= MAX_TICKET_NUMBER:
        raise web.HTTPNotFound(text="No such ticket.")
    return int(raw)


async def act(request: web.Request) -> web.StreamResponse:
    """Carry out one action on a ticket for the signed-in person (with the session's CSRF token)."""
    await auth.check_csrf(request)
    person = await auth.require_team(request)
    ctx = request.app[CONTEXT]
    number = ticket_number(request)
    make = ACTIONS.get(request.match_info["action"])
    if make is None or await web_access.ticket_with_history(ctx.desk.deps, person, number) is None:
        raise web.HTTPNotFound(text="No such ticket or action.")
    form = {k: str(v) for k, v in (await request.post()).items() if isinstance(v, str)}
    try:
        command = make(number, form)
    except BadForm as refused:
        flash = Flash(str(refused), ok=False)
    else:
        said = " ".join(v for k, v in sorted(form.items()) if k != "csrf")
        msg = web_access.board_message(person, f"/{request.match_info['action']} {number} {said}".strip(),
                                       ctx.clock.now())
        reply = await ctx.desk.run(command, msg, None)
        flash = Flash(reply.text, reply.ok)
    response = web.Response(status=303, headers={"Location": f"{FLASH_PATH}/{number}"})
    payload = json.dumps({"text": flash.text[:MAX_FLASH], "ok": flash.ok}).encode()
    response.set_cookie(FLASH, base64.urlsafe_b64encode(payload).decode(), path=FLASH_PATH, httponly=True,
                        samesite="Strict", secure=ctx.options.public_url.startswith("https://"))
    return response


def read_flash(request: web.Request) -> Flash | None:
    """The answer to the last action, if the browser brought one back."""
    raw = request.cookies.get(FLASH)
    if not raw:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(raw.encode()))
        return Flash(str(data["text"])[:MAX_FLASH], bool(data["ok"]))
    except (binascii.Error, ValueError, KeyError, TypeError):
        return None


def clear_flash(response: web.StreamResponse) -> None:
    response.del_cookie(FLASH, path=FLASH_PATH)


def register(app: web.Application) -> None:
    """Add the action routes."""
    app.router.add_post("/board/tickets/{number}/{action}", act)
