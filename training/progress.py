"""Progress: enrolments in courses and completions of activities.

Most kinds record a completion as an ``ActivityCompletion`` row. A kind may instead say how its
completions are *derived* at read time (``ActivityKind.derived_done``): a survey is done when a submitted
response exists under the person's pseudonym, so that no row says who answered a survey
(docs/surveys.md, "What someone holding the database can learn").
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from blinker import Namespace
from sqlalchemy import ForeignKey, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from training import activities
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


#: Sent as ``activity_completed.send(user, activity_id=...)`` after a new completion is recorded
#: (or a derived one is met), in the same transaction: certificates issue when a course's rule is
#: met. Receivers connect once per process (``connect`` is idempotent for the same function).
activity_completed = Namespace().signal("activity-completed")


def derived_kinds() -> list[str]:
    """The kinds whose completions are found in their own rows (``ActivityKind.derived_done``)."""
    return sorted(kind.name for kind in activities.kinds() if kind.derives_completion)


def derived_done(user_ids: Iterable[int], pairs: Iterable[tuple[int, str]]) -> set[tuple[int, int]]:
    """Which of the activities ``pairs`` ((id, kind)) each of ``user_ids`` has done, for the kinds
    whose completions are derived: {(user id, activity id)}. No statement when none of the
    activities is of such a kind; otherwise a fixed number per kind, whatever the counts."""
    users = sorted(set(user_ids))
    derived = set(derived_kinds())
    by_kind: dict[str, list[int]] = {}
    for activity_id, kind in pairs:
        if kind in derived:
            by_kind.setdefault(kind, []).append(activity_id)
    done: set[tuple[int, int]] = set()
    if users:
        for kind, ids in by_kind.items():
            done |= activities.get(kind).derived_done(users, sorted(set(ids)))
    return done


def completed(user: User, activity_id: int) -> None:
    """Tell ``activity_completed``'s receivers that ``user`` has just met the rule of an activity
    whose completion is derived (nothing is stored here: certificates issue as for a recorded one)."""
    activity_completed.send(user, activity_id=activity_id)


def mark_complete(user: User, activity_id: int) -> bool:
    """Record that ``user`` completed the activity; True if this is new, False if it was done.

    Safe against double submits: the unique constraint settles a race. ``activity_completed``
    is sent after a new completion.
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
    activity_completed.send(user, activity_id=activity_id)
    return True
