"""The GitHub link-up's world: a desk on the embedded defaults with [github] pointed at the local fake GitHub
(court's repository kleros/court), its console chat, and the web server under a test client receiving
signed webhook deliveries."""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from supportbot import runtime
from supportbot.bootstrap import App, build_app, console_chat
from supportbot.bootstrap_serving import web_extras
from supportbot.chat.console import ConsoleChat
from supportbot.config import load_settings
from supportbot.config_playbook import GithubConfig
from supportbot.db.engine import Database
from supportbot.domain.tickets import Ticket
from supportbot.services.ports import TicketEvent
from supportbot.web.github_webhook import signature
from supportbot.web.server import WebContext, WebOptions, make_app, session_secret, templates
from tests.conftest import sqlite_url
from tests.fakes.github_api import FakeGithub, serving
from tests.web.conftest import type_lines

SECRET = "webhook-secret-for-the-tests-0123456789"
TOKEN = "github_pat_tests0123456789abcdef"
REPO = "kleros/court"
PR_URL = f"https://github.com/{REPO}/pull/12"


@dataclass
class GithubWorld:
    app: App
    chat: ConsoleChat
    client: TestClient
    fake: FakeGithub
    printed: list[str] = field(default_factory=list)

    async def say(self, *lines: str) -> list[str]:
        return await type_lines(self.chat, self.printed, lines)

    async def deliver(self, event: str, payload: dict[str, Any], *, delivery: str | None = None,
                      secret: str | None = SECRET) -> tuple[int, dict[str, Any]]:
        """POST a delivery as GitHub does, signed with `secret` (None: unsigned); the status and JSON answer."""
        body = json.dumps(payload).encode()
        headers = {"X-GitHub-Event": event, "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
                   "Content-Type": "application/json"}
        if secret is not None:
            headers["X-Hub-Signature-256"] = signature(secret, body)
        response = await self.client.post("/github/webhook", data=body, headers=headers)
        answer = await response.json() if response.content_type == "application/json" else {}
        await self.chat.flush()
        return response.status, answer

    async def run_calls(self) -> int:
        """The scheduler's GitHub job once; then whatever it queued goes out in the console."""
        assert self.app.github is not None
        made = await self.app.github.run_due()
        await self.chat.flush()
        return made

    async def poll(self) -> int:
        """The scheduler's polling job once (every [github] poll_interval, 5 min by default)."""
        [(job, every)] = [(run, every) for name, run, every in runtime.periodic_jobs(self.app, [])
                          if name == "github-poll"]
        assert every.total_seconds() == 300
        changed = await job()
        await self.chat.flush()
        return changed

    async def board_page(self, number: int, person: str = "Alice") -> str:
        """The team board's page of a ticket, signed in as `person`."""
        from supportbot.web.auth import COOKIE, start_session
        from supportbot.web.server import CONTEXT

        found = self.app.desk.directory.person(person)
        assert found is not None
        cookie = await start_session(self.client.server.app[CONTEXT], found)
        self.client.session.cookie_jar.update_cookies({COOKIE: cookie})
        response = await self.client.get(f"/board/tickets/{number}")
        assert response.status == 200
        return await response.text()

    async def ticket(self, number: int) -> Ticket:
        async with self.app.database() as uow:
            ticket = await uow.tickets.by_number(number)
        assert ticket is not None
        return ticket

    async def history(self, number: int) -> list[TicketEvent]:
        ticket = await self.ticket(number)
        async with self.app.database() as uow:
            return list(await uow.events.for_ticket(ticket.stored_id))


def pull_event(action: str, pull: dict[str, Any], *, sender: str = "dana", repo: str = REPO) -> dict[str, Any]:
    return {"action": action, "number": pull["number"], "pull_request": dict(pull),
            "repository": {"full_name": repo}, "sender": {"login": sender}}


MakeWorld = Callable[..., Awaitable[GithubWorld]]


@pytest.fixture
async def make_github_world(upgraded_folder: Path, clock) -> AsyncIterator[MakeWorld]:
    """Build a world: `webhook=False` leaves the secret out (polling); `database` (conftest's, on either
    engine) instead of a SQLite file."""
    made: list[tuple[GithubWorld, Any]] = []

    async def make(*, webhook: bool = True, database: Database | None = None) -> GithubWorld:
        fake = FakeGithub(token=TOKEN)
        served = serving(fake)
        base = await served.__aenter__()
        settings = load_settings(None, env={})
        products = [p.model_copy(update={"github_repos": [REPO]}) if p.key == "court" else p
                    for p in settings.products]
        github = GithubConfig(token=SecretStr(TOKEN), api_base_url=base,
                              webhook_secret=SecretStr(SECRET) if webhook else None)
        settings = settings.model_copy(update={"products": products, "github": github})
        database = database or Database.from_url(sqlite_url(upgraded_folder))
        app = build_app(settings, {"console"}, clock=clock, database=database)
        printed: list[str] = []
        chat = console_chat(app, printed.append, itertools.count(1), echo=False)
        conf = settings.web
        options = WebOptions(listen=conf.listen, port=conf.port, public_url=conf.public_url,
                             public_tracker=conf.public_tracker)
        ctx = WebContext(options, app.desk, app.database, clock, templates(), extras=web_extras(app))
        ctx.secret = await session_secret(app.database, None)
        client = TestClient(TestServer(make_app(ctx)))
        await client.start_server()
        world = GithubWorld(app, chat, client, fake, printed)
        made.append((world, served))
        return world

    yield make
    for world, served in made:
        await world.client.close()
        await runtime.close_links(world.app)
        await world.app.database.dispose()
        await served.__aexit__(None, None, None)
