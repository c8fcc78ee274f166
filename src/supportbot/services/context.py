"""Everything a use case needs, wired once by bootstrap and passed to each call."""

from __future__ import annotations

from dataclasses import dataclass, field

from supportbot.domain.faq import FaqEntry
from supportbot.domain.limits import TicketLimit
from supportbot.domain.people import Directory
from supportbot.domain.satisfaction import SatisfactionPolicy
from supportbot.services.clocks import Clocks
from supportbot.services.notify import Notifier
from supportbot.services.ports import Clock, OnCallLookup, UnitOfWorkFactory


@dataclass(frozen=True)
class Deps:
    """The desk's collaborators: storage, time, people and places, clocks, outbox builders."""

    uow: UnitOfWorkFactory
    clock: Clock
    directory: Directory
    clocks: Clocks
    notifier: Notifier
    disclosure_url: str = "https://example.org/security"
    faq: dict[str, FaqEntry] = field(default_factory=dict)  # by casefolded key
    oncall: OnCallLookup | None = None  # set when a rotation is configured
    public_url: str = "http://127.0.0.1:8080"  # where the web side is reached (sign-in links); "" when off
    satisfaction: SatisfactionPolicy = SatisfactionPolicy()  # when reporters are asked "How did we do?"
    ticket_limit: TicketLimit = TicketLimit()  # how many tickets one reporter may open in a window (off here)
