"""mail attachment names: read once at intake, so the held-mail page need not re-parse raw mail

Revision ID: d53882b8372c
Revises: 13f0b96c7a59
Create Date: 2026-11-28 21:48:51.417563

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'd53882b8372c'
down_revision = '13f0b96c7a59'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('mail_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attachment_names', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))



def downgrade():
    with op.batch_alter_table('mail_messages', schema=None) as batch_op:
        batch_op.drop_column('attachment_names')

