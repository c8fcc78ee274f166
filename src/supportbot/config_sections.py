"""The config file's sections, each validated on its own: platforms, hours, policy, people, products."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from supportbot.domain.calendar import holiday_calendar
from supportbot.domain.durations import Duration, DurationError, parse_duration

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///supportbot.db"
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


PLACEHOLDER = "looks like a placeholder, not a real {what}: set the real one (here or in {variable})"
WEBHOOK_NEEDS_URL = "webhook mode needs the public URL Telegram posts to"
WEBHOOK_NEEDS_SECRET = ("webhook mode needs a secret, or anyone who finds the URL can post forged updates "
                        "(set it here or in SUPPORTBOT_TELEGRAM__WEBHOOK_SECRET)")
WEBHOOK_SECRET_CHARACTERS = "Telegram accepts 1-256 characters from A-Z, a-z, 0-9, _ and - only"

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
_GITHUB_REPO = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")


def is_placeholder(value: str) -> bool:
    """True for a value left from an example ("replace-me", "123456:changeme", "<token>"), never for ""."""
    text = value.strip()
    if not text:
        return False
    if _TEMPLATE.fullmatch(text):
        return True
    word = re.sub(r"[^a-z0-9]", "", re.sub(r"^\d+:", "", text).lower())  # a Telegram token starts "<bot id>:"
    return len(set(word)) <= 1 or word in _PLACEHOLDER_WORDS or any(part in word for part in _PLACEHOLDER_PARTS)


def refuse_placeholder(value: SecretStr | None, what: str, variable: str) -> SecretStr | None:
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
        refuse_placeholder(SecretStr(password) if password else None, "database password", "DATABASE_URL")
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
        return refuse_placeholder(value, "bot token", "TELEGRAM_BOT_TOKEN")

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
        refuse_placeholder(value, "webhook secret", "SUPPORTBOT_TELEGRAM__WEBHOOK_SECRET")
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
        return refuse_placeholder(value, "bot token", "DISCORD_BOT_TOKEN")


class SchedulerConfig(Section):
    sweep_interval: WallClock = "15s"
    outbox_interval: WallClock = "1s"


class HolidaysConfig(Section):
    country: str | None = None
    subdivision: str | None = None
    extra: list[date] = []

    @model_validator(mode="after")
    def _check(self) -> HolidaysConfig:
        # An empty string in TOML means "none", as an absent key does.
        object.__setattr__(self, "country", self.country or None)
        object.__setattr__(self, "subdivision", self.subdivision or None)
        if self.country is None:
            if self.subdivision:
                raise ValueError("subdivision needs a country")
            return self
        holiday_calendar(self.country.upper(), self.subdivision, years=[])  # this country's calendar only
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
    # Where the owners get this product's weekly digest and morning summary (else the team chat): the team
    # chat or a private chat, never a support channel, since the digest lists tickets by title.
    digest_telegram_chat: int | None = None
    digest_discord_channel: int | None = None
    # GitHub repositories ("org/repo") whose pull requests and issues may be linked to this product's tickets.
    github_repos: list[str] = []

    @field_validator("github_repos")
    @classmethod
    def _org_and_repo(cls, value: list[str]) -> list[str]:
        for repo in value:
            if not _GITHUB_REPO.fullmatch(repo):
                raise ValueError(f"{repo!r} is not a GitHub repository: write it as org/repo, e.g. kleros/kleros-v2")
        return value


class EmergencyConfig(Section):
    telegram_chats: list[int] = []
    discord_channels: list[int] = []


class SecurityConfig(Section):
    disclosure_url: str = "https://example.org/security"
    telegram_chat: int | None = None
    discord_channel: int | None = None


class WebConfig(Section):
    """The web server: public tracker, team board, /healthz and /metrics (and the Telegram webhook when
    it listens on the same address and port)."""

    enabled: bool = True
    listen: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)  # 0: any free port (tests); the log says which
    public_url: str = "http://127.0.0.1:8080"
    # Signs sessions and CSRF tokens; generated once and stored in the database when unset.
    secret: SecretStr | None = None
    public_tracker: bool = True

    @field_validator("public_url")
    @classmethod
    def _absolute_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("an absolute http(s) URL the team's browsers reach, e.g. https://support.example.org")
        return value.rstrip("/")

    @field_validator("secret")
    @classmethod
    def _real_secret(cls, value: SecretStr | None) -> SecretStr | None:
        value = refuse_placeholder(value, "web secret", "SUPPORTBOT_WEB_SECRET")
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError("at least 32 characters (e.g. `python -c 'import secrets; print(secrets.token_urlsafe())'`)")
        return value
