"""the GitHub link-up: each ticket's linked pull requests and issues as its card shows them, the links as
followed on GitHub (state, ETag), and the GitHub calls waiting to be made

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    # Added without batch mode: SQLite's table copy would lose the expression indexes.
    op.add_column('tickets', sa.Column('github_links', sa.JSON(), nullable=False, server_default='{}'))
    op.create_table('github_refs',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('repo', sa.String(length=200), nullable=False),
    sa.Column('repo_key', sa.String(length=200), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=True),
    sa.Column('review', sa.String(length=20), nullable=True),
    sa.Column('merge_commit_sha', sa.String(length=64), nullable=True),
    sa.Column('etag', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_github_refs_ticket_id_tickets'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_github_refs')),
    sa.UniqueConstraint('ticket_id', 'kind', 'repo_key', 'number', name='uq_github_refs_link'),
    )
    op.create_index('ix_github_refs_item', 'github_refs', ['repo_key', 'number', 'kind'])
    op.create_table('github_calls',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('next_try_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_github_calls_ticket_id_tickets'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_github_calls')),
    )
    op.create_index('ix_github_calls_pending', 'github_calls', ['next_try_at'],
                    sqlite_where=PENDING, postgresql_where=PENDING)


def downgrade() -> None:
    op.drop_index('ix_github_calls_pending', table_name='github_calls')
    op.drop_table('github_calls')
    op.drop_index('ix_github_refs_item', table_name='github_refs')
    op.drop_table('github_refs')
    op.execute("ALTER TABLE tickets DROP COLUMN github_links")
