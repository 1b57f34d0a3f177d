"""report period indexes: SLA clocks by when they stopped or fell due, tickets by when they were rated

The dashboard's compliance trend and the monthly report select clocks and ratings of a period;
without these they scan every clock and every ticket.

Revision ID: 7d3e9a1c2b45
Revises: 0024af738068
Create Date: 2026-11-29 01:50:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '7d3e9a1c2b45'
down_revision = '0024af738068'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_sla_clocks_stopped_at', 'sla_clocks', ['stopped_at'], unique=False)
    op.create_index('ix_sla_clocks_due_at', 'sla_clocks', ['due_at'], unique=False)
    op.create_index('ix_tickets_rated_at', 'tickets', ['rated_at'], unique=False)


def downgrade():
    op.drop_index('ix_tickets_rated_at', table_name='tickets')
    op.drop_index('ix_sla_clocks_due_at', table_name='sla_clocks')
    op.drop_index('ix_sla_clocks_stopped_at', table_name='sla_clocks')
