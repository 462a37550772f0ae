from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from training.db import UTCDateTime, utcnow
from training.extensions import db

MODES = ("in_person", "online", "blended")
STATUSES = ("present", "late", "absent", "excused")


class CohortSession(db.Model):
    """One meeting of a cohort, stored in UTC; entered and shown in the cohort's time zone."""

    __tablename__ = "cohort_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    mode: Mapped[str] = mapped_column(String(12), default="in_person")
    place: Mapped[str] = mapped_column(String(300), default="")
    # A sensitive venue (a shelter, a community centre someone could be followed to): its place
    # is shown to the cohort's trainers only.
    hide_place: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    facilitators: Mapped[str] = mapped_column(String(300), default="")
    capacity: Mapped[int | None] = mapped_column(Integer)


class Attendance(db.Model):
    """Whether someone attended a session: a participant (or a walk-in with an account) by
    ``user_id``, or an anonymous walk-in by the session's ``walk_in`` number."""

    __tablename__ = "attendances"
    __table_args__ = (UniqueConstraint("session_id", "user_id"), UniqueConstraint("session_id", "walk_in"))

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("cohort_sessions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    walk_in: Mapped[int | None] = mapped_column(Integer)  # 1, 2, ... in the session
    walk_in_name: Mapped[str] = mapped_column(String(40), default="")  # a first name or nickname, optional
    status: Mapped[str] = mapped_column(String(10))
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
