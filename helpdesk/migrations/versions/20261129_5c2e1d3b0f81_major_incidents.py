"""major incidents: proposals, updates, subscriptions and the incident timeline

Revision ID: 5c2e1d3b0f81
Revises: 4b1f0c2a9e70
Create Date: 2026-11-29 07:25:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '5c2e1d3b0f81'
down_revision = '4b1f0c2a9e70'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('incident_proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('site_key', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('proposed', 'declared', 'dismissed', name='proposalstate', native_enum=False, length=32), nullable=False),
    sa.Column('report_count', sa.Integer(), nullable=False),
    sa.Column('first_report_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_report_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('proposed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('incident_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_incident_proposals_decided_by_id_users')),
    sa.ForeignKeyConstraint(['incident_id'], ['major_incidents.id'], name=op.f('fk_incident_proposals_incident_id_major_incidents')),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_incident_proposals_service_id_services')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_incident_proposals_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_proposals'))
    )
    with op.batch_alter_table('incident_proposals', schema=None) as batch_op:
        batch_op.create_index('uq_incident_proposals_pending', ['service_id', 'site_key'], unique=True, postgresql_where=sa.text("state = 'proposed'"), sqlite_where=sa.text("state = 'proposed'"))

    op.create_table('incident_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['major_incidents.id'], name=op.f('fk_incident_subscriptions_incident_id_major_incidents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_incident_subscriptions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_subscriptions')),
    sa.UniqueConstraint('incident_id', 'user_id', name=op.f('uq_incident_subscriptions_incident_id_user_id'))
    )
    op.create_table('incident_updates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('posted_by_id', sa.Integer(), nullable=True),
    sa.Column('posted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['major_incidents.id'], name=op.f('fk_incident_updates_incident_id_major_incidents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['posted_by_id'], ['users.id'], name=op.f('fk_incident_updates_posted_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_updates'))
    )
    with op.batch_alter_table('incident_updates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_updates_incident_id'), ['incident_id'], unique=False)

    with op.batch_alter_table('major_incidents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('auto_link', sa.Boolean(), server_default=sa.text('true'), nullable=False))



def downgrade():
    with op.batch_alter_table('major_incidents', schema=None) as batch_op:
        batch_op.drop_column('auto_link')

    with op.batch_alter_table('incident_updates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_updates_incident_id'))

    op.drop_table('incident_updates')
    op.drop_table('incident_subscriptions')
    with op.batch_alter_table('incident_proposals', schema=None) as batch_op:
        batch_op.drop_index('uq_incident_proposals_pending', postgresql_where=sa.text("state = 'proposed'"), sqlite_where=sa.text("state = 'proposed'"))

    op.drop_table('incident_proposals')
