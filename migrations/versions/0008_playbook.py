"""the rest of the playbook: priorities, in-progress sub-states, fix confirmation and satisfaction ratings

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

OPEN = sa.text("status != 'resolved'")


def upgrade() -> None:
    # Added without batch mode: SQLite's table copy would lose the expression indexes.
    op.add_column('tickets', sa.Column(
        'priority', sa.Enum('p1', 'p2', 'p3', 'p4', name='priority', native_enum=False, length=20), nullable=True))
    op.add_column('tickets', sa.Column('sub_state', sa.String(length=20), nullable=True))
    op.add_column('tickets', sa.Column('fix_provided_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('tickets', sa.Column('fix_provided_by', sa.String(length=200), nullable=True))
    op.create_index('ix_tickets_open_priority', 'tickets', ['priority', 'created_at', 'number'],
                    sqlite_where=OPEN, postgresql_where=OPEN)
    op.create_index('ix_tickets_open_product_priority', 'tickets', ['product', 'priority', 'created_at', 'number'],
                    sqlite_where=OPEN, postgresql_where=OPEN)
    op.create_table('ratings',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('rated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ratings_ticket_id_tickets'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ratings')),
    sa.UniqueConstraint('ticket_id', name=op.f('uq_ratings_ticket_id')),
    )
    op.create_index('ix_ratings_rated_at', 'ratings', ['rated_at'])


def downgrade() -> None:
    op.drop_index('ix_ratings_rated_at', table_name='ratings')
    op.drop_table('ratings')
    op.drop_index('ix_tickets_open_product_priority', table_name='tickets')
    op.drop_index('ix_tickets_open_priority', table_name='tickets')
    for column in ('fix_provided_by', 'fix_provided_at', 'sub_state', 'priority'):
        op.execute(f"ALTER TABLE tickets DROP COLUMN {column}")
