"""The web side against a real desk: the embedded default config on a migrated SQLite copy, a manual
clock, the console chat to post reports and commands as people would, and aiohttp's test client."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from supportbot.bootstrap import App, build_app, console_chat
from supportbot.chat.console import ConsoleChat
from supportbot.config import WebConfig, load_settings
from supportbot.db.engine import Database
from supportbot.web.server import WebContext, WebOptions, make_app, session_secret, templates
from tests.conftest import sqlite_url


async def type_lines(chat: ConsoleChat, printed: list[str], lines: tuple[str, ...]) -> list[str]:
    """Type console lines into the chat, each sent before the next; what they printed."""
    start = len(printed)
    for line in lines:
        await chat.handle(line)
        await chat.flush()
    return printed[start:]


@dataclass
class WebWorld:
    """A desk with its console chat and its web app under a test client."""

    app: App
    chat: ConsoleChat
    client: TestClient
    printed: list[str] = field(default_factory=list)  # what the console chat showed, every line

    async def say(self, *lines: str) -> list[str]:
        """Type console lines (`/as Alice`, `/in court`, a report, a command); what they printed."""
        return await type_lines(self.chat, self.printed, lines)

    async def sign_in(self, name: str) -> None:
        """Sign the test client in as a team member, as following a /dashboard link would."""
        from supportbot.web.auth import COOKIE, start_session

        person = self.app.desk.directory.person(name)
        assert person is not None, f"{name} is not in the config's [[people]]"
        self.client.session.cookie_jar.update_cookies({COOKIE: await start_session(self.ctx, person)})

    @property
    def ctx(self) -> WebContext:
        from supportbot.web.server import CONTEXT

        return self.client.server.app[CONTEXT]


MakeWorld = Callable[..., Awaitable[WebWorld]]


@pytest.fixture
async def make_web_world(upgraded_folder: Path, clock) -> AsyncIterator[MakeWorld]:
    """Build a world; keyword arguments override [web] keys (e.g. public_tracker=False)."""
    made: list[WebWorld] = []

    async def make(**web: Any) -> WebWorld:
        settings = load_settings(None, env={})
        settings = settings.model_copy(update={"web": WebConfig(**web)})
        database = Database.from_url(sqlite_url(upgraded_folder))
        app = build_app(settings, {"console"}, clock=clock, database=database)
        printed: list[str] = []
        chat = console_chat(app, printed.append, itertools.count(1), echo=False)
        conf = settings.web
        options = WebOptions(listen=conf.listen, port=conf.port, public_url=conf.public_url,
                             public_tracker=conf.public_tracker,
                             secret=conf.secret.get_secret_value() if conf.secret else None)
        ctx = WebContext(options, app.desk, app.database, clock, templates())
        ctx.secret = await session_secret(app.database, options.secret)
        client = TestClient(TestServer(make_app(ctx)))
        await client.start_server()
        world = WebWorld(app, chat, client, printed)
        made.append(world)
        return world

    yield make
    for world in made:
        await world.client.close()
        await world.app.database.dispose()


@pytest.fixture
async def web_world(make_web_world: MakeWorld) -> WebWorld:
    """The world on the embedded defaults: web on, public tracker on, secret generated."""
    return await make_web_world()
