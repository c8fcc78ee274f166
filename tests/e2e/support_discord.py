"""Helpers for the Discord end-to-end tests: a server in the fake Discord, a config, the bot process's World."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.fakes.discord_api import FakeDiscord
from tests.fakes.discord_state import FORUM as FORUM_TYPE
from tests.support.bot_process import BotProcess, wait_until
from tests.support.e2e_config import clock_sections

GUILD = 3000
COURT, CURATE_FORUM, EMERGENCY, TEAM, SECURITY, ELSEWHERE = 3101, 3102, 3900, 3001, 3700, 3999
TEAM_ROLE = 4001
ALICE, BOB, CAROL, SAM = 2001, 2002, 2003, 2004  # the team in config (Alice and Bob are on call)
DAVE, ERIN = 5001, 5002  # reporters
RITA = 5003  # holds the team role, not in the config
OTHER_BOT = 6001

SEED_PHRASE = ("abandon ability able about above absent absorb abstract absurd abuse access accident "
               "acid acoustic acquire across")
REPORT = ("Staking on the court page fails with execution reverted on mainnet. I click Stake, confirm in "
          "MetaMask and nothing happens. Account 0x1234567890abcdef1234567890abcdef12345678, Chrome on macOS.")


def populate(fake: FakeDiscord) -> None:
    """The server, channels, roles and people every test starts with."""
    fake.add_guild(GUILD, "Support", roles={TEAM_ROLE: "support-team"})
    for channel_id, name in ((COURT, "court-support"), (EMERGENCY, "emergencies"), (TEAM, "support-team"),
                             (SECURITY, "security"), (ELSEWHERE, "general")):
        fake.add_channel(GUILD, channel_id, name)
    fake.add_channel(GUILD, CURATE_FORUM, "curate-help", type=FORUM_TYPE)
    for user_id, name, roles in ((ALICE, "alice", [TEAM_ROLE]), (BOB, "bob", [TEAM_ROLE]), (CAROL, "carol", []),
                                 (SAM, "sam", []), (DAVE, "dave", []), (ERIN, "erin", []),
                                 (RITA, "rita", [TEAM_ROLE]), (OTHER_BOT, "otherbot", [])):
        fake.add_member(GUILD, user_id, name, roles)
    with fake.world.lock:
        fake.world.users[OTHER_BOT].bot = True


def discord_section(fake: FakeDiscord) -> str:
    return f"""
[discord]
token = "{fake.token}"
api_base_url = "{fake.api_base_url}"
gateway_url = "{fake.gateway_url}"
guilds = [{GUILD}]
team_roles = [{TEAM_ROLE}]
"""


def config_text(tmp: Path, fake: FakeDiscord, *, emergency: str = "1h", extra: str = "",
                telegram: dict[str, Any] | None = None, now: datetime | None = None) -> str:
    """A config for the fake server; `telegram` adds a Telegram side (token, url, chat ids, people ids).
    The on-call rotation started an hour before `now` (Alice's shift)."""
    tg = telegram or {}
    starts = ((now or datetime.now(UTC)) - timedelta(hours=1)).isoformat(timespec="seconds")

    def tg_key(key: str, value: Any) -> str:
        return f"{key} = {value}" if value is not None else ""

    telegram_section = f"""
[telegram]
token = "{tg['token']}"
api_base_url = "{tg['api_base_url']}"
poll_timeout = 1
""" if tg else ""
    return f"""
log_level = "INFO"
{extra}

[database]
url = "sqlite+aiosqlite:///{tmp / 'supportbot.db'}"
{discord_section(fake)}
{telegram_section}

{clock_sections(emergency)}
[[people]]
name = "Alice"
discord_id = {ALICE}
{tg_key("telegram_id", tg.get("alice"))}
roles = ["engineer", "admin"]

[[people]]
name = "Bob"
discord_id = {BOB}
roles = ["engineer"]

[[people]]
name = "Carol"
discord_id = {CAROL}
roles = ["owner"]

[[people]]
name = "Sam"
discord_id = {SAM}
roles = ["security"]

[oncall]
rotation = ["Alice", "Bob"]
shift = "7d"
starts = "{starts}"
team_discord_channel = {TEAM}
discord_team_role = {TEAM_ROLE}
{tg_key("team_telegram_chat", tg.get("team"))}

[[products]]
key = "court"
name = "Court v2"
owners = ["Carol"]
discord_channels = [{COURT}]
{tg_key("telegram_chats", f"[{tg['court']}]" if tg else None)}

[[products]]
key = "curate"
name = "Curate"
owners = ["Carol"]
discord_channels = [{CURATE_FORUM}]

[emergency]
discord_channels = [{EMERGENCY}]

[security]
disclosure_url = "https://example.org/security"
discord_channel = {SECURITY}
"""


@dataclass
class World:
    """The fake Discord and the bot process serving it, with the questions the tests ask."""

    fake: FakeDiscord
    bot: BotProcess

    def wait(self, predicate: Callable[[], Any], message: str, timeout: float = 15.0) -> Any:
        return wait_until(predicate, timeout, message=message, bot=self.bot, fake=self.fake)

    def start(self) -> World:
        """Start the bot process and wait until it is connected and has registered its slash commands."""
        syncs = len(self.fake.request_log("/commands"))
        self.bot.start()
        self.wait(lambda: len(self.fake.request_log("/commands")) > syncs and self.fake.is_connected()
                  and len(self.fake.synced_commands(GUILD)) >= 18, "slash commands synced", timeout=30)
        return self

    def posted(self, channel_id: int, contains: str = "", *, timeout: float = 15.0) -> dict:
        """A (not deleted, not ephemeral) bot message in the channel whose text contains `contains`."""
        return self.wait(lambda: next((m for m in self.fake.messages(channel_id) if not m["deleted"]
                                       and not m["ephemeral"] and contains in text_of(m)), None),
                         f"a bot message containing {contains!r} in {channel_id}", timeout)

    def thread_on(self, message_id: int) -> dict:
        """The thread the bot opened on a message."""
        return self.wait(lambda: next((t for t in self.fake.threads() if t["starter_message_id"] == message_id
                                       and t["created_by_bot"]), None), f"a thread on message {message_id}")

    def card(self, channel_id: int) -> dict:
        """The (current) ticket card in a channel or thread."""
        return self.wait(lambda: next((m for m in self.fake.messages(channel_id) if m["embeds"]
                                       and m["components"] and not m["deleted"]), None)
                         or next((m for m in self.fake.messages(channel_id) if m["embeds"] and not m["deleted"]),
                                 None), f"a card in {channel_id}")

    def response(self, interaction_id: int, *, timeout: float = 15.0) -> dict:
        """The answer to an interaction (the first one carrying text)."""
        return self.wait(lambda: next((r for r in self.fake.interaction_responses(interaction_id)
                                       if r["content"]), None), f"an answer to interaction {interaction_id}", timeout)

    def slash(self, channel_id: int, user_id: int, name: str, **options: Any) -> dict:
        """Run a slash command and wait for its answer."""
        return self.response(self.fake.slash(channel_id, user_id, name, options))

    def press(self, channel_id: int, message_id: int, user_id: int, custom_id: str) -> dict:
        return self.response(self.fake.press(channel_id, message_id, user_id, custom_id))


def text_of(message: dict) -> str:
    """Everything a message shows: its content and its embeds' titles and descriptions."""
    parts = [message["content"] or ""]
    for embed in message["embeds"] or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
    return "\n".join(parts)


def buttons_of(message: dict) -> list[str]:
    return [c["custom_id"] for row in message["components"] for c in row.get("components", [])]
