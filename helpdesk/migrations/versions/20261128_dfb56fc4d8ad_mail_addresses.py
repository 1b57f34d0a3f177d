"""mail addresses (bounces) and an index for the per-sender rate limit of inbound mail

Revision ID: dfb56fc4d8ad
Revises: 3e487486aacb
Create Date: 2026-11-28 20:43:42.774951

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'dfb56fc4d8ad'
down_revision = '3e487486aacb'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mail_addresses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('address', sa.String(length=254), nullable=False),
    sa.Column('bounce_count', sa.Integer(), nullable=False),
    sa.Column('bounced_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_bounce_message_id', sa.String(length=255), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_addresses')),
    sa.UniqueConstraint('address', name=op.f('uq_mail_addresses_address'))
    )
    with op.batch_alter_table('mail_messages', schema=None) as batch_op:
        batch_op.create_index('ix_mail_messages_sender', ['from_address', 'created_at'], unique=False)



def downgrade():
    with op.batch_alter_table('mail_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_mail_messages_sender')

    op.drop_table('mail_addresses')
