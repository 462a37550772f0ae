"""Progress: enrolments in courses and completions of activities."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from training.accounts import User
from training.db import UTCDateTime, utcnow
from training.extensions import db


class Enrolment(db.Model):
    """A participant taking a course, on her own or through a cohort."""

    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id", ondelete="SET NULL"))
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Where "Resume" takes her: the activity she last opened.
    last_activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id", ondelete="SET NULL"))
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ActivityCompletion(db.Model):
    """One participant has completed one activity (any kind), once."""

    __tablename__ = "activity_completions"
    __table_args__ = (UniqueConstraint("user_id", "activity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), index=True
    )
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def enrolment(user: User, course_id: int) -> Enrolment | None:
    return db.session.execute(
        select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_id == course_id)
    ).scalar_one_or_none()


def enrol(user: User, course_id: int, cohort_id: int | None = None) -> Enrolment:
    """Enrol ``user`` in a course (idempotent); joining through a cohort records the cohort."""
    existing = enrolment(user, course_id)
    if existing is None:
        try:
            with db.session.begin_nested():
                existing = Enrolment(user_id=user.id, course_id=course_id, cohort_id=cohort_id)
                db.session.add(existing)
        except IntegrityError:  # enrolled by a simultaneous request
            existing = enrolment(user, course_id)
    if cohort_id is not None:
        existing.cohort_id = cohort_id
    return existing


# Called as fn(user, activity_id) after a new completion is recorded, in the same transaction
# (certificates issue when a course's rule is met). Packages register theirs at start-up.
_COMPLETION_LISTENERS: list = []


def on_completion(fn):
    _COMPLETION_LISTENERS.append(fn)
    return fn


def mark_complete(user: User, activity_id: int) -> bool:
    """Record that ``user`` completed the activity; True if this is new, False if it was done.

    Safe against double submits: the unique constraint settles a race. Listeners registered
    with ``on_completion`` run after a new completion.
    """
    done = db.session.execute(
        select(ActivityCompletion.id).where(
            ActivityCompletion.user_id == user.id, ActivityCompletion.activity_id == activity_id
        )
    ).first()
    if done:
        return False
    try:
        with db.session.begin_nested():
            db.session.add(ActivityCompletion(user_id=user.id, activity_id=activity_id))
    except IntegrityError:
        return False
    for listener in _COMPLETION_LISTENERS:
        listener(user, activity_id)
    return True
