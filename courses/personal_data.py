"""What the courses package keeps about a person: enrolments, completed activities."""
from __future__ import annotations

from sqlalchemy import select

from courses.models import Activity, Course
from training.accounts import User
from training.extensions import db
from training.personal_data import iso, section
from training.progress import ActivityCompletion, Enrolment


@section("enrolments")
def _enrolments(user: User) -> list:
    rows = db.session.execute(select(Enrolment, Course.slug).join(Course, Course.id == Enrolment.course_id)
                              .where(Enrolment.user_id == user.id).order_by(Enrolment.enrolled_at)).all()
    return [{"course": slug, "enrolled_at": iso(e.enrolled_at), "last_seen_at": iso(e.last_seen_at)} for e, slug in rows]


@section("completed_activities")
def _completions(user: User) -> list:
    rows = db.session.execute(
        select(Course.slug, Activity.slug, Activity.kind, ActivityCompletion.completed_at)
        .join(Activity, Activity.id == ActivityCompletion.activity_id).join(Course, Course.id == Activity.course_id)
        .where(ActivityCompletion.user_id == user.id).order_by(ActivityCompletion.completed_at)).all()
    return [{"course": c, "activity": a, "kind": k, "completed_at": iso(at)} for c, a, k, at in rows]
