"""Quizzes, their questions, attempts and responses as stored."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from courses.models import Activity
from training.accounts import User
from training.db import UTCDateTime, utcnow
from training.extensions import db

GRADING_METHODS = ("highest", "last", "first", "average")


class Quiz(db.Model):
    """The settings of a quiz activity; its questions are QuizQuestion rows."""

    __tablename__ = "quizzes"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"), unique=True)
    pass_mark: Mapped[float | None] = mapped_column(Float)  # percent; None: submitting completes it
    attempts_allowed: Mapped[int] = mapped_column(Integer, default=0)  # 0: unlimited
    grading: Mapped[str] = mapped_column(String(16), default="highest")
    shuffle_questions: Mapped[bool] = mapped_column(Boolean, default=False)
    shuffle_answers: Mapped[bool] = mapped_column(Boolean, default=True)
    time_limit_minutes: Mapped[int | None] = mapped_column(Integer)
    show_score: Mapped[bool] = mapped_column(Boolean, default=True)
    show_answers: Mapped[bool] = mapped_column(Boolean, default=True)
    show_feedback: Mapped[bool] = mapped_column(Boolean, default=True)
    # When set, the quiz asks the course's bank questions of this category (imported by trainers)
    # instead of questions of its own.
    bank_category: Mapped[str | None] = mapped_column(String(200))

    # For reading, loaded only when asked for (``joinedload``; docs/architecture.md,
    # "Relationships"): the quiz's pages read its activity and, through ``Activity.course``, the
    # course in the query that finds the quiz.
    activity: Mapped[Activity] = relationship(lazy="raise_on_sql", viewonly=True)


class QuizQuestion(db.Model):
    """A question of a quiz (``quiz_id``) or of a course's question bank (``quiz_id`` empty,
    ``category`` set). Questions that leave a quiz or bank are retired, not deleted, so that
    earlier attempts can still be reviewed."""

    __tablename__ = "quiz_questions"
    __table_args__ = (
        Index("ix_quiz_questions_quiz_id_active", "quiz_id", "active"),
        Index("ix_quiz_questions_bank", "course_id", "category", "active"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int | None] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"))
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(200), default="", server_default="")
    position: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    kind: Mapped[str] = mapped_column(String(16))
    points: Mapped[float] = mapped_column(Float, default=1.0)
    content_hash: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict] = mapped_column(JSON)  # quizzes.questions.Question.to_dict()
    rendered: Mapped[dict] = mapped_column(JSON)  # sanitised HTML of the texts, made at sync


class QuestionImport(db.Model):
    """A GIFT file a trainer uploaded, kept between the preview and the confirmation."""

    __tablename__ = "question_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    imported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class QuizAttempt(db.Model):
    __tablename__ = "quiz_attempts"
    __table_args__ = (
        UniqueConstraint("quiz_id", "user_id", "number"),
        # At most one attempt in progress per person and quiz, whatever races happen.
        Index("uq_quiz_attempts_open", "quiz_id", "user_id", unique=True,
              sqlite_where=db.text("state = 'in_progress'"), postgresql_where=db.text("state = 'in_progress'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default="in_progress")  # in_progress, finished
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    question_ids: Mapped[list] = mapped_column(JSON)  # in the order shown
    choice_orders: Mapped[dict] = mapped_column(JSON, default=dict)  # question id -> shown order
    score: Mapped[float | None] = mapped_column(Float)  # percent, when every answer is marked
    needs_marking: Mapped[bool] = mapped_column(Boolean, default=False)

    # Whose attempt: read with the attempts by a cohort's results and by marking (``joinedload``).
    user: Mapped[User] = relationship(lazy="raise_on_sql", viewonly=True)


class QuizResponse(db.Model):
    """One answer in an attempt, saved as it is given."""

    __tablename__ = "quiz_responses"
    __table_args__ = (UniqueConstraint("attempt_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempts.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("quiz_questions.id", ondelete="CASCADE"), index=True)
    value: Mapped[object | None] = mapped_column(JSON)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    fraction: Mapped[float | None] = mapped_column(Float)  # None: not graded yet (essay)
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    marked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    marker_comment: Mapped[str | None] = mapped_column(Text)

    # The attempt an answer belongs to, read with it by marking (``joinedload``).
    attempt: Mapped[QuizAttempt] = relationship(lazy="raise_on_sql", viewonly=True)
