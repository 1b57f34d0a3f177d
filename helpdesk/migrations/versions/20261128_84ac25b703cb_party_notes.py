"""Party notes: messages addressed to another party

Revision ID: 84ac25b703cb
Revises: 9274cb1af29b
Create Date: 2026-11-28 17:55:20.534744

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '84ac25b703cb'
down_revision = '9274cb1af29b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('audience_party_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_messages_audience_party_id_parties'), 'parties', ['audience_party_id'], ['id'])


def downgrade():
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_messages_audience_party_id_parties'), type_='foreignkey')
        batch_op.drop_column('audience_party_id')
