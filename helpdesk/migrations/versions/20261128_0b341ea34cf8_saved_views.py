"""saved views

Revision ID: 0b341ea34cf8
Revises: bc042270697f
Create Date: 2026-11-28 16:04:31.836798

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0b341ea34cf8'
down_revision = 'bc042270697f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('saved_views',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_saved_views_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_views')),
    sa.UniqueConstraint('user_id', 'name', name=op.f('uq_saved_views_user_id_name'))
    )


def downgrade():
    op.drop_table('saved_views')
