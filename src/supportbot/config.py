"""The config contract (one TOML file), validated with errors that name the key and the file."""

from __future__ import annotations

import os
import tomllib
from importlib.resources import files
from datetime import date, datetime, time
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator, BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator,
)

from supportbot.domain.durations import Duration, DurationError, parse_duration

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///supportbot.db"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


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


class TelegramConfig(Section):
    token: SecretStr | None = None
    api_base_url: str = "https://api.telegram.org/bot"
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    webhook_secret: SecretStr | None = None
    poll_timeout: int = Field(default=30, ge=0, le=60)

    @model_validator(mode="after")
    def _webhook_needs_url(self) -> "TelegramConfig":
        if self.mode == "webhook" and not self.webhook_url:
            raise ValueError("mode = 'webhook' needs webhook_url")
        return self


class DiscordConfig(Section):
    token: SecretStr | None = None
    api_base_url: str = "https://discord.com/api/v10"
    gateway_url: str = "wss://gateway.discord.gg"
    guilds: list[int] = []
    team_roles: list[int] = []


class SchedulerConfig(Section):
    sweep_interval: WallClock = "15s"
    outbox_interval: WallClock = "1s"


class HolidaysConfig(Section):
    country: str | None = None
    subdivision: str | None = None
    extra: list[date] = []

    @model_validator(mode="after")
    def _check(self) -> "HolidaysConfig":
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
    days: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] = list(WEEKDAYS[:5])
    open: time = time(9)
    close: time = time(17)
    holidays: HolidaysConfig = HolidaysConfig()

    @model_validator(mode="after")
    def _check(self) -> "BusinessHoursConfig":
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {self.timezone!r}") from None
        if self.close <= self.open:
            raise ValueError("close must be later than open")
        if not self.days:
            raise ValueError("days needs at least one working day")
        return self


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
    def _names_resolve(self) -> "Settings":
        names = [p.name.casefold() for p in self.people]
        duplicates = {n for n in names if names.count(n) > 1}
        if duplicates:
            raise ValueError(f"people: the name {sorted(duplicates)[0]!r} is used twice")
        for who in self.oncall.rotation:
            if who.casefold() not in names:
                raise ValueError(f"oncall.rotation: {who!r} is not in [[people]]")
        keys = [p.key for p in self.products]
        if len(set(keys)) != len(keys):
            raise ValueError("products: two products share a key")
        for product in self.products:
            for owner in product.owners:
                if owner.casefold() not in names:
                    raise ValueError(f"products.{product.key}.owners: {owner!r} is not in [[people]]")
        return self

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


def _with_environment(raw: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    """Secrets may come from the environment, which wins over the file."""
    if env.get("DATABASE_URL"):
        raw.setdefault("database", {})["url"] = env["DATABASE_URL"]
    for section, variable in (("telegram", "TELEGRAM_BOT_TOKEN"), ("discord", "DISCORD_BOT_TOKEN")):
        if env.get(variable):
            raw.setdefault(section, {})["token"] = env[variable]
    return raw


def _location(error: dict[str, Any], raw: dict[str, Any]) -> str:
    parts: list[str] = []
    node: Any = raw
    for item in error["loc"]:
        if isinstance(item, int) and isinstance(node, list) and item < len(node):
            node = node[item]
            label = node.get("key") or node.get("name") if isinstance(node, dict) else None
            parts[-1] = f"{parts[-1]}[{item}]" + (f" ({label})" if label else "")
            continue
        if isinstance(node, dict):
            node = node.get(item, {})
        if item in {"function-after[_duration(), any]", "function-after[_wall_clock(), function-after[_duration(), any]]"}:
            continue
        parts.append(str(item))
    return ".".join(p for p in parts if not p.startswith("function-")) or "(top level)"


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
    try:
        return Settings.model_validate(_with_environment(raw, env))
    except ValidationError as err:
        lines = []
        for item in err.errors():
            message = item["msg"].removeprefix("Value error, ")
            if item["type"] == "extra_forbidden":
                message = "unknown key"
            location = _location(item, raw)
            lines.append(f"{where}: {message}" if location == "(top level)" else f"{where}: {location}: {message}")
        raise ConfigError("\n".join(lines)) from None
