"""Config sections for the playbook's later parts: fix confirmation, satisfaction, the digest, FAQ hints."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationInfo, field_validator

from supportbot.config_sections import DurationField, Section, WallClock, refuse_placeholder
from supportbot.domain.digest_schedule import ScheduleError, parse_when
from supportbot.domain.faq import FaqEntry
from supportbot.domain.ticket_states import Resolution


class ConfirmationConfig(Section):
    """🟡 asks the reporter to confirm the fix; without an answer it resolves as fixed after this long."""

    confirm_after: DurationField = "3bd"


class SatisfactionConfig(Section):
    """On 🟢 the reporter is asked "How did we do?" (1-5)."""

    enabled: bool = True
    change_within: WallClock = "7d"  # a rating can be changed this long after it was given
    low_score: int = Field(default=2, ge=1, le=5)  # at or below: the product owner is told
    # Resolutions for which the reporter is asked (security tickets never are).
    ask_after: list[str] = ["fixed", "answered"]

    @field_validator("ask_after")
    @classmethod
    def _known_resolutions(cls, value: list[str]) -> list[str]:
        known = [r.value for r in Resolution]
        unknown = [v for v in value if v not in known]
        if unknown:
            raise ValueError(f"unknown resolution {unknown[0]!r}; resolutions: {', '.join(known)}")
        return value


class DigestConfig(Section):
    """The weekly digest to the team chat, and the next-morning summary to product owners."""

    enabled: bool = True
    when: str = "mon 09:00"  # weekday and time, business time zone
    top_untriaged: int = Field(default=5, ge=0, le=50)

    @field_validator("when")
    @classmethod
    def _weekday_and_time(cls, value: str) -> str:
        try:
            parse_when(value)
        except ScheduleError as err:
            raise ValueError(str(err)) from None
        return value


class FaqEntryConfig(Section):
    """An FAQ entry in its long form: `[faq.stake]` with the answer, a short title for /faq's list, and the
    words that make intake suggest it to a new report (whole words, any case)."""

    answer: str
    title: str = ""
    keywords: list[str] = []


def faq_entries(faq: dict[str, str | FaqEntryConfig]) -> dict[str, FaqEntry]:
    """The FAQ as the desk reads it, by casefolded key, from either form (`key = "answer"` or `[faq.key]`)."""
    entries = [FaqEntry(key.casefold(), value) if isinstance(value, str) else
               FaqEntry(key.casefold(), value.answer, value.title, tuple(w for w in value.keywords if w.strip()))
               for key, value in faq.items()]
    return {entry.key: entry for entry in entries}


class GithubConfig(Section):
    """The GitHub link-up: pull requests and issues follow tickets. Present → on; each product lists its
    repositories in `[[products]] github_repos`. Without a webhook secret the linked PRs are polled."""

    token: SecretStr | None = None  # or env GITHUB_TOKEN
    api_base_url: str = "https://api.github.com"  # GitHub Enterprise: https://host/api/v3; tests: a local fake
    webhook_secret: SecretStr | None = None  # or env GITHUB_WEBHOOK_SECRET; unset: polling instead
    poll_interval: WallClock = "5m"
    timeout: WallClock = "10s"  # one GitHub call at most this long; the desk never waits on it

    @field_validator("token", "webhook_secret")
    @classmethod
    def _no_placeholder(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if info.field_name == "token":
            return refuse_placeholder(value, "GitHub token", "GITHUB_TOKEN")
        return refuse_placeholder(value, "GitHub webhook secret", "GITHUB_WEBHOOK_SECRET")

    @field_validator("api_base_url")
    @classmethod
    def _absolute_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("an absolute http(s) URL, e.g. https://api.github.com")
        return value.rstrip("/")
