"""A real browser on the web side: Playwright driving Debian's chromium (/usr/bin/chromium) against the
web server listening on a free port, beside a desk whose console chat the test types into. Screenshots
go to .artifacts/browser/ (kept by CI as test artefacts, never committed)."""

from __future__ import annotations

import itertools
import os
import shutil
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from supportbot.bootstrap import App, build_app, console_chat
from supportbot.bootstrap_serving import web_server
from supportbot.chat.console import ConsoleChat
from supportbot.config import WebConfig, load_settings
from supportbot.db.engine import Database
from supportbot.web.server import WebServer
from tests.conftest import sqlite_url
from tests.web.conftest import type_lines

CHROMIUM = os.environ.get("SUPPORTBOT_TEST_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / ".artifacts" / "browser"
# As the machine's closed network wants it: no background connections, no first-run pages.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

NO_CHROMIUM = pytest.mark.skip(reason=f"no chromium at {CHROMIUM} (Debian package chromium; .ci/run installs it)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Without a browser the tests here skip, saying why (a conftest's own pytestmark marks nothing)."""
    if shutil.which(CHROMIUM):
        return
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(NO_CHROMIUM)


@dataclass
class LiveWorld:
    """The desk, its console chat, and its web server on a real port."""

    app: App
    chat: ConsoleChat
    server: WebServer
    printed: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.server.url

    async def say(self, *lines: str) -> list[str]:
        return await type_lines(self.chat, self.printed, lines)


@pytest.fixture
async def live_world(upgraded_folder: Path, clock) -> AsyncIterator[LiveWorld]:
    with socket.socket() as probe:  # a free port, so that the links the desk sends in chat point at it
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    web = WebConfig(port=port, public_url=f"http://127.0.0.1:{port}")
    settings = load_settings(None, env={}).model_copy(update={"web": web})
    app = build_app(settings, {"console"}, clock=clock, database=Database.from_url(sqlite_url(upgraded_folder)))
    printed: list[str] = []
    chat = console_chat(app, printed.append, itertools.count(1), echo=False)
    server = web_server(app)  # wired as `supportbot run` wires it
    assert server is not None
    await server.start()
    try:
        yield LiveWorld(app, chat, server, printed)
    finally:
        await server.stop()
        await app.database.dispose()


@pytest.fixture
async def page(live_world: LiveWorld) -> AsyncIterator:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            context = await browser.new_context(viewport={"width": 1100, "height": 800})
            yield await context.new_page()
        finally:
            await browser.close()


def screenshot_path(name: str) -> str:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return str(ARTIFACTS / name)
