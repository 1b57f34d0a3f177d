"""outbound mail: HTML body, reply address, and one mail per notification

Revision ID: 6aadaaca2245
Revises: dfb56fc4d8ad
Create Date: 2026-11-28 20:57:55.331645

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '6aadaaca2245'
down_revision = 'dfb56fc4d8ad'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('mail_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body_html', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('reply_to', sa.String(length=254), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('notification_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_mail_messages_notification_id'), ['notification_id'])
        batch_op.create_foreign_key(batch_op.f('fk_mail_messages_notification_id_notifications'), 'notifications', ['notification_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('mail_messages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_mail_messages_notification_id_notifications'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_mail_messages_notification_id'), type_='unique')
        batch_op.drop_column('notification_id')
        batch_op.drop_column('reply_to')
        batch_op.drop_column('body_html')

