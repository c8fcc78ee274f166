"""how each ticket was first answered, on the ticket (/stats reads it instead of joining the history)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02

The column is filled from each ticket's first_response event (the domain records one at most), and
ix_tickets_period is made again with it, so /stats reads every figure from the period's index entries.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

PERIOD_COLUMNS = ['created_at', 'security', 'product', 'status', 'resolution', 'interactions', 'resolved_at']
BACKFILL = """
UPDATE tickets SET first_response_how = (
    SELECT substr(e.detail, 1, 40) FROM ticket_events e
    WHERE e.ticket_id = tickets.id AND e.kind = 'first_response'
    ORDER BY e.id LIMIT 1
)
WHERE first_response_at IS NOT NULL
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


def upgrade() -> None:
    # Added and dropped without batch mode: SQLite's table copy would lose the expression indexes.
    op.add_column('tickets', sa.Column('first_response_how', sa.String(length=40), nullable=True))
    op.execute(BACKFILL)
    op.drop_index('ix_tickets_period', table_name='tickets')
    op.create_index('ix_tickets_period', 'tickets', [*PERIOD_COLUMNS, 'first_response_how', *spans()],
                    postgresql_include=['first_response_at'])


def downgrade() -> None:
    op.drop_index('ix_tickets_period', table_name='tickets')
    op.execute("ALTER TABLE tickets DROP COLUMN first_response_how")
    op.create_index('ix_tickets_period', 'tickets', [*PERIOD_COLUMNS, *spans()],
                    postgresql_include=['first_response_at', 'id'])
