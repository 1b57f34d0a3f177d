"""indexes for a million tickets: open-ticket queue, newest-first search, current holders

Revision ID: e98f1e75488f
Revises: 84ac25b703cb
Create Date: 2026-11-28 18:05:00

Measured with bench/tickets.py at 1,000,000 tickets. On PostgreSQL the indexes are
built CONCURRENTLY, outside a transaction, so a live ticket table keeps taking writes
while they build.
"""
import sqlalchemy as sa
from alembic import op


revision = 'e98f1e75488f'
down_revision = '84ac25b703cb'
branch_labels = None
depends_on = None

OPEN = "status IN ('new', 'open', 'pending')"
INDEXES = (
    ('ix_tickets_created_at', 'tickets', ['created_at', 'id'], {}),
    ('ix_tickets_open_queue', 'tickets', ['priority', 'created_at', 'id'],
     {'postgresql_include': ['is_confidential', 'assignee_id', 'status'],
      'postgresql_where': sa.text(OPEN), 'sqlite_where': sa.text(OPEN)}),
    ('ix_tickets_open_requester', 'tickets', ['requester_id', 'created_at'],
     {'postgresql_where': sa.text(OPEN), 'sqlite_where': sa.text(OPEN)}),
    ('ix_responsibility_segments_open_party', 'responsibility_segments', ['party_id', 'ticket_id'],
     {'postgresql_where': sa.text('ended_at IS NULL'), 'sqlite_where': sa.text('ended_at IS NULL')}),
)


def upgrade():
    with op.get_context().autocommit_block():
        for name, table, columns, options in INDEXES:
            op.create_index(name, table, columns, unique=False, postgresql_concurrently=True, **options)


def downgrade():
    with op.get_context().autocommit_block():
        for name, table, _columns, _options in reversed(INDEXES):
            op.drop_index(name, table_name=table, postgresql_concurrently=True)
