"""The config contract (one TOML file), validated with errors that name the key and the file.

The sections live in config_sections.py; here are the whole file's model, its checks across
sections (one chat, one role; one id, one person) and loading with the environment on top."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError, model_validator

from supportbot.config_env import Problems, error_lines, with_environment
from supportbot.config_limits import LimitsConfig, OutboxConfig
from supportbot.config_playbook import (
    ConfirmationConfig,
    DigestConfig,
    FaqEntryConfig,
    GithubConfig,
    SatisfactionConfig,
)
from supportbot.config_sections import (  # noqa: F401  (the sections are part of this module's contract)
    DEFAULT_DATABASE_URL,
    WEEKDAYS,
    BusinessHoursConfig,
    DatabaseConfig,
    DiscordConfig,
    EmergencyConfig,
    EmergencyPolicy,
    HolidaysConfig,
    NormalPolicy,
    OnCallConfig,
    PersonConfig,
    PolicyConfig,
    ProductConfig,
    SchedulerConfig,
    Section,
    SecurityConfig,
    TelegramConfig,
    WebConfig,
    is_placeholder,
)

EMPTY_ROTATION = "the [oncall] section needs at least one person in the rotation (leave the section out for none)"
CHAT_IN_TWO_ROLES = "{where} {chat} is already {role}; one chat, one role, or its tickets show to the wrong people"
SHARED_PERSON_ID = "{id} is also {other}'s; each person needs their own id, since ids decide who is on the team"
DIGEST_CHAT_TAKEN = ("{where} {chat} is {role}; a digest lists tickets by title, so it goes to the team chat or "
                     "a private chat only")


class Settings(Section):
    """Everything supportbot reads from its config file and environment."""

    database: DatabaseConfig = DatabaseConfig()
    telegram: TelegramConfig | None = None
    discord: DiscordConfig | None = None
    scheduler: SchedulerConfig = SchedulerConfig()
    business_hours: BusinessHoursConfig = BusinessHoursConfig()
    policy: PolicyConfig = PolicyConfig()
    people: list[PersonConfig] = []
    oncall: OnCallConfig = OnCallConfig()
    products: list[ProductConfig] = []
    emergency: EmergencyConfig = EmergencyConfig()
    security: SecurityConfig = SecurityConfig()
    outbox: OutboxConfig = OutboxConfig()
    limits: LimitsConfig = LimitsConfig()  # the ticket limit per reporter
    web: WebConfig = WebConfig()
    confirmation: ConfirmationConfig = ConfirmationConfig()
    satisfaction: SatisfactionConfig = SatisfactionConfig()
    digest: DigestConfig = DigestConfig()
    github: GithubConfig | None = None  # absent: no GitHub link-up
    faq: dict[str, str | FaqEntryConfig] = {}  # key = "answer", or [faq.key] with answer, title, keywords
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"  # json: one object a line, for log shippers

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        problems = [*self._unresolved_names(), *self._shared_person_ids(), *self._chats_in_two_roles(),
                    *self._digest_chats_exposed()]
        # An absent [oncall] section means "no rotation"; a given one without people is a mistake.
        if "oncall" in self.model_fields_set and not self.oncall.rotation:
            problems.append(("oncall.rotation", EMPTY_ROTATION))
        if problems:
            raise Problems(problems)
        return self

    def _unresolved_names(self) -> Iterator[tuple[str, str]]:
        names = [p.name.casefold() for p in self.people]
        for name in sorted({n for n in names if names.count(n) > 1}):
            yield "people", f"the name {name!r} is used twice"
        for who in self.oncall.rotation:
            if who.casefold() not in names:
                yield "oncall.rotation", f"{who!r} is not in [[people]]"
        keys = [p.key for p in self.products]
        if len(set(keys)) != len(keys):
            yield "products", "two products share a key"
        for product in self.products:
            for owner in product.owners:
                if owner.casefold() not in names:
                    yield f"products.{product.key}.owners", f"{owner!r} is not in [[people]]"

    def _shared_person_ids(self) -> Iterator[tuple[str, str]]:
        for platform in ("telegram", "discord"):
            holders: dict[int, str] = {}
            for person in self.people:
                user_id = getattr(person, f"{platform}_id")
                first = person.name if user_id is None else holders.setdefault(user_id, person.name)
                if first != person.name:
                    yield f"people.{person.name}.{platform}_id", SHARED_PERSON_ID.format(id=user_id, other=first)

    def _chat_roles(self) -> Iterator[tuple[str, int | None, str, str]]:
        """Every configured chat: (platform, chat id, key, role), products first."""
        for p in self.products:
            yield from (("telegram", c, f"products.{p.key}.telegram_chats", f"product {p.key}'s support chat")
                        for c in p.telegram_chats)
            yield from (("discord", c, f"products.{p.key}.discord_channels", f"product {p.key}'s support channel")
                        for c in p.discord_channels)
        yield from (("telegram", c, "emergency.telegram_chats", "an emergency chat")
                    for c in self.emergency.telegram_chats)
        yield from (("discord", c, "emergency.discord_channels", "an emergency chat")
                    for c in self.emergency.discord_channels)
        yield "telegram", self.oncall.team_telegram_chat, "oncall.team_telegram_chat", "the on-call team chat"
        yield "discord", self.oncall.team_discord_channel, "oncall.team_discord_channel", "the on-call team chat"
        yield "telegram", self.security.telegram_chat, "security.telegram_chat", "the security team's chat"
        yield "discord", self.security.discord_channel, "security.discord_channel", "the security team's chat"

    def _chats_in_two_roles(self) -> Iterator[tuple[str, str]]:
        # A chat in two roles shows one role's tickets to the other's audience: a security card in a public group.
        roles: dict[tuple[str, int], str] = {}
        for platform, chat, key, role in self._chat_roles():
            first = role if chat is None else roles.setdefault((platform, chat), role)
            if first != role:
                where = "Telegram chat" if platform == "telegram" else "Discord channel"
                yield key, CHAT_IN_TWO_ROLES.format(where=where, chat=chat, role=first)

    def _digest_chats_exposed(self) -> Iterator[tuple[str, str]]:
        # A product's digest chat may be the team chat or one of its own; any other role's audience would
        # read the team's figures and ticket titles (a support channel is public).
        roles = {(platform, chat): role for platform, chat, _, role in self._chat_roles() if chat is not None}
        team = {("telegram", self.oncall.team_telegram_chat), ("discord", self.oncall.team_discord_channel)}
        for product in self.products:
            for key, platform, chat in (("digest_telegram_chat", "telegram", product.digest_telegram_chat),
                                        ("digest_discord_channel", "discord", product.digest_discord_channel)):
                role = roles.get((platform, chat)) if chat is not None else None
                if role is not None and (platform, chat) not in team:
                    where = "Telegram chat" if platform == "telegram" else "Discord channel"
                    yield f"products.{product.key}.{key}", DIGEST_CHAT_TAKEN.format(where=where, chat=chat, role=role)

    @property
    def telegram_enabled(self) -> bool:
        """True when a Telegram token is configured."""
        return bool(self.telegram and self.telegram.token and self.telegram.token.get_secret_value())

    @property
    def discord_enabled(self) -> bool:
        """True when a Discord token is configured."""
        return bool(self.discord and self.discord.token and self.discord.token.get_secret_value())


class ConfigError(Exception):
    """The config file is missing or invalid; the message names the file and the key."""


def find_config(explicit: str | Path | None, env: dict[str, str] | None = None) -> Path | None:
    """The config file to use: the one given, else $SUPPORTBOT_CONFIG, else ./config.toml, else none."""
    env = dict(os.environ) if env is None else env
    if explicit:
        return Path(explicit)
    if env.get("SUPPORTBOT_CONFIG"):
        return Path(env["SUPPORTBOT_CONFIG"])
    return Path("config.toml") if Path("config.toml").exists() else None


def load_settings(path: str | Path | None, env: dict[str, str] | None = None) -> Settings:
    """Read and validate the config file (or the embedded defaults when path is None)."""
    env = dict(os.environ) if env is None else env
    where = "embedded defaults"
    raw: dict[str, Any] = tomllib.loads(files("supportbot").joinpath("default_config.toml").read_text("utf-8"))
    if path is not None:
        where = str(path)
        try:
            raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{where}: no such file") from None
        except tomllib.TOMLDecodeError as err:
            raise ConfigError(f"{where}: not valid TOML: {err}") from None
    data, origins, problems = with_environment(Settings, raw, env)
    if problems:
        raise ConfigError("\n".join(f"{where}: {problem}" for problem in problems))
    try:
        return Settings.model_validate(data)
    except ValidationError as err:
        raise ConfigError("\n".join(error_lines(err, data, origins, where))) from None
