"""Every sentence the bot says, in one place; adapters only add markup, mentions and buttons.

Split by audience: tickets (reporters and the team), oncall (escalations, shifts), operator (the desk's own
running), board (signing in to the team board and working it), triage (priorities, products, the backlog,
the FAQ), digest (the weekly digest and the morning summary), intake (the ticket limit, long reports),
delivery (notices folded into one message when they come faster than a chat may show them).
Every text stays reachable as `texts.NAME`, except the metrics' names and the report's refusals
(metrics.py, short names read as `metrics.NAME` by domain/metrics.py and cli_report.py)."""

from supportbot.domain.texts.board import *  # noqa: F403
from supportbot.domain.texts.delivery import *  # noqa: F403
from supportbot.domain.texts.digest import *  # noqa: F403
from supportbot.domain.texts.feedback import *  # noqa: F403
from supportbot.domain.texts.github import *  # noqa: F403
from supportbot.domain.texts.intake import *  # noqa: F403
from supportbot.domain.texts.oncall import *  # noqa: F403
from supportbot.domain.texts.operator import *  # noqa: F403
from supportbot.domain.texts.tickets import *  # noqa: F403
from supportbot.domain.texts.triage import *  # noqa: F403
