"""a reporter's recent tickets from the index alone: ix_tickets_reporter gains created_at, so the ticket
limit's count of what one reporter opened lately reads no ticket rows

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""
from __future__ import annotations

from alembic import op


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_reporter')
        batch_op.create_index('ix_tickets_reporter', ['reporter_platform', 'reporter_id', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_reporter')
        batch_op.create_index('ix_tickets_reporter', ['reporter_platform', 'reporter_id'], unique=False)
