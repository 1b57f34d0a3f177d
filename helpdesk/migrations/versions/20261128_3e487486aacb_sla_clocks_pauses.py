"""sla clocks with pauses and classification; warning share and pause statuses per policy version

Nothing wrote clocks or events before this revision, so their new NOT NULL columns need no
backfill; existing policies take the defaults (75 %, paused while pending).

Revision ID: 3e487486aacb
Revises: e98f1e75488f
Create Date: 2026-11-28 19:41:09.194722

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '3e487486aacb'
down_revision = 'e98f1e75488f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sla_clock_pauses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clock_id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['clock_id'], ['sla_clocks.id'], name=op.f('fk_sla_clock_pauses_clock_id_sla_clocks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_clock_pauses'))
    )
    with op.batch_alter_table('sla_clock_pauses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sla_clock_pauses_clock_id'), ['clock_id'], unique=False)

    with op.batch_alter_table('sla_clocks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ticket_type', sa.Enum('inquiry', 'fault', 'request', 'security', name='tickettype', native_enum=False, length=32), nullable=False))
        batch_op.add_column(sa.Column('priority', sa.Enum('P1', 'P2', 'P3', 'P4', name='priority', native_enum=False, length=4), nullable=False))
        batch_op.drop_index(batch_op.f('ix_sla_clocks_running_due'))
        batch_op.create_index('ix_sla_clocks_running_due', ['due_at'], unique=False, postgresql_where=sa.text('stopped_at IS NULL AND paused_at IS NULL'), sqlite_where=sa.text('stopped_at IS NULL AND paused_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_sla_clocks_running_warn'))
        batch_op.create_index('ix_sla_clocks_running_warn', ['warn_at'], unique=False, postgresql_where=sa.text('stopped_at IS NULL AND paused_at IS NULL'), sqlite_where=sa.text('stopped_at IS NULL AND paused_at IS NULL'))
        batch_op.create_index('ix_sla_clocks_segment', ['segment_id'], unique=False)

    with op.batch_alter_table('sla_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False))

    with op.batch_alter_table('sla_policies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('warning_percent', sa.Integer(), nullable=False, server_default='75'))
        batch_op.add_column(sa.Column('pause_statuses', sa.JSON(), nullable=False,
                                      server_default=sa.text("'[\"pending\"]'")))



def downgrade():
    with op.batch_alter_table('sla_policies', schema=None) as batch_op:
        batch_op.drop_column('pause_statuses')
        batch_op.drop_column('warning_percent')

    with op.batch_alter_table('sla_events', schema=None) as batch_op:
        batch_op.drop_column('recorded_at')

    with op.batch_alter_table('sla_clocks', schema=None) as batch_op:
        batch_op.drop_index('ix_sla_clocks_segment')
        batch_op.drop_index('ix_sla_clocks_running_warn', postgresql_where=sa.text('stopped_at IS NULL AND paused_at IS NULL'), sqlite_where=sa.text('stopped_at IS NULL AND paused_at IS NULL'))
        batch_op.create_index(batch_op.f('ix_sla_clocks_running_warn'), ['stopped_at', 'paused_at', 'warn_at'], unique=False)
        batch_op.drop_index('ix_sla_clocks_running_due', postgresql_where=sa.text('stopped_at IS NULL AND paused_at IS NULL'), sqlite_where=sa.text('stopped_at IS NULL AND paused_at IS NULL'))
        batch_op.create_index(batch_op.f('ix_sla_clocks_running_due'), ['stopped_at', 'paused_at', 'due_at'], unique=False)
        batch_op.drop_column('priority')
        batch_op.drop_column('ticket_type')

    with op.batch_alter_table('sla_clock_pauses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sla_clock_pauses_clock_id'))

    op.drop_table('sla_clock_pauses')
