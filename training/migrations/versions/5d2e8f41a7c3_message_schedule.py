"""message schedule: daily digest and quiet hours in message preferences; message claims

Revision ID: 5d2e8f41a7c3
Revises: 38baf3bc4385
Create Date: 2026-12-06 17:50:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '5d2e8f41a7c3'
down_revision = '38baf3bc4385'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('message_preferences', schema=None) as batch_op:
        batch_op.add_column(sa.Column('digest', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('digest_hour', sa.Integer(), server_default='18', nullable=False))
        batch_op.add_column(sa.Column('quiet_from', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('quiet_to', sa.Integer(), nullable=True))
    op.create_table('message_claims',
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('claimed_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_message_claims'))
    )


def downgrade():
    op.drop_table('message_claims')
    with op.batch_alter_table('message_preferences', schema=None) as batch_op:
        batch_op.drop_column('quiet_to')
        batch_op.drop_column('quiet_from')
        batch_op.drop_column('digest_hour')
        batch_op.drop_column('digest')
