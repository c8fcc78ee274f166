"""PostgreSQL goes away and comes back while reports stream in: nothing is lost, and the bot reconnects
by itself.

The Telegram side runs in this loop against the fake Bot API (tests/e2e/inprocess_telegram.py), its
database reached through a TCP proxy that drops every connection and refuses new ones for a while, as a
restarting server does. An update the desk could not store stays unconfirmed and comes again
(chat/telegram/polling.py), so every report must end as exactly one ticket with exactly one
acknowledgement, and a report sent after the outage is answered without restarting anything."""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlparse

import aiohttp
import pytest

from supportbot.chat.outbox_sender import LEASE
from supportbot.db.engine import Database
from tests.conftest import PG_SKIP_REASON, PG_URL
from tests.e2e.inprocess import until
from tests.e2e.inprocess_fixtures import telegram, telegram_bot  # noqa: F401
from tests.e2e.inprocess_telegram import TelegramBot
from tests.e2e.support_telegram import acks_for, add_court_groups, free_port
from tests.support.tcp_proxy import CuttableProxy

pytestmark = [pytest.mark.proof, pytest.mark.skipif(not PG_URL, reason=PG_SKIP_REASON)]

GROUPS = 8  # support groups the reports are spread over (each stays under Telegram's 20 a minute)
BEFORE, DURING, AFTER = 16, 16, 16  # reports posted before the cut, while the database is away, after it is back
FIRST_REPORTER = 7000
WEBHOOK_URL, SECRET = "https://desk.example.org/telegram", "s3cret-token"
HELD = "can be neither handled nor parked"  # polling's line when an update must come again


def report(n: int) -> str:
    return f"Report {n}: staking on the court page fails with execution reverted when I confirm."


class Stream:
    """Reports posted to the fake one after another, as people write them: each by a reporter of its own
    (so no one meets the per-reporter ticket limit), round the groups."""

    def __init__(self, bot: TelegramBot, groups: tuple[int, ...]) -> None:
        self.bot, self.groups = bot, groups
        self.posted: list[tuple[int, int]] = []  # (chat, message id) of every report

    def reporter(self) -> int:
        """A new reporter in the fake."""
        user_id = FIRST_REPORTER + len(self.posted)
        self.bot.fake.add_user(user_id, f"Reporter {len(self.posted)}")
        return user_id

    async def post(self, count: int) -> None:
        for _ in range(count):
            chat = self.groups[len(self.posted) % len(self.groups)]
            self.bot.clock.advance(seconds=1)
            self.posted.append((chat, self.bot.fake.post_message(chat, self.reporter(), report(len(self.posted)))))
            await asyncio.sleep(0.02)  # the next one arrives while this one is being handled


@pytest.fixture
async def proxy(database: Database):
    """A proxy to the test's PostgreSQL database (closed after the bot stops)."""
    url = database.engine.url
    server = await CuttableProxy(url.host or "127.0.0.1", url.port or 5432).start()
    yield server
    await server.close()


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
async def test_reports_survive_a_database_restart(database, proxy, telegram, telegram_bot, caplog):  # noqa: F811
    caplog.set_level(logging.WARNING)
    groups = add_court_groups(telegram, GROUPS)
    url = database.engine.url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    bot = await telegram_bot(more_court_chats=groups, database_url=url)
    stream = Stream(bot, groups)
    await stream.post(BEFORE)
    await proxy.cut()
    await stream.post(DURING)
    # The outage is seen: updates fail, cannot be parked either, and are held unconfirmed.
    await until(lambda: HELD in caplog.text, "an update held while the database is away", timeout=60)
    connections_before = proxy.connections
    await proxy.restore()
    await stream.post(AFTER)
    await telegram.wait_for_async(lambda: not telegram.pending_updates(), timeout=120)
    # A message sent just as the connection dropped (its outcome not stored) holds its lease for a minute,
    # as after a crash, and is then taken as sent: the outbox beats of that minute, at once.
    bot.clock.advance(seconds=LEASE.total_seconds())
    await bot.settle()

    assert proxy.connections > connections_before, "the bot connected again by itself"
    stored = [(chat, message) for _, chat, message in await bot.tickets()]
    assert sorted(stored) == sorted(stream.posted), "every report is one ticket, and nothing else is"
    assert [(chat, message) for chat, message in stream.posted
            if len(acks_for(telegram, chat, message)) != 1] == [], "each report acknowledged once"
    after = await bot.say(groups[0], stream.reporter(), report(len(stream.posted)))
    assert len(acks_for(telegram, groups[0], after)) == 1, "a report after the outage is answered"


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
async def test_after_a_restart_while_idle_the_first_report_is_handled_at_its_first_try(
        database, proxy, telegram, telegram_bot, caplog):  # noqa: F811
    """The pool's connections died with the server while nothing used them: the first transaction after
    it must not be the one that finds out."""
    groups = add_court_groups(telegram, 1)
    url = database.engine.url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    bot = await telegram_bot(more_court_chats=groups, database_url=url)
    stream = Stream(bot, groups)
    await stream.post(3)  # the pool holds connections now
    await telegram.wait_for_async(lambda: not telegram.pending_updates(), timeout=30)
    await bot.settle()
    await proxy.cut()
    await proxy.restore()
    caplog.clear()
    caplog.set_level(logging.WARNING)

    chat, report_id = groups[0], await bot.say(groups[0], stream.reporter(), report(99))
    assert len(acks_for(telegram, chat, report_id)) == 1
    assert "failed (try 1" not in caplog.text, caplog.text[:2000]


class TelegramPush:
    """Telegram in webhook mode: posts each update to the bot and delivers it again until answered 200."""

    def __init__(self, fake, port: int) -> None:
        self.fake, self.url = fake, f"http://127.0.0.1:{port}{urlparse(WEBHOOK_URL).path}"
        self.delivered: set[int] = set()  # update ids answered 200
        self.refused = 0  # answers other than 200 (Telegram delivers those again)

    async def deliver(self, session: aiohttp.ClientSession) -> None:
        """Post every update not yet answered 200, all at once (Telegram keeps several connections open)."""
        await asyncio.gather(*(self._post(session, update) for update in self.fake.pending_updates()
                               if update["update_id"] not in self.delivered))

    async def _post(self, session: aiohttp.ClientSession, update: dict) -> None:
        async with session.post(self.url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as answer:
            if answer.status == 200:
                self.delivered.add(update["update_id"])
            else:
                self.refused += 1


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
async def test_webhook_updates_refused_during_the_outage_are_stored_when_delivered_again(
        database, proxy, telegram, telegram_bot):  # noqa: F811
    """As compose runs it: Telegram posts each update; one the bot cannot store is answered 500, so Telegram
    delivers it again, and it is stored once the database is back."""
    groups = add_court_groups(telegram, GROUPS)
    url = database.engine.url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    port = free_port()
    bot = await telegram_bot(more_court_chats=groups, database_url=url, telegram_extra=(
        f'mode = "webhook"\nwebhook_url = "{WEBHOOK_URL}"\nwebhook_listen = "127.0.0.1"\n'
        f'webhook_port = {port}\nwebhook_secret = "{SECRET}"'))
    stream, push = Stream(bot, groups), TelegramPush(telegram, port)
    async with aiohttp.ClientSession() as session:
        await stream.post(8)
        delivering = asyncio.create_task(push.deliver(session))
        await until(lambda: push.delivered, "a first update stored")
        await proxy.cut()  # while the others are on their way
        await stream.post(4)
        await asyncio.gather(delivering, push.deliver(session))
        assert push.refused >= 4, "updates answered 500 while the database was away"
        await proxy.restore()
        await stream.post(8)
        while len(push.delivered) < len(stream.posted):
            await push.deliver(session)
    bot.clock.advance(seconds=LEASE.total_seconds())  # as in the test above
    await bot.settle()

    stored = [(chat, message) for _, chat, message in await bot.tickets()]
    assert sorted(stored) == sorted(stream.posted), "every report is one ticket, and nothing else is"
    assert [(chat, message) for chat, message in stream.posted
            if len(acks_for(telegram, chat, message)) != 1] == [], "each report acknowledged once"
