"""the metrics' figures recorded on each ticket as things happen: the reporter's unanswered wait, the
team responses that ended such waits and their sum, the first response's deadline, the reopenings

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03

Existing tickets are filled from what is stored: a ticket's reopenings are its history's `reopen` lines;
a ticket already answered counts its first response as its one response so far, its wait the wall-clock
span (the business calendar lives in the config, which a migration does not read); an open ticket not yet
answered waits from its creation; an emergency's first response was due an hour after its creation, as
the default policy has it. A normal ticket's deadline (business time) stays unknown: the metrics leave
it out of the on-time share. ix_tickets_period is made again with the new columns, so the figures are
still read from the period's index entries alone; the period's emergencies are read from a partial index
of their own (ix_tickets_emergency), ix_ratings_rated_at holds what the metrics read of a rating, and
ix_tickets_security lists the security tickets whose ratings the rest of the team does not count.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

PERIOD_COLUMNS = ['created_at', 'security', 'product', 'status', 'resolution', 'interactions', 'resolved_at',
                  'first_response_how']
NEW_PERIOD_COLUMNS = ['first_response_at', 'first_response_due_at', 'responses', 'response_wait_us', 'reopens']
EMERGENCY = sa.text("severity = 'emergency'")
REOPENS = """
UPDATE tickets SET reopens = (
    SELECT count(*) FROM ticket_events e WHERE e.ticket_id = tickets.id AND e.kind = 'reopen'
)
WHERE EXISTS (SELECT 1 FROM ticket_events e WHERE e.ticket_id = tickets.id AND e.kind = 'reopen')
"""


def micros_between(later: str, earlier: str) -> sa.TextClause:
    """Exact microseconds from `earlier` to `later`, written as db/tables.py's MicrosBetween writes it."""
    if op.get_bind().dialect.name == "postgresql":
        return sa.text(f"CAST(round(date_part('epoch', {later} - {earlier}) * 1000000) AS BIGINT)")
    return sa.text(
        f"(CAST(round((julianday(substr({later}, 1, 19)) - julianday(substr({earlier}, 1, 19))) * 86400)"
        f" AS INTEGER) * 1000000 + CAST(substr({later}, 21, 6) AS INTEGER)"
        f" - CAST(substr({earlier}, 21, 6) AS INTEGER))")


def spans() -> list[sa.TextClause]:
    return [micros_between('first_response_at', 'created_at'), micros_between('resolved_at', 'created_at')]


def an_hour_after(column: str) -> str:
    if op.get_bind().dialect.name == "postgresql":
        return f"{column} + interval '1 hour'"
    # As UTCDateTime stores it on SQLite, 'YYYY-MM-DD HH:MM:SS.ffffff': the whole seconds moved on (datetime()
    # would round a fraction), the fraction kept as it was.
    return f"datetime(substr({column}, 1, 19), '+1 hour') || substr({column}, 20)"


def upgrade() -> None:
    # Added and dropped without batch mode: SQLite's table copy would lose the expression indexes.
    op.add_column('tickets', sa.Column('awaiting_since', sa.DateTime(timezone=True), nullable=True))
    op.add_column('tickets', sa.Column('responses', sa.Integer(), server_default='0', nullable=False))
    op.add_column('tickets', sa.Column('response_wait_us', sa.BigInteger(), server_default='0', nullable=False))
    op.add_column('tickets', sa.Column('first_response_due_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('tickets', sa.Column('reopens', sa.Integer(), server_default='0', nullable=False))
    first_wait = micros_between('first_response_at', 'created_at').text
    op.execute(f"UPDATE tickets SET responses = 1, response_wait_us = {first_wait}"
               " WHERE first_response_at IS NOT NULL")
    op.execute("UPDATE tickets SET awaiting_since = created_at"
               " WHERE first_response_at IS NULL AND status != 'resolved'")
    op.execute(f"UPDATE tickets SET first_response_due_at = {an_hour_after('created_at')}"
               " WHERE severity = 'emergency'")
    op.execute(REOPENS)
    op.drop_index('ix_tickets_period', table_name='tickets')
    op.create_index('ix_tickets_period', 'tickets', [*PERIOD_COLUMNS, *NEW_PERIOD_COLUMNS, *spans()])
    op.create_index('ix_tickets_emergency', 'tickets', ['created_at', 'security', 'product', 'first_response_at'],
                    sqlite_where=EMERGENCY, postgresql_where=EMERGENCY, postgresql_include=['id'])
    op.drop_index('ix_ratings_rated_at', table_name='ratings')
    op.create_index('ix_ratings_rated_at', 'ratings', ['rated_at', 'ticket_id', 'score'])
    # Spelled as db/tables.py's SECURITY compiles on each engine, so the metrics' query matches it.
    op.create_index('ix_tickets_security', 'tickets', ['security', 'id'], sqlite_where=sa.text('security IS 1'),
                    postgresql_where=sa.text('security IS true'))


def downgrade() -> None:
    op.drop_index('ix_tickets_security', table_name='tickets')
    op.drop_index('ix_ratings_rated_at', table_name='ratings')
    op.create_index('ix_ratings_rated_at', 'ratings', ['rated_at'])
    op.drop_index('ix_tickets_emergency', table_name='tickets')
    op.drop_index('ix_tickets_period', table_name='tickets')
    for column in ('reopens', 'first_response_due_at', 'response_wait_us', 'responses', 'awaiting_since'):
        op.execute(f"ALTER TABLE tickets DROP COLUMN {column}")
    op.create_index('ix_tickets_period', 'tickets', [*PERIOD_COLUMNS, *spans()],
                    postgresql_include=['first_response_at'])
