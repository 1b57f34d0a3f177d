"""ticket resolution and satisfaction

Revision ID: 659a94839277
Revises: 71f64d72d6e4
Create Date: 2026-11-28 15:14:50.042531

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '659a94839277'
down_revision = '71f64d72d6e4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_priority_overridden', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('resolution_code', sa.Enum('answered', 'fixed', 'workaround', 'fulfilled', 'no_fault', 'duplicate', 'withdrawn', name='resolutioncode', native_enum=False, length=32), nullable=True))
        batch_op.add_column(sa.Column('resolution_summary', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('satisfaction_rating', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('satisfaction_comment', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('rated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint('rating_range', 'satisfaction_rating BETWEEN 1 AND 5')


def downgrade():
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_tickets_rating_range'), type_='check')
        batch_op.drop_column('rated_at')
        batch_op.drop_column('satisfaction_comment')
        batch_op.drop_column('satisfaction_rating')
        batch_op.drop_column('resolution_summary')
        batch_op.drop_column('resolution_code')
        batch_op.drop_column('is_priority_overridden')

