"""mail preference: whether a user's notifications also come by mail (everyone does until they choose)

Revision ID: 13f0b96c7a59
Revises: 6aadaaca2245
Create Date: 2026-11-28 21:12:14.417899

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '13f0b96c7a59'
down_revision = '6aadaaca2245'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('receives_mail', sa.Boolean(), nullable=False, server_default=sa.true()))



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('receives_mail')

