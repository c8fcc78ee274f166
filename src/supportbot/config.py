"""The config contract (one TOML file), validated with errors that name the key and the file."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterator
from datetime import date, datetime, time
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from supportbot.config_env import Problems, error_lines, with_environment
from supportbot.domain.durations import Duration, DurationError, parse_duration

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///supportbot.db"
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


PLACEHOLDER = "looks like a placeholder, not a real {what}: set the real one (here or in {variable})"
WEBHOOK_NEEDS_URL = "webhook mode needs the public URL Telegram posts to"
WEBHOOK_NEEDS_SECRET = ("webhook mode needs a secret, or anyone who finds the URL can post forged updates "
                        "(set it here or in SUPPORTBOT_TELEGRAM__WEBHOOK_SECRET)")
WEBHOOK_SECRET_CHARACTERS = "Telegram accepts 1-256 characters from A-Z, a-z, 0-9, _ and - only"
EMPTY_ROTATION = "the [oncall] section needs at least one person in the rotation (leave the section out for none)"
CHAT_IN_TWO_ROLES = "{where} {chat} is already {role}; one chat, one role, or its tickets show to the wrong people"
SHARED_PERSON_ID = "{id} is also {other}'s; each person needs their own id, since ids decide who is on the team"

# Normalised (lower case, letters and digits only) words that are never a real secret.
_PLACEHOLDER_WORDS = frozenset({
    "replaceme", "changeme", "changeit", "placeholder", "token", "yourtoken", "bottoken", "secret", "yoursecret",
    "password", "yourpassword", "pass", "todo", "fixme", "example", "dummy", "alongrandomstring", "randomstring",
    # The sample tokens printed in Telegram's own documentation, copied into configs as often as ours.
    "abcdef1234ghiklzyx57w2v1u123ew11", "aahdqtcvch1vgwjxfseofsas0k5paldsaw",
})
_PLACEHOLDER_PARTS = ("replaceme", "changeme", "yourtoken", "yoursecret", "yourpassword", "yourdiscord",
                      "yourtelegram", "tokenhere", "secrethere", "passwordhere", "placeholder")
_TEMPLATE = re.compile(r"<.*>|\{.*\}|\$\{.*\}|\[.*\]|%.*%", re.DOTALL)
_TELEGRAM_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


def is_placeholder(value: str) -> bool:
    """True for a value left from an example ("replace-me", "123456:changeme", "<token>"), never for ""."""
    text = value.strip()
    if not text:
        return False
    if _TEMPLATE.fullmatch(text):
        return True
    word = re.sub(r"[^a-z0-9]", "", re.sub(r"^\d+:", "", text).lower())  # a Telegram token starts "<bot id>:"
    return len(set(word)) <= 1 or word in _PLACEHOLDER_WORDS or any(part in word for part in _PLACEHOLDER_PARTS)


def _refuse_placeholder(value: SecretStr | None, what: str, variable: str) -> SecretStr | None:
    if value is not None and is_placeholder(value.get_secret_value()):
        raise ValueError(PLACEHOLDER.format(what=what, variable=variable))
    return value


def _duration(value: Any) -> Duration:
    if isinstance(value, Duration):
        return value
    try:
        return parse_duration(str(value))
    except DurationError as err:
        raise ValueError(str(err)) from None


def _wall_clock(value: Duration) -> Duration:
    if value.business:
        raise ValueError(f"{value} is in business days; this setting needs wall-clock time (s, m, h, d)")
    return value


DurationField = Annotated[Any, AfterValidator(_duration)]
WallClock = Annotated[Any, AfterValidator(_duration), AfterValidator(_wall_clock)]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


class DatabaseConfig(Section):
    url: SecretStr = SecretStr(DEFAULT_DATABASE_URL)

    @field_validator("url")
    @classmethod
    def _no_placeholder_password(cls, value: SecretStr) -> SecretStr:
        try:
            password = urlsplit(value.get_secret_value()).password
        except ValueError:
            return value  # not a URL we can read; the engine will say why
        _refuse_placeholder(SecretStr(password) if password else None, "database password", "DATABASE_URL")
        return value


class TelegramConfig(Section):
    token: SecretStr | None = None
    api_base_url: str = "https://api.telegram.org/bot"
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    webhook_secret: SecretStr | None = None
    poll_timeout: int = Field(default=30, ge=0, le=60)

    @field_validator("token")
    @classmethod
    def _no_placeholder_token(cls, value: SecretStr | None) -> SecretStr | None:
        return _refuse_placeholder(value, "bot token", "TELEGRAM_BOT_TOKEN")

    @field_validator("webhook_url")
    @classmethod
    def _webhook_needs_url(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("mode") == "webhook" and not value:
            raise ValueError(WEBHOOK_NEEDS_URL)
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_needs_secret(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        # Without the secret the webhook accepts any POST: a forged update could resolve a ticket.
        secret = value.get_secret_value() if value else ""
        if not secret:
            if info.data.get("mode") == "webhook":
                raise ValueError(WEBHOOK_NEEDS_SECRET)
            return value
        _refuse_placeholder(value, "webhook secret", "SUPPORTBOT_TELEGRAM__WEBHOOK_SECRET")
        if not _TELEGRAM_SECRET.fullmatch(secret):
            raise ValueError(WEBHOOK_SECRET_CHARACTERS)
        return value


class DiscordConfig(Section):
    token: SecretStr | None = None
    api_base_url: str = "https://discord.com/api/v10"
    gateway_url: str = "wss://gateway.discord.gg"
    guilds: list[int] = []
    team_roles: list[int] = []

    @field_validator("token")
    @classmethod
    def _no_placeholder_token(cls, value: SecretStr | None) -> SecretStr | None:
        return _refuse_placeholder(value, "bot token", "DISCORD_BOT_TOKEN")


class SchedulerConfig(Section):
    sweep_interval: WallClock = "15s"
    outbox_interval: WallClock = "1s"


class HolidaysConfig(Section):
    country: str | None = None
    subdivision: str | None = None
    extra: list[date] = []

    @model_validator(mode="after")
    def _check(self) -> HolidaysConfig:
        import holidays

        # An empty string in TOML means "none", as an absent key does.
        object.__setattr__(self, "country", self.country or None)
        object.__setattr__(self, "subdivision", self.subdivision or None)
        if self.country is None:
            if self.subdivision:
                raise ValueError("subdivision needs a country")
            return self
        supported = holidays.list_supported_countries()
        if self.country.upper() not in supported:
            raise ValueError(f"unknown holiday country {self.country!r}; use an ISO code such as FR, US, DE")
        if self.subdivision and self.subdivision not in supported[self.country.upper()]:
            raise ValueError(f"unknown subdivision {self.subdivision!r} for {self.country.upper()}")
        return self


class BusinessHoursConfig(Section):
    timezone: str = "Europe/Paris"
    days: list[Weekday] = list(WEEKDAYS[:5])
    open: time = time(9)
    close: time = time(17)
    holidays: HolidaysConfig = HolidaysConfig()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("days")
    @classmethod
    def _some_days(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("needs at least one working day")
        return value

    @field_validator("close")
    @classmethod
    def _close_after_open(cls, value: time, info: ValidationInfo) -> time:
        opening = info.data.get("open")
        if opening is not None and value <= opening:
            raise ValueError("close must be later than open")
        return value


class EmergencyPolicy(Section):
    first_response: DurationField = "1h"
    escalate_every: DurationField = "1h"


class NormalPolicy(Section):
    first_response: DurationField = "1bd"
    stagnant_after: DurationField = "5bd"


class PolicyConfig(Section):
    emergency: EmergencyPolicy = EmergencyPolicy()
    normal: NormalPolicy = NormalPolicy()


class PersonConfig(Section):
    name: str = Field(min_length=1)
    telegram_id: int | None = None
    telegram_username: str | None = None
    discord_id: int | None = None
    roles: list[Literal["engineer", "owner", "security", "admin"]] = []


class OnCallConfig(Section):
    rotation: list[str] = []
    shift: WallClock = "7d"
    starts: datetime | None = None
    team_telegram_chat: int | None = None
    team_discord_channel: int | None = None
    discord_team_role: int | None = None
    remind_before: WallClock = "1h"


class ProductConfig(Section):
    key: str = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: str = Field(min_length=1)
    owners: list[str] = []
    telegram_chats: list[int] = []
    discord_channels: list[int] = []


class EmergencyConfig(Section):
    telegram_chats: list[int] = []
    discord_channels: list[int] = []


class SecurityConfig(Section):
    disclosure_url: str = "https://example.org/security"
    telegram_chat: int | None = None
    discord_channel: int | None = None


class OutboxConfig(Section):
    max_attempts: int = Field(default=8, ge=1, le=100)
    first_backoff: WallClock = "1s"
    max_backoff: WallClock = "5m"
    # While a platform is down (5xx, timeouts, no connection) its messages keep their tries and
    # wait; the sender probes again after a pause that doubles up to this.
    outage_max_wait: WallClock = "1m"
    # Acknowledgements that waited longer than this through an outage go out folded into one
    # "sorry for the delay" message per chat instead of one each.
    fold_after: WallClock = "10m"
    # Chats sent to at the same time (each chat still in order): one slow chat never holds up the rest.
    parallel_chats: int = Field(default=8, ge=1, le=64)


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
    faq: dict[str, str] = {}
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        problems = [*self._unresolved_names(), *self._shared_person_ids(), *self._chats_in_two_roles()]
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
