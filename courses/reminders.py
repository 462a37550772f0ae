"""Reminders of the courses' activities, sent by the message scheduler (training/messages.py,
`flask --app wsgi messages tick`): a cohort's session a day before, a case stage that opens by
its schedule, a written-submission deadline a day away. Each is claimed once by key, so several
scheduler processes send it once; a session or a deadline moved later is reminded of again.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from courses.cases.models import CaseExercise, CaseRun, CaseStage, CaseTeamMember
from courses.models import Activity, Course
from courses.workshops.models import CohortSession
from training import messages, timezones
from training.cohorts import Cohort, CohortMember
from training.extensions import db

AHEAD = timedelta(hours=24)
#: A stage that opened longer ago than this when the scheduler first ran is not announced late.
LATE = timedelta(days=2)


def _when(moment: datetime, zone: str) -> str:
    here = timezones.local(moment, zone)
    return f"{here:%Y-%m-%d %H:%M} ({zone})"


def sessions(now: datetime) -> int:
    """Each session starting within a day: its cohort's participants (the place is never said)."""
    told = 0
    for session, cohort in db.session.execute(
            select(CohortSession, Cohort).join(Cohort, Cohort.id == CohortSession.cohort_id)
            .where(CohortSession.starts_at > now, CohortSession.starts_at <= now + AHEAD)).all():
        if not messages.claim(f"session:{session.id}:{session.starts_at.isoformat()}"):
            continue
        people = db.session.execute(select(CohortMember.user_id).where(
            CohortMember.cohort_id == cohort.id, CohortMember.role == "participant")).scalars()
        messages.notify(people, "session_tomorrow", "/learning", title=session.title,
                        when=_when(session.starts_at, cohort.timezone))
        told += 1
    return told


def _case_of(run: CaseRun) -> tuple[CaseExercise, Activity, Course]:
    exercise = db.session.get(CaseExercise, run.exercise_id)
    activity = db.session.get(Activity, exercise.activity_id)
    return exercise, activity, db.session.get(Course, activity.course_id)


def _teams(run: CaseRun):
    return db.session.execute(select(CaseTeamMember.user_id).where(CaseTeamMember.run_id == run.id)).scalars()


def cases(now: datetime) -> int:
    """Stages that opened by their schedule, and written submissions due within a day."""
    told = 0
    for stage, run in db.session.execute(
            select(CaseStage, CaseRun).join(CaseRun, CaseRun.id == CaseStage.run_id)
            .where(CaseRun.started_at.is_not(None), CaseStage.opened_at.is_(None),
                   CaseStage.opens_at <= now, CaseStage.opens_at > now - LATE)).all():
        if not messages.claim(f"case-stage:{stage.id}"):
            continue
        exercise, activity, course = _case_of(run)
        spec = exercise.settings.stage(stage.slug)
        messages.notify(_teams(run), "case_stage", f"/courses/{course.slug}/cases/{activity.slug}",
                        activity=activity.titles, stage=spec.titles if spec else stage.slug)
        told += 1
    for run in db.session.execute(select(CaseRun).where(
            CaseRun.started_at.is_not(None), CaseRun.results_published_at.is_(None),
            CaseRun.submissions_due > now, CaseRun.submissions_due <= now + AHEAD)).scalars():
        if not messages.claim(f"case-deadline:{run.id}:{run.submissions_due.isoformat()}"):
            continue
        _exercise, activity, course = _case_of(run)
        cohort = db.session.get(Cohort, run.cohort_id)
        messages.notify(_teams(run), "deadline", f"/courses/{course.slug}/cases/{activity.slug}",
                        activity=activity.titles, when=_when(run.submissions_due, cohort.timezone))
        told += 1
    return told
