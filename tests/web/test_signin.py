"""Signing in to the board from chat: /dashboard's one-time link, its lifetime, the session cookie, signing
out, a person removed from config, the limit on /login, and no token or session id in the logs."""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from supportbot.db.tables import login_tokens, outbox
from supportbot.domain import texts
from supportbot.domain.people import Sender
from supportbot.services import web_access
from supportbot.services.ports import IncomingMessage
from supportbot.web.auth import COOKIE
from supportbot.web.signin import LOGIN_TRIES
from tests.web.conftest import WebWorld

LINK = re.compile(r"(https?://\S+)/login/([A-Za-z0-9_-]+)")


async def dashboard_link(world: WebWorld, person: str = "Alice", place: str = "team") -> str:
    """The path of the link /dashboard prints in the console for `person`."""
    printed = "\n".join(await world.say(f"/as {person}", f"/in {place}", "/dashboard"))
    found = LINK.search(printed)
    assert found, printed
    assert found.group(1) == world.ctx.options.public_url
    return f"/login/{found.group(2)}"


async def stored_tokens(world: WebWorld) -> list[str]:
    async with world.app.database.engine.connect() as conn:
        return [row.token_hash for row in await conn.execute(sa.select(login_tokens.c.token_hash))]


async def test_the_console_link_signs_in_once_with_a_lax_httponly_cookie(web_world: WebWorld) -> None:
    link = await dashboard_link(web_world)
    assert link.split("/")[-1] not in "".join(await stored_tokens(web_world))  # kept hashed only

    response = await web_world.client.get(link, allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/board"
    cookie = response.cookies[COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and not cookie["secure"]
    board = await web_world.client.get("/board", allow_redirects=False)
    assert board.status == 200 and "Alice" in await board.text()

    again = await web_world.client.get(link, allow_redirects=False)
    assert again.status == 400 and texts.LINK_EXPIRED in await again.text()


async def test_a_link_works_for_ten_minutes(web_world: WebWorld, clock) -> None:
    late, in_time = await dashboard_link(web_world), await dashboard_link(web_world)
    clock.advance(minutes=9, seconds=59)
    assert (await web_world.client.get(in_time, allow_redirects=False)).status == 303
    clock.advance(seconds=1)
    refused = await web_world.client.get(late, allow_redirects=False)
    assert refused.status == 400 and COOKIE not in refused.cookies


async def test_the_cookie_is_secure_under_https(make_web_world) -> None:
    world = await make_web_world(public_url="https://desk.example.org")
    link = await dashboard_link(world)
    response = await world.client.get(link, allow_redirects=False)
    assert response.status == 303 and response.cookies[COOKIE]["secure"]


async def test_a_reporters_dashboard_is_refused_and_stores_nothing(web_world: WebWorld) -> None:
    printed = await web_world.say("/as Erin", "/in court", "/dashboard")
    assert printed[-1].endswith(": ⚠️ Only the support team can use /dashboard.")
    other = await web_world.say("/tickets")  # refused the same way as any team command
    assert other[-1].endswith(": ⚠️ Only the support team can use /tickets.")
    assert await stored_tokens(web_world) == []
    assert not LINK.search("\n".join(printed))


async def test_without_a_web_server_dashboard_says_so_and_stores_nothing(make_web_world) -> None:
    world = await make_web_world(enabled=False)
    printed = await world.say("/as Alice", "/in team", "/dashboard")
    assert printed[-1].endswith(f": ⚠️ {texts.BOARD_OFF}")
    assert await stored_tokens(world) == []


async def test_in_a_shared_chat_the_link_goes_privately_and_the_chat_hears_only_that(web_world: WebWorld) -> None:
    deps = web_world.app.desk.deps
    alice = deps.directory.person("Alice")
    assert alice is not None
    sender = Sender("telegram", 1001, "Alice", person=replace(alice, telegram_id=1001))
    deps = replace(deps, directory=replace(deps.directory, people=tuple(
        sender.person if p.name == "Alice" else p for p in deps.directory.people)))  # type: ignore[misc]
    msg = IncomingMessage("telegram", -100101, 7, sender, "/dashboard", datetime(2026, 12, 7, 9, tzinfo=UTC))

    reply = await web_access.send_board_link(deps, msg)

    assert reply.text == texts.BOARD_LINK_SENT and not LINK.search(reply.text)
    async with web_world.app.database.engine.connect() as conn:
        [row] = await conn.execute(sa.select(outbox))
    assert row.platform == "telegram" and row.chat_id == -100101
    assert row.payload["direct_to"] == 1001 and not LINK.search(row.payload["fallback_text"])
    found = LINK.search(row.text)
    assert found
    response = await web_world.client.get(f"/login/{found.group(2)}", allow_redirects=False)
    assert response.status == 303


async def test_the_board_asks_for_a_sign_in_and_the_sign_in_page_says_how(web_world: WebWorld) -> None:
    response = await web_world.client.get("/board", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/board/signin"
    page = await web_world.client.get("/board/signin")
    assert page.status == 200 and "/dashboard" in await page.text()


async def test_sign_out_needs_the_forms_token_and_ends_the_session(web_world: WebWorld) -> None:
    await web_world.client.get(await dashboard_link(web_world), allow_redirects=False)
    refused = await web_world.client.post("/logout", data={"csrf": "forged"}, allow_redirects=False)
    assert refused.status == 403
    assert (await web_world.client.get("/board", allow_redirects=False)).status == 200

    board = await web_world.client.get("/board")
    csrf = re.search(r'name="csrf" value="([^"]+)"', await board.text())
    assert csrf
    out = await web_world.client.post("/logout", data={"csrf": csrf.group(1)}, allow_redirects=False)
    assert out.status == 303 and out.headers["Location"] == "/board/signin"
    assert (await web_world.client.get("/board", allow_redirects=False)).status == 303


async def test_a_person_removed_from_config_is_signed_out(web_world: WebWorld, monkeypatch) -> None:
    await web_world.client.get(await dashboard_link(web_world, "Bob"), allow_redirects=False)
    assert (await web_world.client.get("/board", allow_redirects=False)).status == 200
    desk = web_world.app.desk
    without_bob = tuple(p for p in desk.directory.people if p.name != "Bob")
    monkeypatch.setattr(desk, "deps", replace(desk.deps, directory=replace(desk.directory, people=without_bob)))

    response = await web_world.client.get("/board", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/board/signin"
    assert (await web_world.client.get("/board/fragment")).status == 401


async def test_login_allows_ten_tries_a_minute_from_one_address(web_world: WebWorld, clock) -> None:
    link = await dashboard_link(web_world)
    for _ in range(LOGIN_TRIES):
        assert (await web_world.client.get("/login/" + "x" * 43, allow_redirects=False)).status == 400
    refused = await web_world.client.get(link, allow_redirects=False)
    assert refused.status == 429 and refused.headers["Retry-After"] == "60"
    assert texts.TOO_MANY_TRIES in await refused.text()
    clock.advance(minutes=1)
    assert (await web_world.client.get(link, allow_redirects=False)).status == 303  # not used up by the refusal


async def test_a_link_preview_does_not_use_the_link_up(web_world: WebWorld) -> None:
    link = await dashboard_link(web_world)
    preview = await web_world.client.get(link, headers={"User-Agent": "Mozilla/5.0 (compatible; Discordbot/2.0)"},
                                         allow_redirects=False)
    assert preview.status == 200 and COOKIE not in preview.cookies
    assert (await web_world.client.get(link, allow_redirects=False)).status == 303


@pytest.mark.parametrize("path", ["/login/short", "/login/" + "a" * 101, "/login/%3Cscript%3E" + "a" * 30])
async def test_a_malformed_link_is_refused_like_a_used_one(web_world: WebWorld, path: str) -> None:
    response = await web_world.client.get(path, allow_redirects=False)
    assert response.status == 400 and texts.LINK_EXPIRED in await response.text()


async def test_tokens_and_session_ids_never_reach_the_logs(web_world: WebWorld, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    link = await dashboard_link(web_world)
    response = await web_world.client.get(link, allow_redirects=False)
    session = response.cookies[COOKIE].value
    assert (await web_world.client.get("/board")).status == 200

    token, session_id = link.split("/")[-1], session.split(".")[0]
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records
                       if r.name != "aiohttp.access")  # the test server's access log; `run` keeps none
    assert "Alice signed in" in logged
    assert token not in logged and session_id not in logged
