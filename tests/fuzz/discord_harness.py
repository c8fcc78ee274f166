"""The Discord side of supportbot in the test's event loop (tests/e2e/inprocess_discord.py): discord.py reads
each fuzzed event from the fake Discord's gateway and calls the fake's REST API, as with Discord. After each
event, a normal report in another channel; its ticket card in the thread the bot opens is the sign the bot
goes on."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

from supportbot.chat.retrying import RetryPolicy
from tests.e2e.inprocess_discord import DiscordBot
from tests.e2e.support_discord import ALICE, COURT, CURATE_FORUM, DAVE, EMERGENCY, ERIN, GUILD, TEAM
from tests.fakes.discord_api import FakeDiscord
from tests.fuzz import payloads
from tests.fuzz.harness import Snapshot, Trouble, fresh_sender, stored_problems
from tests.fuzz.texts import REPORT

FAST = RetryPolicy(tries=2, first_wait=0.001)  # a failing event is parked at once: each one is a finding
STEP = 20.0  # seconds of the manual clock per example
SIGNAL_CHANNELS = (3201, 3202, 3203)
SIGNALLER = 5999  # who posts the report after each example: no one the examples use, so never over a limit
SIGNAL_PRODUCT = f"""
[[products]]
key = "signal"
name = "Signal"
owners = ["Carol"]
discord_channels = {list(SIGNAL_CHANNELS)}
"""
WAIT = 10.0  # real seconds for an event to be handled (it takes milliseconds)
BEAT = 0.001  # how often a wait looks again: the gateway hands an event over in about a millisecond
STRING, INTEGER, BOOLEAN, NUMBER = 3, 4, 5, 10
REQUIRED = {STRING: "x", INTEGER: 1, BOOLEAN: True, NUMBER: 1}


class DiscordFuzz:
    """One desk for a whole fuzzing run; `feed(event)` is one example."""

    def __init__(self, folder: Path, fake: FakeDiscord, clock) -> None:
        self.fake, self.clock = fake, clock
        for channel in SIGNAL_CHANNELS:
            fake.add_channel(GUILD, channel, f"signal-{channel}")
        self.bot = DiscordBot(folder, fake, clock, extra=SIGNAL_PRODUCT)
        self.adapter = self.bot.adapter
        self.adapter.retry = FAST
        self.adapter.replay_every = 3600  # no replay pass may touch the database while it is put back
        self.edits: set[int] = set()
        edited = self.adapter.edited

        async def seen_edit(event) -> None:
            try:
                await edited(event)
            finally:
                self.edits.add(event.message_id)

        self.adapter.edited = seen_edit
        self.snapshot = Snapshot(self.bot.app)
        self._next_signal = itertools.cycle(SIGNAL_CHANNELS)
        self.threads: list[int] = []

    async def start(self) -> DiscordFuzz:
        """Start the bot and make the tickets every example starts from: #1 in a thread of the court
        channel, #2 a forum post, #3 an emergency taken by Alice, #4 fix provided, #5 resolved."""
        await self.bot.start()
        self.report = await self._post(COURT, DAVE, REPORT)
        _, post = self.fake.create_forum_post(CURATE_FORUM, ERIN, "Staking fails", REPORT)
        await self.bot.handled(post)
        await self._post(EMERGENCY, DAVE, REPORT)
        await self._post(COURT, ERIN, REPORT + " (second)")
        await self._post(COURT, DAVE, REPORT + " (third)")
        for name, options in (("take", {"ticket": 3}), ("status", {"ticket": 4, "status": "fix_provided"}),
                              ("resolve", {"ticket": 5})):
            await self.bot.slash(TEAM, ALICE, name, **options)
        threads = sorted((t["id"] for t in self.fake.threads()), key=lambda t: t)
        self.threads = threads[:3]
        self.card = (await self.bot.card(self.report))["id"]  # the thread on a message has the message's id
        assert [t[0] for t in await self.bot.tickets()] == [1, 2, 3, 4, 5]
        await self.bot.settle()
        await self.snapshot.take()
        return self

    async def stop(self) -> None:
        await self.bot.stop()

    async def _post(self, channel: int, user: int, text: str, **more: Any) -> int:
        message_id = self.fake.post_message(channel, user, text, **more)
        await self.bot.handled(message_id)
        return message_id

    async def feed(self, event: dict) -> None:
        """One event as Discord sends it, then a report elsewhere; fails with every problem found."""
        await self.snapshot.restore()
        fresh_sender(self.bot)
        self.clock.advance(seconds=STEP)
        with self.fake.world.lock:
            start = len(self.fake._requests)
        trouble = Trouble()
        with trouble.watching():
            await self._play(event)
            channel = next(self._next_signal)
            report = self.fake.post_message(channel, SIGNALLER, REPORT)
            await soon(lambda: report in self.bot.seen, f"the report {report} handled")
            await self.bot.settle()
        problems = trouble.found + await stored_problems(self.bot.app) + self._sent_problems(start)
        if not self._carded(report, start):
            problems.append(f"the report {report} in {channel} got no ticket card")
        assert not problems, "\n".join(problems)

    # --- playing an event through the fake Discord ------------------------------------------------

    def _channel(self, where: Any, user: int) -> int:
        if isinstance(where, int):
            return where
        if where == "dm":
            with self.fake.world.lock:
                return self.fake._dm_channel(user).id
        return self.threads[int(where.split(":")[1]) % len(self.threads)]

    async def _play(self, event: dict) -> None:
        kind = event["kind"]
        if kind == "post":
            await self._play_post(event)
        elif kind == "edit":
            with self.fake.world.lock:  # as in the snapshot: an earlier example may have had it removed
                self.fake.world.messages[self.report].deleted = False
            self.fake.edit_message(COURT, self.report, event["content"])
            await soon(lambda: self.report in self.edits, "the edit handled")
            self.edits.clear()
        elif kind == "system":
            message_id = self._system_message(event)
            await soon(lambda: message_id in self.bot.seen, f"message {message_id} handled")
        elif kind in ("slash", "autocomplete"):
            await self._answered(self._command(event), event)
        else:
            await self._answered(self.fake.press(self.threads[0], self.card, event["user"], event["custom_id"],
                                                 strict=False), event)

    async def _play_post(self, event: dict) -> None:
        user, where, text, files = event["user"], event["where"], event["content"], event["attachments"]
        if not text and not files:
            files = 1  # Discord refuses a message with neither
        if where == "forum":
            title = next((line.strip() for line in text.splitlines() if line.strip()), "Help")[:100]
            _, message_id = self.fake.create_forum_post(CURATE_FORUM, user, title, text, attachments=files)
        elif where == "dm":
            message_id = self.fake.post_dm(user, text, attachments=files)
        else:
            channel = self._channel(where, user)
            reference = {"report": self.report if channel == COURT else None,
                         "card": self.card if channel == self.threads[0] else None}.get(event["reply"])
            message_id = self.fake.post_message(channel, user, text, attachments=files, reference=reference)
        await soon(lambda: message_id in self.bot.seen, f"message {message_id} handled")

    def _system_message(self, event: dict) -> int:
        """A join, pin or thread notice, or a webhook's message: Discord sends them as MESSAGE_CREATE."""
        fake, world = self.fake, self.fake.world
        with world.lock:
            channel = world.channel(event["where"])
            message = fake._new_message(channel, DAVE, {"content": event["content"]}, [], via="user")
            if event["type"] == "webhook":
                message.webhook_id = world.ids.next()
            else:
                message.type = event["type"]
            fake._emit_message("MESSAGE_CREATE", message)
        fake._deliver()
        return message.id

    def _command(self, event: dict) -> int:
        """A slash command (or its autocomplete) with the options the command declares, typed as declared."""
        channel = self._channel(event["where"], event["user"])
        with self.fake.world.lock:
            declared, _ = self.fake._find_command(event["name"], self.fake.world.guilds[GUILD])
        options = {}
        for option in (declared or {}).get("options") or []:
            typed = _as_declared(event["options"].get(option["name"]), option)
            if typed is None and option.get("required"):  # the client asks for it before sending
                typed = (option.get("choices") or [{"value": REQUIRED[option["type"]]}])[0]["value"]
            if typed is not None:
                options[option["name"]] = typed
        completing = [o["name"] for o in (declared or {}).get("options") or [] if o.get("autocomplete")]
        if event["kind"] == "autocomplete" and completing:
            focused = next((name for name in completing if name in options), completing[0])
            return self.fake.autocomplete(channel, event["user"], event["name"], options, focused)
        return self.fake.slash(channel, event["user"], event["name"], options)

    async def _answered(self, interaction_id: int, event: dict) -> None:
        await soon(lambda: self.fake.interaction_responses(interaction_id), f"an answer to {event}")

    # --- what the bot sent -----------------------------------------------------------------------

    def _carded(self, report: int, start: int) -> bool:
        """The bot opened a thread on the report and posted the ticket card in it."""
        with self.fake.world.lock:
            return any(r["method"] == "POST" and r["path"] == f"/channels/{report}/messages" and r["status"] == 200
                       and (r["json"] or {}).get("embeds") for r in self.fake._requests[start:])

    def _sent_problems(self, start: int) -> list[str]:
        """Every REST call since `start` that Discord refused or whose message breaks Discord's limits."""
        with self.fake.world.lock:
            calls = [(r["method"], r["path"], r["status"], r["json"]) for r in self.fake._requests[start:]]
        problems = []
        for method, path, status, body in calls:
            message = (body or {}).get("data") if "/callback" in path else body
            if method in ("POST", "PATCH") and isinstance(message, dict):
                problems += [f"{method} {path}: {p}" for p in payloads.discord_message(message)]
            # A thread on a slash command's report (not a message) is refused: the card then carries it.
            thread_on_no_message = status == 404 and path.endswith("/threads")
            if status is not None and status >= 400 and not thread_on_no_message:
                problems.append(f"{method} {path} answered {status}")
        return problems


async def soon(predicate: Callable[[], Any], what: str) -> None:
    """Let the loop run until predicate() holds (a positive signal), failing after WAIT seconds."""
    deadline = asyncio.get_running_loop().time() + WAIT
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, f"timed out after {WAIT}s: {what}"
        await asyncio.sleep(BEAT)


def _as_declared(value: Any, option: dict) -> Any:
    """An option's value as Discord passes it on for the declared option: of its type, one of its choices,
    within its range (Discord checks these); None when it cannot be one."""
    kind = option["type"]
    if value is None:
        return None
    if kind in (INTEGER, NUMBER):
        if not isinstance(value, int) or isinstance(value, bool):
            return None
        value = max(option.get("min_value", value), min(option.get("max_value", value), value))
    elif kind == BOOLEAN:
        value = value if isinstance(value, bool) else None
    elif kind == STRING:
        value = str(value)[:6000] or None
    choices = [c["value"] for c in option.get("choices") or []]
    if choices and value is not None and value not in choices:
        value = choices[hash(str(value)) % len(choices)]
    return value
