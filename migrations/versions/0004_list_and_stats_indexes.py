"""indexes for every list the bot shows (open tickets, by product, by assignee, by status; threads) and for /stats

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

OPEN = "status != 'resolved'"


def micros_between(later: str, earlier: str) -> sa.TextClause:
    """Exact microseconds from `earlier` to `later`, written as db/tables.py's MicrosBetween writes it."""
    if op.get_bind().dialect.name == "postgresql":
        return sa.text(f"CAST(round(date_part('epoch', {later} - {earlier}) * 1000000) AS BIGINT)")
    return sa.text(
        f"(CAST(round((julianday(substr({later}, 1, 19)) - julianday(substr({earlier}, 1, 19))) * 86400)"
        f" AS INTEGER) * 1000000 + CAST(substr({later}, 21, 6) AS INTEGER)"
        f" - CAST(substr({earlier}, 21, 6) AS INTEGER))")


def partial(where: str) -> dict[str, sa.TextClause]:
    return {"sqlite_where": sa.text(where), "postgresql_where": sa.text(where)}


def upgrade() -> None:
    op.drop_index('ix_tickets_status_product', table_name='tickets')
    op.create_index('ix_tickets_status', 'tickets', ['status', 'created_at', 'number'])
    op.create_index('ix_tickets_open', 'tickets', ['created_at', 'number', 'security', 'status'], **partial(OPEN))
    op.create_index('ix_tickets_open_product', 'tickets', ['product', 'created_at', 'number', 'security', 'status'],
                    **partial(OPEN))
    op.create_index('ix_tickets_open_assignee', 'tickets', ['assignee', 'created_at', 'number'], **partial(OPEN))
    op.create_index('ix_tickets_open_severity', 'tickets', ['severity', 'number'], **partial(OPEN))
    first_response = micros_between('first_response_at', 'created_at')
    op.create_index('ix_tickets_period', 'tickets', [
        'created_at', 'security', 'product', 'status', 'resolution', 'interactions', 'resolved_at',
        first_response, micros_between('resolved_at', 'created_at')], postgresql_include=['first_response_at', 'id'])
    op.create_index('ix_tickets_first_response', 'tickets', [first_response, 'created_at', 'security', 'product'],
                    postgresql_include=['first_response_at'])
    op.create_index('ix_ticket_events_first_response', 'ticket_events', ['ticket_id', 'kind', 'detail'],
                    **partial("kind = 'first_response'"))
    op.create_index('ix_platform_messages_thread', 'platform_messages', ['platform', 'chat_id', 'thread_id'],
                    **partial("thread_id IS NOT NULL"))


def downgrade() -> None:
    op.drop_index('ix_platform_messages_thread', table_name='platform_messages')
    op.drop_index('ix_ticket_events_first_response', table_name='ticket_events')
    for name in ('ix_tickets_first_response', 'ix_tickets_period', 'ix_tickets_open_severity',
                 'ix_tickets_open_assignee', 'ix_tickets_open_product', 'ix_tickets_open', 'ix_tickets_status'):
        op.drop_index(name, table_name='tickets')
    op.create_index('ix_tickets_status_product', 'tickets', ['status', 'product'])
