"""The schema. Only migrations/ changes it in a database; this module must match the latest migration."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import registry

from supportbot.db.column_types import MicrosBetween, UTCDateTime, enum_of
from supportbot.domain.ticket_states import Priority, Resolution, Severity, Status
from supportbot.domain.tickets import Ticket

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


counters = sa.Table(
    "counters", metadata,
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)

tickets = sa.Table(
    "tickets", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("number", sa.Integer, nullable=False, unique=True),
    sa.Column("product", sa.String(64)),
    sa.Column("severity", enum_of(Severity), nullable=False),
    sa.Column("status", enum_of(Status), nullable=False),
    sa.Column("resolution", enum_of(Resolution)),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("reporter_platform", sa.String(16), nullable=False),
    sa.Column("reporter_id", sa.BigInteger, nullable=False),
    sa.Column("reporter_name", sa.String(200), nullable=False),
    sa.Column("assignee", sa.String(200)),
    sa.Column("pr_links", sa.JSON, nullable=False),
    sa.Column("missing", sa.JSON, nullable=False),
    sa.Column("security", sa.Boolean, nullable=False),
    sa.Column("source_platform", sa.String(16), nullable=False),
    sa.Column("source_chat_id", sa.BigInteger, nullable=False),
    sa.Column("source_message_id", sa.BigInteger, nullable=False),
    sa.Column("thread_id", sa.BigInteger),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("first_response_at", UTCDateTime),
    sa.Column("first_response_how", sa.String(40)),
    sa.Column("last_activity_at", UTCDateTime, nullable=False),
    sa.Column("resolved_at", UTCDateTime),
    sa.Column("interactions", sa.Integer, nullable=False),
    sa.Column("escalation_level", sa.Integer, nullable=False),
    sa.Column("last_escalation_at", UTCDateTime),
    sa.Column("first_response_missed_notified", sa.Boolean, nullable=False),
    sa.Column("next_due_at", UTCDateTime),
    sa.Column("priority", enum_of(Priority)),
    sa.Column("sub_state", sa.String(20)),
    sa.Column("fix_provided_at", UTCDateTime),
    sa.Column("fix_provided_by", sa.String(200)),
    # The metrics' figures, recorded as things happen (see Ticket): the reporter's unanswered wait, the
    # responses that ended such waits and their sum, the first response's deadline, the reopenings.
    sa.Column("awaiting_since", UTCDateTime),
    sa.Column("responses", sa.Integer, nullable=False, server_default="0"),
    sa.Column("response_wait_us", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("first_response_due_at", UTCDateTime),
    sa.Column("reopens", sa.Integer, nullable=False, server_default="0"),
    # Linked GitHub pull requests and issues and their state in words (migration 0010).
    sa.Column("github_links", sa.JSON, nullable=False, server_default="{}"),
    # A reporter's tickets, and when they opened their latest ones (the ticket limit), read from the index alone.
    sa.Index("ix_tickets_reporter", "reporter_platform", "reporter_id", "created_at"),
    sa.Index("ix_tickets_status", "status", "created_at", "number"),
)
# The predicate of the partial indexes on open tickets, spelled with a literal so that a query saying
# the same (ticket_queries.py) is known to match them whatever its parameters.
OPEN = tickets.c.status != sa.literal_column(f"'{Status.RESOLVED.value}'")
# Every list shows open tickets oldest first: the whole list, one product's, one person's.
# Security and status are there for the backlog's count, read from the index alone.
sa.Index("ix_tickets_open", tickets.c.created_at, tickets.c.number, tickets.c.security, tickets.c.status,
         sqlite_where=OPEN, postgresql_where=OPEN)
sa.Index("ix_tickets_open_product", tickets.c.product, tickets.c.created_at, tickets.c.number, tickets.c.security,
         tickets.c.status, sqlite_where=OPEN, postgresql_where=OPEN)
sa.Index("ix_tickets_open_assignee", tickets.c.assignee, tickets.c.created_at, tickets.c.number,
         sqlite_where=OPEN, postgresql_where=OPEN)
# Tickets resolved lately, latest first: the public tracker's and the board's last columns.
RESOLVED = tickets.c.status == sa.literal_column(f"'{Status.RESOLVED.value}'")
sa.Index("ix_tickets_resolved", tickets.c.resolved_at, tickets.c.number, tickets.c.product, tickets.c.security,
         sqlite_where=RESOLVED, postgresql_where=RESOLVED)
# /backlog: open tickets by priority (untriaged last), then oldest first; all products or one.
sa.Index("ix_tickets_open_priority", tickets.c.priority, tickets.c.created_at, tickets.c.number,
         sqlite_where=OPEN, postgresql_where=OPEN)
sa.Index("ix_tickets_open_product_priority", tickets.c.product, tickets.c.priority, tickets.c.created_at,
         tickets.c.number, sqlite_where=OPEN, postgresql_where=OPEN)
# The open emergencies a handoff's summary lists, by number.
sa.Index("ix_tickets_open_severity", tickets.c.severity, tickets.c.number, sqlite_where=OPEN, postgresql_where=OPEN)
# /stats adds these up over the tickets opened in a period, and takes the median of the first.
FIRST_RESPONSE_US = MicrosBetween(tickets.c.first_response_at, tickets.c.created_at)
RESOLUTION_US = MicrosBetween(tickets.c.resolved_at, tickets.c.created_at)
# The spans are read from the index (SQLite; PostgreSQL computes them again from the columns it includes).
sa.Index("ix_tickets_period", tickets.c.created_at, tickets.c.security, tickets.c.product, tickets.c.status,
         tickets.c.resolution, tickets.c.interactions, tickets.c.resolved_at, tickets.c.first_response_how,
         tickets.c.first_response_at, tickets.c.first_response_due_at, tickets.c.responses,
         tickets.c.response_wait_us, tickets.c.reopens, FIRST_RESPONSE_US, RESOLUTION_US)
# The period's emergencies (few), for the emergency deadlines met: read apart from the other figures.
EMERGENCY = tickets.c.severity == sa.literal_column(f"'{Severity.EMERGENCY.value}'")
sa.Index("ix_tickets_emergency", tickets.c.created_at, tickets.c.security, tickets.c.product,
         tickets.c.first_response_at, sqlite_where=EMERGENCY, postgresql_where=EMERGENCY,
         postgresql_include=["id"])  # (SQLite's entries hold the rowid) each one's history is looked up by id
# The security tickets (few), whose ratings the metrics leave out for the rest of the team.
SECURITY = tickets.c.security.is_(True)
# (SQLite leaves an index of the rowid alone unused: the security column comes first.)
sa.Index("ix_tickets_security", tickets.c.security, tickets.c.id, sqlite_where=SECURITY, postgresql_where=SECURITY)
sa.Index("ix_tickets_first_response", FIRST_RESPONSE_US, tickets.c.created_at, tickets.c.security, tickets.c.product,
         postgresql_include=["first_response_at"])
# Only open tickets with a clock are ever looked up by due time.
sa.Index(
    "ix_tickets_next_due_at", tickets.c.next_due_at,
    postgresql_where=tickets.c.next_due_at.isnot(None),
    sqlite_where=tickets.c.next_due_at.isnot(None),
)

ticket_events = sa.Table(
    "ticket_events", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
)
# Which tickets were first answered how (/stats counts those an FAQ answer or the resolution answered).
FIRST_RESPONSE_KIND: sa.ColumnElement[str] = sa.literal_column("'first_response'")
sa.Index("ix_ticket_events_first_response", ticket_events.c.ticket_id, ticket_events.c.kind, ticket_events.c.detail,
         sqlite_where=ticket_events.c.kind == FIRST_RESPONSE_KIND,
         postgresql_where=ticket_events.c.kind == FIRST_RESPONSE_KIND)

platform_messages = sa.Table(
    "platform_messages", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("platform", sa.String(16), nullable=False),
    sa.Column("chat_id", sa.BigInteger, nullable=False),
    sa.Column("message_id", sa.BigInteger, nullable=False),
    sa.Column("thread_id", sa.BigInteger),
    sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.UniqueConstraint("platform", "chat_id", "message_id", name="uq_platform_messages_key"),
)
# Messages in a thread or forum topic: which ticket a thread is about.
sa.Index("ix_platform_messages_thread", platform_messages.c.platform, platform_messages.c.chat_id,
         platform_messages.c.thread_id, sqlite_where=platform_messages.c.thread_id.isnot(None),
         postgresql_where=platform_messages.c.thread_id.isnot(None))

outbox = sa.Table(
    "outbox", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("platform", sa.String(16), nullable=False),
    sa.Column("chat_id", sa.BigInteger, nullable=False),
    sa.Column("thread_id", sa.BigInteger),
    sa.Column("reply_to", sa.BigInteger),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("mentions", sa.JSON, nullable=False),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id", ondelete="SET NULL")),
    sa.Column("dedupe_key", sa.String(200), unique=True),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("next_attempt_at", UTCDateTime),
    sa.Column("last_error", sa.Text),
    sa.Column("platform_message_id", sa.BigInteger),
    # Set just before a send that cannot safely be repeated; cleared by its outcome. Still set when a
    # row is claimed again means its sender died mid-send: the platform may have the message.
    sa.Column("sending_at", UTCDateTime),
)
sa.Index("ix_outbox_pending", outbox.c.platform, outbox.c.next_attempt_at,
         postgresql_where=outbox.c.status == "pending", sqlite_where=outbox.c.status == "pending")

# On-call handoffs: each overrides the rotation from `at` until `until` (the end of the shift handed over).
handoffs = sa.Table(
    "handoffs", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("from_person", sa.String(200), nullable=False),
    sa.Column("to_person", sa.String(200), nullable=False),
    sa.Column("notes", sa.Text, nullable=False),
    sa.Column("until", UTCDateTime, nullable=False),
    sa.Index("ix_handoffs_until", "until"),
)

# Tickets a team member keeps through their next handoff (/keep); consumed by that handoff.
handoff_keeps = sa.Table(
    "handoff_keeps", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False),
    sa.Column("person", sa.String(200), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("person", "ticket_id", name="uq_handoff_keeps_person_ticket"),
)

# Every platform event the desk has handled (commands and button presses included), recorded in the
# same transaction as its effects: a redelivered event finds its key here and changes nothing.
# Once-only jobs (the shift reminder) record their key here too.
handled_events = sa.Table(
    "handled_events", metadata,
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("at", UTCDateTime, nullable=False),
)

# Satisfaction: the reporter's rating of a resolved ticket, 1-5, one per ticket (changeable for a
# while), with an optional comment given by replying.
ratings = sa.Table(
    "ratings", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False,
              unique=True),
    sa.Column("score", sa.Integer, nullable=False),
    sa.Column("comment", sa.Text),
    sa.Column("rated_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    # The ratings given in a span, with what the metrics add up (migration 0009 made it covering).
    sa.Index("ix_ratings_rated_at", "rated_at", "ticket_id", "score"),
)

# GitHub pull requests and issues linked to tickets, with what was last seen of each (its state, the ETag of
# the last answer, a PR's merge commit), looked up by repository and number when GitHub says one changed.
github_refs = sa.Table(
    "github_refs", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False),
    sa.Column("kind", sa.String(8), nullable=False),  # pull | issue
    sa.Column("repo", sa.String(200), nullable=False),
    sa.Column("repo_key", sa.String(200), nullable=False),  # lower case: GitHub's names ignore case
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("state", sa.String(20)),
    sa.Column("review", sa.String(20)),
    sa.Column("merge_commit_sha", sa.String(64)),
    sa.Column("etag", sa.String(200)),
    sa.UniqueConstraint("ticket_id", "kind", "repo_key", "number", name="uq_github_refs_link"),
    sa.Index("ix_github_refs_item", "repo_key", "number", "kind"),
)

# GitHub calls waiting to be made outside the desk's transactions (fetch a linked PR, open an issue, check a
# deployment), tried again with back-off while GitHub is down or rate-limiting.
github_calls = sa.Table(
    "github_calls", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id", ondelete="CASCADE")),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("status", sa.String(10), nullable=False),  # pending | failed
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("next_try_at", UTCDateTime, nullable=False),
    sa.Column("last_error", sa.Text),
)
sa.Index("ix_github_calls_pending", github_calls.c.next_try_at,
         postgresql_where=github_calls.c.status == "pending", sqlite_where=github_calls.c.status == "pending")

# Platform events that could not be handled after a short retry: parked with the error, raw as
# received, so one bad event never holds up the others and nothing a user sent is lost.
dead_letters = sa.Table(
    "dead_letters", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("platform", sa.String(16), nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("ref", sa.String(100), nullable=False),
    sa.Column("chat_id", sa.BigInteger),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("error", sa.Text, nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("replayed_at", UTCDateTime),
    sa.UniqueConstraint("platform", "kind", "ref", name="uq_dead_letters_event"),
)
sa.Index("ix_dead_letters_status", dead_letters.c.status, dead_letters.c.id)

# The web side's own state: settings it generates once (the session secret), one-time sign-in links
# and sessions, each stored by the SHA-256 of its token (a database leak signs nobody in).
web_settings = sa.Table(
    "web_settings", metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

login_tokens = sa.Table(
    "login_tokens", metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("person", sa.String(100), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("used_at", UTCDateTime),
)

web_sessions = sa.Table(
    "web_sessions", metadata,
    sa.Column("id_hash", sa.String(64), primary_key=True),
    sa.Column("person", sa.String(100), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("ended_at", UTCDateTime),
)
sa.Index("ix_web_sessions_person", web_sessions.c.person)

# Telegram's flood limits shared by every replica on PostgreSQL (db/send_budgets.py): per chat
# ("telegram:<chat id>") and for the bot as a whole ("telegram"), the latest send times, newest first,
# in seconds since the epoch, and until when a 429 holds it. SQLite (one instance) never writes here.
send_budgets = sa.Table(
    "send_budgets", metadata,
    sa.Column("scope", sa.String(40), primary_key=True),
    sa.Column("sent", sa.JSON().with_variant(postgresql.ARRAY(sa.Double()), "postgresql"), nullable=False),
    sa.Column("held_until", sa.Double(), nullable=False),
)

mapper_registry = registry(metadata=metadata)


def map_tables() -> None:
    """Map Ticket onto its table, once; importing this module maps nothing (the schema alone is plain data)."""
    if not any(mapper.class_ is Ticket for mapper in mapper_registry.mappers):
        mapper_registry.map_imperatively(Ticket, tickets)
