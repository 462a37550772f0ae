"""time zones of accounts and cohorts

Revision ID: f1a2b3c4d5e6
Revises: c3f4e5a6b7d8
Create Date: 2026-12-01 09:00:00

Accounts start without a zone (the site's AMICUS_TIMEZONE is used until the person chooses).
Existing cohorts get UTC: their case-exercise deadlines were computed in UTC, and stay as set.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f1a2b3c4d5e6'
down_revision = 'c3f4e5a6b7d8'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), nullable=True))
    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), server_default='UTC', nullable=False))


def downgrade():
    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.drop_column('timezone')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('timezone')
