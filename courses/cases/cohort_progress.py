"""What a cohort's page shows of its case exercises: which run for it, and who has submitted."""
from __future__ import annotations

from sqlalchemy import literal_column, select

from courses.cases.models import CaseExercise, CaseRun, CaseSubmission, CaseTeamMember
from training.extensions import db


def runs_of(cohort_id: int) -> dict[int, int]:
    """The cohort's runs of case exercises: activity id -> run id (one query)."""
    return dict(db.session.execute(
        select(CaseExercise.activity_id, CaseRun.id)
        .join(CaseRun, CaseRun.exercise_id == CaseExercise.id)
        .where(CaseRun.cohort_id == cohort_id)).all())


def case_states(cohort_id: int, course_id: int):
    """(user id, activity id, "submitted") for each member of a team that has submitted in one of
    the cohort's runs (a run belongs to the cohort's course)."""
    return (
        select(CaseTeamMember.user_id, CaseExercise.activity_id, literal_column("'submitted'").label("state"))
        .join(CaseSubmission, CaseSubmission.team_id == CaseTeamMember.team_id)
        .join(CaseRun, CaseRun.id == CaseTeamMember.run_id)
        .join(CaseExercise, CaseExercise.id == CaseRun.exercise_id)
        .where(CaseRun.cohort_id == cohort_id, CaseSubmission.submitted_at.is_not(None))
    )
