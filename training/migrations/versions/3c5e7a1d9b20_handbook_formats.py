"""handbooks hold a PDF or an EPUB: the column pdf is now data, with its size

Revision ID: 3c5e7a1d9b20
Revises: b9e2821cfecb
Create Date: 2026-12-06 06:45:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '3c5e7a1d9b20'
down_revision = 'b9e2821cfecb'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('handbooks', schema=None) as batch_op:
        batch_op.alter_column('pdf', new_column_name='data')
        batch_op.add_column(sa.Column('size', sa.Integer(), nullable=True))
    op.execute("UPDATE handbooks SET size = length(data) WHERE data IS NOT NULL")


def downgrade():
    with op.batch_alter_table('handbooks', schema=None) as batch_op:
        batch_op.drop_column('size')
        batch_op.alter_column('data', new_column_name='pdf')
