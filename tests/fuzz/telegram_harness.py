"""The Telegram side of supportbot in the test's event loop (tests/e2e/inprocess_telegram.py), its Bot API
calls answered by the fake's state in memory (tests/fakes/telegram_request.py). Each fuzzed example is one
getUpdates batch as Telegram would hand it out: the fuzzed update, then a normal report in another group,
read and handled by the poller's own code (python-telegram-bot's Update.de_json, the adapter, the desk);
the report's acknowledgement is the sign the bot goes on."""

from __future__ import annotations

import copy
import itertools
from pathlib import Path

from supportbot.chat.retrying import RetryPolicy
from supportbot.chat.telegram.polling import RawUpdatesBot, handle_batch
from tests.e2e.inprocess_telegram import TelegramBot
from tests.e2e.support_telegram import ALICE, COURT, DAVE, EMERGENCY, ERIN, FORUM, FRANK, TEAM, add_court_groups
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_request import InMemoryRequest
from tests.fuzz import payloads
from tests.fuzz.harness import Snapshot, Trouble, fresh_sender, stored_problems
from tests.fuzz.texts import REPORT

FAST = RetryPolicy(tries=2, first_wait=0.001)  # a failing update is parked at once: each one is a finding
STEP = 20.0  # seconds of the manual clock per example: well within Telegram's 20 messages a minute per group
SIGNAL_CHATS = 4
SIGNALLER = 5999  # who posts the report after each example: no one the examples use, so never over a limit
CALLS = ("sendmessage", "sendphoto", "editmessagetext", "editmessagereplymarkup", "answercallbackquery")


class TelegramFuzz:
    """One desk for a whole fuzzing run; `feed(update)` is one example."""

    def __init__(self, folder: Path, fake: FakeTelegram, clock) -> None:
        self.fake, self.clock = fake, clock
        self.signal_chats = add_court_groups(fake, SIGNAL_CHATS)
        self.bot = TelegramBot(folder, fake, clock, more_court_chats=self.signal_chats)
        adapter = self.adapter = self.bot.adapter
        adapter.bot = adapter.platform.bot = RawUpdatesBot(
            fake.token, base_url=fake.base_url, request=InMemoryRequest(fake),
            get_updates_request=InMemoryRequest(fake))
        adapter.replay_every = 3600  # no replay pass may touch the database while it is put back
        self.snapshot = Snapshot(self.bot.app)
        self._next_signal = itertools.cycle(self.signal_chats)
        self.examples = 0

    async def start(self) -> TelegramFuzz:
        """Start the bot and make the tickets every example starts from: #1 received, #2 in a forum topic,
        #3 an emergency taken by Alice, #4 fix provided, #5 resolved (its reporter asked for a rating)."""
        await self.bot.start()
        for chat, person, text in ((COURT, DAVE, REPORT), (FORUM, ERIN, REPORT), (EMERGENCY, FRANK, "/emergency " + REPORT),
                                   (COURT, ERIN, REPORT + " (second)"), (COURT, FRANK, REPORT + " (third)"),
                                   (TEAM, ALICE, "/take 3"), (TEAM, ALICE, "/status 4 fix_provided"),
                                   (TEAM, ALICE, "/resolve 5 fixed")):
            self.clock.advance(seconds=STEP)
            self.fake.post_message(chat, person, text)
            assert await self._batch(self._posted()) is None
            await self.bot.settle()
        assert [t[0] for t in await self.bot.tickets()] == [1, 2, 3, 4, 5]
        await self.snapshot.take()
        return self

    async def stop(self) -> None:
        await self.bot.stop()

    async def feed(self, body: dict) -> None:
        """One update as Telegram sends it, then a report elsewhere; fails with every problem found."""
        await self.snapshot.restore()
        fresh_sender(self.bot)
        self.adapter.platform._delivered_parts.clear()
        self.examples += 1
        self.clock.advance(seconds=STEP)
        body = self._as_telegram_has_it(body)
        with self.fake.lock:
            start = len(self.fake.log)
            update_id = self.fake.next_update_id
            self.fake.next_update_id += 1
        trouble = Trouble()
        with trouble.watching():
            chat = next(self._next_signal)
            report = self.fake.post_message(chat, SIGNALLER, REPORT)
            held = await self._batch([{"update_id": update_id, **body}, *self._posted()])
            await self.bot.settle()
        problems = trouble.found + await stored_problems(self.bot.app) + self._sent_problems(start)
        if held is not None:
            problems.append(f"update {held} could be neither handled nor parked")
        if not self._acknowledged(chat, report, start):
            problems.append(f"the report {report} in {chat} was not acknowledged")
        assert not problems, "\n".join(problems)

    async def _batch(self, updates: list[dict]) -> int | None:
        """Handle updates as the poller does with one getUpdates answer; the first that could not be parked."""
        return await handle_batch(updates, self.adapter.bot, self.adapter.handle, self.adapter.park, retry=FAST)

    def _posted(self) -> list[dict]:
        """The updates the fake queued for what people posted, taken as getUpdates takes them."""
        with self.fake.lock:
            updates, self.fake.updates = self.fake.updates, []
        return updates

    def _acknowledged(self, chat: int, report: int, start: int) -> bool:
        with self.fake.lock:
            return any(e["method"].lower() == "sendmessage" and e["status"] == 200
                       and e["params"].get("chat_id") == chat
                       and (e["params"].get("reply_parameters") or {}).get("message_id") == report
                       for e in self.fake.log[start:])

    def _sent_problems(self, start: int) -> list[str]:
        """Every call the bot made since `start` that Telegram would refuse or that breaks its rules."""
        with self.fake.lock:
            calls = [(e["method"], e["status"], e["params"], e.get("description") or "") for e in self.fake.log[start:]]
        problems = []
        for method, status, params, description in calls:
            if method.lower() not in CALLS:
                continue
            problems += payloads.telegram_request(method, params)
            if status != 200 and not _expected_refusal(status, params, description):
                problems.append(f"{method} to {params.get('chat_id')} answered {status}: {description}")
        return problems

    def _as_telegram_has_it(self, body: dict) -> dict:
        """The update with what exists on Telegram when it sends it: the chat it came from, who wrote, its
        forum topic, a button press waiting for its answer; a new message numbered next in its chat (ids in a chat are
        Telegram's: a generated one must not be one the bot's own messages get)."""
        body = copy.deepcopy(body)
        query = body.get("callback_query") or {}
        messages = [body.get(k) for k in ("message", "edited_message", "channel_post")] + [query.get("message")]
        new = [body.get(k) for k in ("message", "channel_post")]
        with self.fake.lock:
            for message in (m for m in messages if isinstance(m, dict)):
                chat = message["chat"]
                if chat["id"] not in self.fake.chats:
                    self.fake.add_chat(chat["id"], chat["type"], is_forum=bool(chat.get("is_forum")))
                numbering = self.fake.chats[chat["id"]]
                if any(message is m for m in new) and "message_id" in message:
                    message["message_id"] = numbering["next_id"]
                numbering["next_id"] = max(numbering["next_id"], int(message.get("message_id") or 0) + 1)
                topic = message.get("message_thread_id")
                if topic and chat.get("is_forum"):
                    self.fake.chats[chat["id"]]["topics"].setdefault(topic, "Topic")
            for person in (m.get("from") for m in [*messages, query] if isinstance(m, dict)):
                if isinstance(person, dict):
                    self.fake.users.setdefault(person["id"], dict(person))  # Telegram knows who wrote
            if query:
                self.fake.callbacks[query["id"]] = {"answered": False, "time": self.fake.clock()}
        return body


def _expected_refusal(status: int, params: dict, description: str) -> bool:
    """Refusals the bot meets by design: a person who never opened a private chat with it (the message
    then goes to the chat), an edit that changes nothing."""
    return ((status == 403 and int(params.get("chat_id") or 0) > 0)
            or (status == 400 and "message is not modified" in description))
