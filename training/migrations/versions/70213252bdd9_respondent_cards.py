"""respondent cards

Cards let people without an account answer a cohort's surveys (quizzes/surveys/cards): the
cards (a keyed digest of each number, never the number), which phases a cohort's cards may
answer now, and the source of each survey response ("account" for every existing one).

Revision ID: 70213252bdd9
Revises: 7b3e9d21c4a6
Create Date: 2026-12-06 01:25:42.942267

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '70213252bdd9'
down_revision = '7b3e9d21c4a6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('card_surveys',
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('open_phases', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_card_surveys_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('cohort_id', name=op.f('pk_card_surveys'))
    )
    op.create_table('respondent_cards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('serial', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('made_on', sa.Date(), nullable=False),
    sa.Column('voided_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_respondent_cards_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_respondent_cards')),
    sa.UniqueConstraint('cohort_id', 'serial', name=op.f('uq_respondent_cards_cohort_id_serial')),
    sa.UniqueConstraint('digest', name=op.f('uq_respondent_cards_digest'))
    )
    with op.batch_alter_table('respondent_cards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_respondent_cards_cohort_id'), ['cohort_id'], unique=False)

    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=8), server_default='account', nullable=False))
    # The count by source is read from the index, as the count per cohort is.
    op.drop_index('ix_survey_responses_counted', table_name='survey_responses')
    op.create_index('ix_survey_responses_counted', 'survey_responses', ['survey_id', 'state', 'cohort_id', 'source'])



def downgrade():
    op.drop_index('ix_survey_responses_counted', table_name='survey_responses')
    op.create_index('ix_survey_responses_counted', 'survey_responses', ['survey_id', 'state', 'cohort_id'])
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.drop_column('source')

    with op.batch_alter_table('respondent_cards', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_respondent_cards_cohort_id'))

    op.drop_table('respondent_cards')
    op.drop_table('card_surveys')
