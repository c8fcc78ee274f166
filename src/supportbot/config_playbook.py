"""Config sections for the playbook's later parts: fix confirmation, satisfaction, the digest, FAQ hints."""

from __future__ import annotations

from pydantic import Field

from supportbot.config_sections import DurationField, Section, WallClock


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


class DigestConfig(Section):
    """The weekly digest to the team chat, and the next-morning summary to product owners."""

    enabled: bool = True
    when: str = "mon 09:00"  # weekday and time, business time zone
    top_untriaged: int = Field(default=5, ge=0, le=50)
