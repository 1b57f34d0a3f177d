"""ticket search text, with a trigram index (PostgreSQL) or an FTS5 trigram table (SQLite)

Revision ID: 9b4f286410e0
Revises: 659a94839277
Create Date: 2026-11-28 15:35:00

Japanese has no spaces between words, so search matches substrings: pg_trgm on
PostgreSQL (the database must not use the C ctype, or Japanese yields no trigrams) and
an FTS5 trigram table on SQLite (3.34+), kept in step by the application. Queries shorter than three characters
fall back to LIKE on the column itself, which both engines answer correctly.
"""
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = '9b4f286410e0'
down_revision = '659a94839277'
branch_labels = None
depends_on = None

tickets = sa.table('tickets', sa.column('id', sa.Integer), sa.column('subject', sa.String),
                   sa.column('description', sa.Text), sa.column('search_text', sa.Text))
messages = sa.table('messages', sa.column('ticket_id', sa.Integer), sa.column('body', sa.Text))


def _normalise(*parts: str) -> str:
    return "\n".join(unicodedata.normalize("NFKC", p).lower() for p in parts if p)


def upgrade():
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.Text(), nullable=False, server_default=''))
    bind = op.get_bind()
    bodies: dict[int, list[str]] = {}
    for ticket_id, body in bind.execute(sa.select(messages.c.ticket_id, messages.c.body)):
        bodies.setdefault(ticket_id, []).append(body)
    for ticket_id, subject, description in bind.execute(
            sa.select(tickets.c.id, tickets.c.subject, tickets.c.description)):
        bind.execute(tickets.update().where(tickets.c.id == ticket_id).values(
            search_text=_normalise(subject, description, *bodies.get(ticket_id, []))))
    if bind.dialect.name == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        op.execute('CREATE INDEX ix_tickets_search_trgm ON tickets USING gin (search_text gin_trgm_ops)')
    else:
        try:
            # A standalone FTS5 table (not external content, no triggers): the application
            # keeps it in step (helpdesk.tickets.search), so SQLite's table rebuilds in
            # later batch migrations cannot silently disconnect it.
            op.execute("CREATE VIRTUAL TABLE ticket_search USING fts5(search_text, tokenize='trigram')")
        except sa.exc.OperationalError:
            return  # SQLite older than 3.34: search uses LIKE only
        op.execute("INSERT INTO ticket_search(rowid, search_text) SELECT id, search_text FROM tickets")


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        op.execute('DROP INDEX IF EXISTS ix_tickets_search_trgm')
    else:
        op.execute('DROP TABLE IF EXISTS ticket_search')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('search_text')
