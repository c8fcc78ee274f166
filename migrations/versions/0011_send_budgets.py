"""Telegram's flood limits shared by every replica on PostgreSQL: each chat's and the bot's latest send
times and 429 holds

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('send_budgets',
    sa.Column('scope', sa.String(length=40), nullable=False),
    sa.Column('sent', sa.JSON().with_variant(postgresql.ARRAY(sa.Double()), 'postgresql'), nullable=False),
    sa.Column('held_until', sa.Double(), nullable=False),
    sa.PrimaryKeyConstraint('scope', name=op.f('pk_send_budgets')),
    )


def downgrade() -> None:
    op.drop_table('send_budgets')
