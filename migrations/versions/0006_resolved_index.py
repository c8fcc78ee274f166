"""tickets resolved lately, latest first (the public tracker's and the board's resolved columns)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

RESOLVED = sa.text("status = 'resolved'")


def upgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.create_index('ix_tickets_resolved', ['resolved_at', 'number', 'product', 'security'], unique=False,
                              sqlite_where=RESOLVED, postgresql_where=RESOLVED)


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_resolved', sqlite_where=RESOLVED, postgresql_where=RESOLVED)
