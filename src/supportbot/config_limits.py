"""Config of what supportbot takes in and sends out: [limits] against floods at intake, [outbox] for delivery
(retries, folding, the bound on a chat's queue)."""

from __future__ import annotations

from pydantic import Field, field_validator

from supportbot.config_sections import Section, WallClock


class LimitsConfig(Section):
    """How many tickets one reporter may open in a window (team members and on-call people never count).

    Over it, the reporter's first refused message gets one answer (when they may post again, that the team
    sees their earlier tickets) and the next ones none until the window lets them in again; 0 turns it off."""

    tickets_per_user: int = Field(default=5, ge=0, le=10_000)
    tickets_per_user_window: WallClock = "10m"


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
    # When a chat's send limit holds it back (Telegram: 20 messages a minute in a group) and this many plain
    # notices wait for it, they go out as one message listing every ticket, emergencies first. 0: never.
    fold_bursts_from: int = Field(default=4, ge=0, le=1000)
    # Messages waiting for one chat past which the operator is warned (log, /healthz) and plain notices
    # queued past it are folded; acknowledgements and emergencies are always queued. 0: no bound.
    max_per_chat: int = Field(default=500, ge=0, le=1_000_000)

    @field_validator("max_per_chat")
    @classmethod
    def _bound_above_a_claim(cls, value: int) -> int:
        if 0 < value < 50:
            raise ValueError("must be 0 (no bound) or at least 50: the first messages of a chat may be on their way")
        return value
