"""studio: package versions, course authors, drafts, and how a course is managed

Revision ID: c4f8a1d2e6b9
Revises: 9b3d5e7f1a24
Create Date: 2026-12-06 21:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c4f8a1d2e6b9'
down_revision = '9b3d5e7f1a24'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('package_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('archive', sa.LargeBinary(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_package_versions_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_package_versions')),
    sa.UniqueConstraint('slug', 'number', name=op.f('uq_package_versions_slug_number'))
    )
    with op.batch_alter_table('package_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_package_versions_slug'), ['slug'], unique=False)
    op.create_table('course_authors',
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('granted_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_course_authors_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_course_authors_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('course_id', 'user_id', name=op.f('pk_course_authors'))
    )
    with op.batch_alter_table('course_authors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_authors_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('managed', sa.String(length=8), server_default='files', nullable=False))
    op.create_table('studio_drafts',
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('path', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_studio_drafts_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('slug', 'path', name=op.f('pk_studio_drafts'))
    )


def downgrade():
    op.drop_table('studio_drafts')
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.drop_column('managed')
    with op.batch_alter_table('course_authors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_authors_user_id'))
    op.drop_table('course_authors')
    with op.batch_alter_table('package_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_package_versions_slug'))
    op.drop_table('package_versions')
