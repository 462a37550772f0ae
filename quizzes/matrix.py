"""What the cohort matrix shows of a quiz before it is passed: in progress, submitted and awaiting
a mark, or not passed (a passed quiz is a completion: courses.services reads those)."""
from __future__ import annotations

from sqlalchemy import and_, case, func, select

from courses.models import Activity
from quizzes.models import Quiz, QuizAttempt
from training.cohorts import CohortMember


def quiz_states(cohort_id: int, course_id: int):
    """(user id, activity id, state) for each quiz of the course a member of the cohort has
    attempted: "in_progress" while an attempt is open, else "submitted" while a finished attempt
    waits for marking, else "failed"."""
    def any_of(condition):
        return func.max(case((condition, 1), else_=0)) == 1

    return (
        select(QuizAttempt.user_id, Quiz.activity_id, case(
            (any_of(QuizAttempt.state == "in_progress"), "in_progress"),
            (any_of(and_(QuizAttempt.state == "finished", QuizAttempt.needs_marking)), "submitted"),
            else_="failed").label("state"))
        .join(Quiz, Quiz.id == QuizAttempt.quiz_id)
        .join(Activity, Activity.id == Quiz.activity_id)
        .join(CohortMember, CohortMember.user_id == QuizAttempt.user_id)
        .where(CohortMember.cohort_id == cohort_id, Activity.course_id == course_id)
        .group_by(QuizAttempt.user_id, Quiz.activity_id)
    )
