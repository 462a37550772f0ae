"""message sms: a confirmed phone number, its events and its code in message preferences

Revision ID: 7e4a9c2b6d18
Revises: 5d2e8f41a7c3
Create Date: 2026-12-06 21:10:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '7e4a9c2b6d18'
down_revision = '5d2e8f41a7c3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('message_preferences', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sms_number', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('sms_verified_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('sms_on', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('sms_events', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('sms_code_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('sms_code_expires_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('sms_code_tries', sa.Integer(), server_default='0', nullable=False))
    # Text messages start with the events she chose for email; she has no number yet, so none go.
    op.execute("UPDATE message_preferences SET sms_events = email_events")
    with op.batch_alter_table('message_preferences', schema=None) as batch_op:
        batch_op.alter_column('sms_events', existing_type=sa.JSON(), nullable=False)


def downgrade():
    with op.batch_alter_table('message_preferences', schema=None) as batch_op:
        batch_op.drop_column('sms_code_tries')
        batch_op.drop_column('sms_code_expires_at')
        batch_op.drop_column('sms_code_hash')
        batch_op.drop_column('sms_events')
        batch_op.drop_column('sms_on')
        batch_op.drop_column('sms_verified_at')
        batch_op.drop_column('sms_number')
