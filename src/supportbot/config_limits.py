"""Config of the limits against floods at intake: [limits]."""

from __future__ import annotations

from pydantic import Field

from supportbot.config_sections import Section, WallClock


class LimitsConfig(Section):
    """How many tickets one reporter may open in a window (team members and on-call people never count).

    Over it, the reporter's first refused message gets one answer (when they may post again, that the team
    sees their earlier tickets) and the next ones none until the window lets them in again; 0 turns it off."""

    tickets_per_user: int = Field(default=5, ge=0, le=10_000)
    tickets_per_user_window: WallClock = "10m"
