"""presence and keyboard shortcuts

Revision ID: 9b88b888e54c
Revises: bc34edef1aae
Create Date: 2026-11-28 17:02:49.066877

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '9b88b888e54c'
down_revision = 'bc34edef1aae'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ticket_presence',
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('is_typing', sa.Boolean(), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_presence_ticket_id_tickets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_ticket_presence_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ticket_id', 'user_id', name=op.f('pk_ticket_presence'))
    )
    with op.batch_alter_table('ticket_presence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_presence_user_id'), ['user_id'], unique=False)

    # A literal default, not sa.true(): SQLite then adds the column in place instead of
    # rebuilding users, whose drop would break the foreign keys of every table that
    # references it. '1' is true to PostgreSQL's boolean input as well.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('keyboard_shortcuts_enabled', sa.Boolean(), nullable=False, server_default='1'))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('keyboard_shortcuts_enabled')

    with op.batch_alter_table('ticket_presence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_presence_user_id'))

    op.drop_table('ticket_presence')
