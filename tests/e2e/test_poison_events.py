"""One bad Telegram update stops no one: python-telegram-bot, the desk and SQLite in this process against
the fake Bot API. A failing update is parked after a short retry and the others go on; an unreadable one
is skipped and parked; one that cannot even be parked stays unconfirmed and comes again."""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager

import aiohttp
import pytest

from supportbot import runtime
from supportbot.bootstrap import build_app, outbox_sender
from supportbot.bootstrap_serving import discord_options, telegram_options
from supportbot.chat.retrying import RetryPolicy
from supportbot.chat.telegram import polling as telegram_polling
from supportbot.chat.telegram.bot import TelegramAdapter
from supportbot.config import load_settings
from supportbot.services import dead_letters
from tests.e2e.support_telegram import (
    ALICE,
    COURT,
    DAVE,
    ERIN,
    TEAM,
    acks_for,
    add_court_groups,
    config_text,
    free_port,
    populate,
    texts_in,
)
from tests.fakes.telegram_api import FakeTelegram

pytestmark = pytest.mark.e2e
FAST = RetryPolicy(tries=3, first_wait=0.01)
POISON = "POISON: this report makes the desk fail"
REPORT = "Staking on the court page fails with execution reverted when I confirm in MetaMask."


@pytest.fixture
def fake():
    with FakeTelegram() as server:
        populate(server)
        yield server


class Harness:
    """The adapter, its outbox pump and the database, as `supportbot run` wires them, in this loop."""

    def __init__(self, tmp_path, fake: FakeTelegram, clock, **telegram) -> None:
        self.fake = fake
        self.other = add_court_groups(fake, 1)[0] if not hasattr(fake, "_other") else fake._other
        path = tmp_path / "config.toml"
        path.write_text(config_text(tmp_path, fake, more_court_chats=(self.other,), telegram_extra=telegram.get(
            "extra", "")), encoding="utf-8")
        self.app = build_app(load_settings(path, env={}), {"telegram"}, clock=clock)
        self.options = telegram_options(self.app.settings)
        self.failing: set[str] = set()  # texts whose handling raises, as a broken desk would
        self.parking_broken = False
        self.adapter: TelegramAdapter | None = None

    async def start(self) -> TelegramAdapter:
        await runtime.prepare_database(self.app)
        adapter = TelegramAdapter(self.app.desk, self.options, retry=FAST, replay_every=3600)
        pump = runtime.OutboxPump(outbox_sender(self.app, adapter.platform))
        adapter.on_commit = pump.wake
        self.pump = pump
        handle_message, park = adapter.desk.handle_message, adapter.park

        async def failing_desk(msg, **kw):
            if msg.text in self.failing:
                raise RuntimeError("the desk broke on this message")
            return await handle_message(msg, **kw)

        async def fragile_park(*args):
            if self.parking_broken:
                raise OSError("attempt to write a readonly database")
            await park(*args)

        adapter.desk.handle_message = failing_desk
        adapter.park = fragile_park
        await adapter.start()
        self.adapter = adapter
        return adapter

    async def stop(self) -> None:
        if self.adapter is not None:
            await self.pump.close()
            await self.adapter.stop()
            self.adapter = None

    async def letters(self):
        return await dead_letters.waiting(self.app.database, everything=True)

    async def tickets(self):
        async with self.app.database() as uow:
            return await uow.tickets.list(open_only=False)

    async def ack(self, chat_id: int, report_id: int) -> dict:
        return (await self.fake.wait_for_async(lambda: acks_for(self.fake, chat_id, report_id), 10))[0]


@asynccontextmanager
async def running(tmp_path, fake, clock, *, start: bool = True, **telegram):
    harness = Harness(tmp_path, fake, clock, **telegram)
    if start:
        await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()
        await harness.app.database.dispose()


async def test_a_failing_update_is_parked_and_the_next_ones_of_its_chat_and_others_are_answered(
        tmp_path, fake, clock, caplog):
    async with running(tmp_path, fake, clock) as bot:
        bot.failing.add(POISON)
        with caplog.at_level(logging.INFO):
            poison = fake.post_message(COURT, DAVE, POISON)
            same_chat = fake.post_message(COURT, ERIN, REPORT)
            other_chat = fake.post_message(bot.other, DAVE, REPORT)
            assert "Ticket #" in (await bot.ack(COURT, same_chat))["text"]
            assert "Ticket #" in (await bot.ack(bot.other, other_chat))["text"]
        [letter] = await bot.letters()
        assert (letter.platform, letter.kind, letter.chat_id, letter.status) == ("telegram", "update", COURT, "parked")
        assert "RuntimeError: the desk broke" in letter.error and f'"message_id": {poison}' in letter.payload
        assert POISON in letter.payload and POISON not in caplog.text  # kept whole, never logged
        # The poison update is confirmed with the next getUpdates, which may come after the acks: wait for it.
        assert await fake.wait_for_async(
            lambda: all(u["update_id"] > int(letter.ref) for u in fake.pending_updates()), 10)

        # Replayed on request once the desk works again: the report becomes a ticket.
        bot.failing.clear()
        await dead_letters.request_replay(bot.app.database, letter.id)
        assert await bot.adapter.replay_requested() == 1
        assert "Ticket #" in (await bot.ack(COURT, poison))["text"]
        assert [x.status for x in await bot.letters()] == ["replayed"]


async def test_updates_that_used_to_break_storage_become_tickets_and_stop_no_one(tmp_path, fake, clock):
    async with running(tmp_path, fake, clock) as bot:
        huge_reply = fake.raw_message(COURT, DAVE, REPORT + " (huge reply id)",
                                      reply_to_message={"message_id": 2**64, "date": 1, "chat": {"id": COURT,
                                                        "type": "supergroup"}, "text": "?"})
        surrogate = fake.raw_message(COURT, ERIN, REPORT + " \ud800 lone surrogate")
        nul = fake.raw_message(bot.other, DAVE, REPORT + " with a NUL\x00 byte")
        for body in (huge_reply, surrogate, nul):
            fake.push_raw_update({"message": body})
        good = fake.post_message(bot.other, ERIN, REPORT)
        await bot.ack(bot.other, good)
        later = fake.post_message(COURT, DAVE, REPORT)  # the same chat goes on after them
        await bot.ack(COURT, later)
        bodies = {(t.source_chat_id, t.source_message_id): t.body for t in await bot.tickets()}
        assert "(huge reply id)" in bodies[COURT, huge_reply["message_id"]]
        assert "\ufffd lone surrogate" in bodies[COURT, surrogate["message_id"]]
        assert "NUL byte" in bodies[bot.other, nul["message_id"]] and "\x00" not in bodies[bot.other, nul["message_id"]]
        assert await bot.letters() == []


async def test_an_unreadable_update_is_skipped_and_parked_and_the_good_ones_of_its_batch_are_answered(
        tmp_path, fake, clock, caplog):
    async with running(tmp_path, fake, clock, start=False) as bot:
        # All in one getUpdates batch: the bot is not polling yet.
        no_date = fake.raw_message(COURT, DAVE, "SECRET-ISH TEXT without a date", date=None)
        bad_id = fake.push_raw_update({"message": no_date})
        before = fake.post_message(COURT, ERIN, REPORT)
        elsewhere = fake.post_message(bot.other, DAVE, REPORT)
        with caplog.at_level(logging.INFO):
            await bot.start()
            await bot.ack(COURT, before)
            await bot.ack(bot.other, elsewhere)
        [letter] = await bot.letters()
        assert (letter.kind, letter.ref, letter.chat_id) == ("unparseable", str(bad_id), COURT)
        assert "SECRET-ISH" in letter.payload and "SECRET-ISH" not in caplog.text
        assert f"update {bad_id} cannot be read" in caplog.text
        later = fake.post_message(COURT, DAVE, REPORT + " again")  # polling goes on
        await bot.ack(COURT, later)


async def test_an_update_that_cannot_be_parked_is_not_confirmed_and_comes_again(
        tmp_path, fake, clock, monkeypatch, caplog):
    monkeypatch.setattr(telegram_polling, "HOLD_FIRST", 0.05)
    async with running(tmp_path, fake, clock) as bot:
        bot.failing.add(POISON)
        bot.parking_broken = True
        with caplog.at_level(logging.WARNING):
            poison_update = fake.next_update_id
            fake.post_message(COURT, DAVE, POISON)
            after = fake.post_message(COURT, ERIN, REPORT)
            # Held: asked for again (it stays with Telegram) rather than confirmed or lost.
            await fake.wait_for_async(lambda: caplog.text.count("trying again in") >= 2)
        assert [u["update_id"] for u in fake.pending_updates()][:1] == [poison_update]
        assert acks_for(fake, COURT, after) == []  # its chat's order is kept: it waits behind the held one
        bot.parking_broken = False
        await bot.ack(COURT, after)
        [letter] = await bot.letters()
        assert letter.ref == str(poison_update) and letter.status == "parked"


async def test_webhook_answers_200_once_a_bad_update_is_parked_and_500_while_it_cannot_be(tmp_path, fake, clock):
    port = free_port()
    extra = (f'mode = "webhook"\nwebhook_url = "https://bot.example.org/tg-hook"\nwebhook_listen = "127.0.0.1"\n'
             f'webhook_port = {port}\nwebhook_secret = "hook-secret"')
    async with running(tmp_path, fake, clock, extra=extra) as bot:
        bot.failing.add(POISON)
        url = f"http://127.0.0.1:{port}/tg-hook"
        headers = {"X-Telegram-Bot-Api-Secret-Token": "hook-secret"}

        async def post(update: dict) -> int:
            async with aiohttp.ClientSession() as session:
                async with session.post(url, json=update, headers=headers) as response:
                    return response.status

        poison = {"update_id": 9001, "message": fake.raw_message(COURT, DAVE, POISON)}
        unreadable = {"update_id": 9002, "message": fake.raw_message(COURT, DAVE, "no date", date=None)}
        bot.parking_broken = True
        assert await post(poison) == 500  # Telegram keeps it and delivers it again
        bot.parking_broken = False
        assert await post(poison) == 200
        assert await post(unreadable) == 200
        good = fake.raw_message(COURT, ERIN, REPORT)
        assert await post({"update_id": 9003, "message": good}) == 200
        assert {(x.kind, x.ref) for x in await bot.letters()} == {("update", "9001"), ("unparseable", "9002")}
        await fake.wait_for_async(lambda: any("Ticket #1 received" in t for t in texts_in(fake, COURT)))


async def test_a_note_delivered_again_after_a_restart_is_stored_once(tmp_path, fake, clock):
    async with running(tmp_path, fake, clock) as bot:
        report = fake.post_message(COURT, DAVE, REPORT)
        await bot.ack(COURT, report)
        note_update = fake.next_update_id
        note_id = fake.post_message(TEAM, ALICE, "/note 1 checked the node logs")
        await fake.wait_for_async(lambda: any(m["reply_to"] == note_id for m in fake.bot_messages(TEAM)))
    # A crash before the offset was confirmed: Telegram sends the same update to the next run.
    note = next(m for m in fake.messages_in(TEAM) if m["message_id"] == note_id)
    fake.push_raw_update({"message": note}, update_id=note_update)
    async with running(tmp_path, fake, clock) as bot:
        shown = fake.post_message(TEAM, ALICE, "/ticket 1")  # same chat, so handled after the redelivery
        await fake.wait_for_async(lambda: any(m["reply_to"] == shown for m in fake.bot_messages(TEAM)))
        async with bot.app.database() as uow:
            ticket = await uow.tickets.by_number(1)
            notes = [e for e in await uow.events.for_ticket(ticket.id) if e.kind == "note"]
        assert len(notes) == 1
        assert sum(1 for m in fake.bot_messages(TEAM) if m["reply_to"] == note_id) == 1


# --- Discord: discord.py in this process against the fake gateway and REST server --------------------


async def test_a_discord_message_whose_handling_fails_is_parked_and_the_channel_goes_on(tmp_path, clock, caplog):
    from fakes.discord_api import FakeDiscord
    from support_discord import COURT as D_COURT
    from support_discord import DAVE as D_DAVE
    from support_discord import ERIN as D_ERIN
    from support_discord import config_text as discord_config
    from support_discord import populate as populate_discord

    from supportbot.chat.discord.bot import DiscordAdapter
    from tests.e2e.inprocess_discord import GUILD_READY

    with FakeDiscord(heartbeat_interval=5000) as server:
        populate_discord(server)
        path = tmp_path / "config.toml"
        path.write_text(discord_config(tmp_path, server), encoding="utf-8")
        app = build_app(load_settings(path, env={}), {"discord"}, clock=clock)
        await runtime.prepare_database(app)
        adapter = DiscordAdapter(app.desk, discord_options(app.settings), retry=FAST, replay_every=3600,
                                 guild_ready_timeout=GUILD_READY)  # the fake sends every server at once
        handle_message = app.desk.handle_message

        async def failing_desk(msg, **kw):
            if msg.text == POISON:
                raise RuntimeError("the desk broke on this message")
            return await handle_message(msg, **kw)

        app.desk.handle_message = failing_desk
        await adapter.start()
        try:
            with caplog.at_level(logging.INFO):
                poison = server.post_message(D_COURT, D_DAVE, POISON)
                server.post_message(D_COURT, D_ERIN, REPORT)

                async def parked_and_next_stored():
                    async with app.database() as uow:
                        stored = await uow.tickets.list()
                    return stored and await dead_letters.waiting(app.database)

                deadline = asyncio.get_running_loop().time() + 10
                while not await parked_and_next_stored():
                    assert asyncio.get_running_loop().time() < deadline, "no dead letter and ticket in 10s"
                    await asyncio.sleep(0.05)
            [letter] = await dead_letters.waiting(app.database)
            assert (letter.platform, letter.kind, letter.ref, letter.chat_id) == ("discord", "message", str(poison),
                                                                                  D_COURT)
            assert POISON in letter.payload and POISON not in caplog.text
            app.desk.handle_message = handle_message  # the desk works again: the operator replays it
            await dead_letters.request_replay(app.database, letter.id)
            assert await adapter.replay_requested() == 1
            async with app.database() as uow:
                assert [t.source_message_id for t in await uow.tickets.list()][-1] == poison
        finally:
            await adapter.stop()
            await app.database.dispose()
