"""survey answers unlinkable from accounts

Survey completions are no longer stored per account (they are derived from the pseudonym when
progress is read): the existing ones are deleted. Responses keep the month of submission only,
and their profession and region are withheld where fewer than k (AMICUS_MIN_CELL, else 5) of
the people they could come from share them. On SQLite the responses and their answers are
stored without a rowid, in the order of their random ids. docs/surveys.md says why.

Revision ID: c3f4e5a6b7d8
Revises: bba1a1e56695
Create Date: 2026-12-02 10:00:00.000000

"""
import os
from collections import Counter

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c3f4e5a6b7d8'
down_revision = 'bba1a1e56695'
branch_labels = None
depends_on = None

activities = sa.table("activities", sa.column("id", sa.Integer), sa.column("kind", sa.String),
                      sa.column("course_id", sa.Integer))
completions = sa.table("activity_completions", sa.column("activity_id", sa.Integer))
surveys = sa.table("surveys", sa.column("id", sa.Integer), sa.column("activity_id", sa.Integer))
responses = sa.table("survey_responses", sa.column("id", sa.String), sa.column("survey_id", sa.Integer),
                     sa.column("cohort_id", sa.Integer), sa.column("profession", sa.String),
                     sa.column("region", sa.String), sa.column("submitted_on", sa.Date))
users = sa.table("users", sa.column("id", sa.Integer), sa.column("profession", sa.String),
                 sa.column("region", sa.String))
members = sa.table("cohort_members", sa.column("cohort_id", sa.Integer), sa.column("user_id", sa.Integer),
                   sa.column("role", sa.String))
enrolments = sa.table("enrolments", sa.column("user_id", sa.Integer), sa.column("course_id", sa.Integer),
                      sa.column("cohort_id", sa.Integer))


def upgrade():
    bind = op.get_bind()
    bind.execute(completions.delete().where(completions.c.activity_id.in_(
        sa.select(activities.c.id).where(activities.c.kind == "survey"))))
    for day in list(bind.execute(sa.select(responses.c.submitted_on).distinct()
                                 .where(responses.c.submitted_on.is_not(None))).scalars()):
        bind.execute(responses.update().where(responses.c.submitted_on == day).values(submitted_on=day.replace(day=1)))
    _generalise(bind, int(os.environ.get("AMICUS_MIN_CELL") or 5))
    if bind.dialect.name == "sqlite":
        _without_rowid()


def _generalise(bind, k):
    """Withhold the attributes of existing responses as quizzes/surveys/services.generalised does
    now (copied here: a migration does the same whatever that function becomes)."""
    groups = bind.execute(sa.select(responses.c.cohort_id, activities.c.course_id).distinct()
                          .select_from(responses).join(surveys, surveys.c.id == responses.c.survey_id)
                          .join(activities, activities.c.id == surveys.c.activity_id)).all()
    for cohort_id, course_id in groups:
        if cohort_id is not None:
            people = bind.execute(sa.select(users.c.profession, users.c.region).join(
                members, members.c.user_id == users.c.id).where(
                members.c.cohort_id == cohort_id, members.c.role == "participant")).all()
            scope = responses.c.cohort_id == cohort_id
        else:
            people = bind.execute(sa.select(users.c.profession, users.c.region).join(
                enrolments, enrolments.c.user_id == users.c.id).where(
                enrolments.c.course_id == course_id, enrolments.c.cohort_id.is_(None))).all()
            scope = sa.and_(responses.c.cohort_id.is_(None), responses.c.survey_id.in_(
                sa.select(surveys.c.id).join(activities, activities.c.id == surveys.c.activity_id)
                .where(activities.c.course_id == course_id)))
        stored = _generalised([tuple(p) for p in people], k)
        for (profession, region) in bind.execute(sa.select(responses.c.profession, responses.c.region)
                                                 .distinct().where(scope)).all():
            new = stored.get((profession, region), (None, None))
            if new != (profession, region):
                match = sa.and_(scope, responses.c.profession.is_(None) if profession is None
                                else responses.c.profession == profession,
                                responses.c.region.is_(None) if region is None else responses.c.region == region)
                bind.execute(responses.update().where(match).values(profession=new[0], region=new[1]))


def _kept(counts, k):
    kept = {value for value, n in counts.items() if n >= k}
    withheld = sum(n for value, n in counts.items() if value not in kept)
    while kept and 0 < withheld < k:
        smallest = min(kept, key=lambda value: (counts[value], str(value)))
        kept.discard(smallest)
        withheld += counts[smallest]
    return kept


def _generalised(people, k):
    professions = _kept(Counter(p for p, _r in people), k)
    stored_profession = {p: (p if p in professions else None) for p, _r in people}
    regions = {}
    for p, r in people:
        regions.setdefault(stored_profession[p], Counter())[r] += 1
    kept_regions = {group: _kept(counts, k) for group, counts in regions.items()}
    return {(p, r): (stored_profession[p], r if r in kept_regions[stored_profession[p]] else None)
            for p, r in people}


def _without_rowid():
    # Dropping survey_responses would delete its answers (ON DELETE CASCADE), so the answers are
    # put aside first and come back into a table without a rowid.
    op.execute("CREATE TEMP TABLE survey_answers_kept AS SELECT * FROM survey_answers")
    op.drop_table("survey_answers")
    with op.batch_alter_table("survey_responses", recreate="always",
                              table_kwargs={"sqlite_with_rowid": False}) as batch_op:
        batch_op.alter_column("submitted_on", existing_type=sa.Date(), existing_nullable=True)
    op.create_table(
        "survey_answers",
        sa.Column("response_id", sa.String(length=32), nullable=False),
        sa.Column("item", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["response_id"], ["survey_responses.id"],
                                name=op.f("fk_survey_answers_response_id_survey_responses"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("response_id", "item", "position", name=op.f("pk_survey_answers")),
        sqlite_with_rowid=False,
    )
    op.execute("INSERT INTO survey_answers (response_id, item, position, value, text) "
               "SELECT response_id, item, position, value, text FROM survey_answers_kept")
    op.execute("DROP TABLE survey_answers_kept")


def downgrade():
    # The deleted completions cannot come back (only the survey secret links a response to an
    # account, and a migration does not hold it): after a downgrade, surveys answered before
    # show as not done. Days, withheld attributes and row order stay as they are.
    pass
