"""The Telegram webhook on the one web server when both are set to the same address, and on its own server
otherwise; wired by bootstrap as `supportbot run` wires them, against the fake Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp

from supportbot import runtime
from supportbot.bootstrap import App, build_app
from supportbot.bootstrap_serving import platform_adapters, web_server
from supportbot.config import load_settings
from tests.e2e.inprocess_fixtures import telegram  # noqa: F401 (pytest fixture)
from tests.e2e.support_telegram import COURT, DAVE, config_text, free_port
from tests.fakes.telegram_api import FakeTelegram

SECRET = "s3cret-token"
REPORT = "Staking on the court page fails with 'execution reverted' after I confirm in MetaMask."


def settings_file(folder: Path, fake: FakeTelegram, clock, *, webhook_port: int, web_port: int) -> Path:
    hook = (f'mode = "webhook"\nwebhook_url = "https://bot.example.org/tg/hook"\nwebhook_listen = "127.0.0.1"\n'
            f'webhook_port = {webhook_port}\nwebhook_secret = "{SECRET}"')
    path = folder / "config.toml"
    path.write_text(config_text(folder, fake, now=clock.now(), telegram_extra=hook)
                    + f'\n[web]\nlisten = "127.0.0.1"\nport = {web_port}\n', encoding="utf-8")
    return path


@asynccontextmanager
async def running(path: Path, clock) -> AsyncIterator[App]:
    """The web server started, then the Telegram adapter, as `supportbot run` starts them; both stopped after."""
    app = build_app(load_settings(path, env={}), {"telegram"}, clock=clock)
    await runtime.prepare_database(app)
    server = web_server(app)
    assert server is not None
    await server.start()
    [served] = platform_adapters(app)
    try:
        await served.adapter.start()
        yield app
    finally:
        await served.adapter.stop()
        await server.stop()
        await app.database.dispose()


async def post(port: int, update: dict, secret: str) -> int:
    async with aiohttp.ClientSession() as session, session.post(
            f"http://127.0.0.1:{port}/tg/hook", json=update,
            headers={"X-Telegram-Bot-Api-Secret-Token": secret}) as answer:
        return answer.status


async def get(port: int, path: str) -> int:
    async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}{path}") as answer:
        return answer.status


async def tickets(app: App) -> int:
    async with app.database() as uow:
        return await uow.tickets.count_open()


async def test_the_webhook_on_the_web_servers_address_is_served_by_the_web_server(tmp_path, telegram,  # noqa: F811
                                                                                  clock) -> None:
    port = free_port()
    async with running(settings_file(tmp_path, telegram, clock, webhook_port=port, web_port=port), clock) as app:
        assert app.webhook_mount is not None
        with telegram.lock:
            assert telegram.webhook["url"] == "https://bot.example.org/tg/hook"
        telegram.post_message(COURT, DAVE, REPORT)
        [update] = telegram.pending_updates()
        assert await post(port, update, "wrong") == 403
        assert await tickets(app) == 0
        assert await post(port, update, SECRET) == 200
        assert await tickets(app) == 1  # stored before the answer
        assert await get(port, "/healthz") == 200  # the same server answers the operator's probe


async def test_the_webhook_has_its_own_server_when_the_addresses_differ(tmp_path, telegram, clock) -> None:  # noqa: F811
    hook_port, web_port = free_port(), free_port()
    path = settings_file(tmp_path, telegram, clock, webhook_port=hook_port, web_port=web_port)
    async with running(path, clock) as app:
        assert app.webhook_mount is None
        telegram.post_message(COURT, DAVE, REPORT)
        [update] = telegram.pending_updates()
        assert await post(web_port, update, SECRET) == 404  # not the web server's route
        assert await post(hook_port, update, "wrong") == 403
        assert await post(hook_port, update, SECRET) == 200
        assert await tickets(app) == 1
        assert await get(web_port, "/healthz") == 200


async def test_updates_wait_with_503_until_the_adapter_receives(tmp_path, telegram, clock) -> None:  # noqa: F811
    port = free_port()
    app = build_app(load_settings(settings_file(tmp_path, telegram, clock, webhook_port=port, web_port=port), env={}),
                    {"telegram"}, clock=clock)
    await runtime.prepare_database(app)
    server = web_server(app)
    assert server is not None
    await server.start()
    try:
        telegram.post_message(COURT, DAVE, REPORT)
        [update] = telegram.pending_updates()
        assert await post(port, update, SECRET) == 503  # Telegram delivers it again later
        assert await tickets(app) == 0
    finally:
        await server.stop()
        await app.database.dispose()
