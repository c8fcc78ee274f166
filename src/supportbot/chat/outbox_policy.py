"""How the outbox sender retries and folds (from [outbox] in the config), and what one flush did."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class SenderPolicy:
    max_attempts: int = 8
    first_backoff: float = 1.0
    max_backoff: float = 300.0
    outage_max_wait: float = 60.0  # seconds: the longest pause between probes of a platform that is down
    fold_after: float = 600.0  # seconds: acknowledgements older than this after an outage are folded
    parallel_chats: int = 8
    fold_bursts_from: int = 4  # notices waiting for a chat its send limit holds that go out as one (0: never)
    max_per_chat: int = 500  # messages waiting for one chat past which plain notices are folded (0: no bound)

    def backoff(self, attempts: int) -> float:
        """Seconds to wait before try number attempts+1: doubling from first_backoff."""
        return min(self.max_backoff, self.first_backoff * 2 ** max(0, attempts - 1))


@dataclass
class FlushReport:
    sent: int = 0
    retried: int = 0
    dead: int = 0
    held: int = 0  # put back untried, or without counting the try, while the platform is down
    more: bool = False  # the claim was full (or a chat had more than it took): more may be due now
