"""webhook endpoint failure streak: failed attempts in a row and when on-call was alerted

An endpoint that keeps failing alerts on-call once per run of failures (issue #9, R4).

Revision ID: 3e9350a51d50
Revises: 7d3e9a1c2b45
Create Date: 2026-11-29 04:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3e9350a51d50'
down_revision = '7d3e9a1c2b45'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('webhook_endpoints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consecutive_failures', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('alerted_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('webhook_endpoints', schema=None) as batch_op:
        batch_op.drop_column('alerted_at')
        batch_op.drop_column('consecutive_failures')
