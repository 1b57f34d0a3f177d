"""first contact resolution

Revision ID: bc042270697f
Revises: 9b4f286410e0
Create Date: 2026-11-28 15:42:17.445929

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'bc042270697f'
down_revision = '9b4f286410e0'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_first_contact_resolution', sa.Boolean(), nullable=False, server_default=sa.false()))



def downgrade():
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('is_first_contact_resolution')

