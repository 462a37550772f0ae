"""cohort sessions and attendance

A cohort's sessions (stored in UTC) and who attended each: participants and walk-ins, with
or without an account (courses/workshops).

Revision ID: db5821bbe1f8
Revises: 70213252bdd9
Create Date: 2026-12-06 01:39:15.967486

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'db5821bbe1f8'
down_revision = '70213252bdd9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('cohort_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('mode', sa.String(length=12), nullable=False),
    sa.Column('place', sa.String(length=300), nullable=False),
    sa.Column('hide_place', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('facilitators', sa.String(length=300), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_cohort_sessions_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cohort_sessions'))
    )
    with op.batch_alter_table('cohort_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cohort_sessions_cohort_id'), ['cohort_id'], unique=False)

    op.create_table('attendances',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('walk_in', sa.Integer(), nullable=True),
    sa.Column('walk_in_name', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('marked_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['cohort_sessions.id'], name=op.f('fk_attendances_session_id_cohort_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_attendances_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendances')),
    sa.UniqueConstraint('session_id', 'user_id', name=op.f('uq_attendances_session_id_user_id')),
    sa.UniqueConstraint('session_id', 'walk_in', name=op.f('uq_attendances_session_id_walk_in'))
    )
    with op.batch_alter_table('attendances', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendances_session_id'), ['session_id'], unique=False)



def downgrade():
    with op.batch_alter_table('attendances', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendances_session_id'))

    op.drop_table('attendances')
    with op.batch_alter_table('cohort_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cohort_sessions_cohort_id'))

    op.drop_table('cohort_sessions')
