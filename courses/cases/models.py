"""Moot-court case exercises as stored.

A ``CaseExercise`` and its ``CaseDocument`` rows come from the course package at sync. A
``CaseRun`` is the exercise run for one cohort: its stages' opening times, teams, judges,
submissions, scores, clarifications and reflections all hang from it.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from courses.cases.settings import CaseSettings
from training.accounts import User
from training.db import UTCDateTime, utcnow
from training.extensions import db

SIDES = ("applicant", "respondent")
ROLES = ("applicant", "respondent", "judge", "observer")  # who a document may be released to
SCORE_KINDS = ("written", "oral")


class CaseExercise(db.Model):
    __tablename__ = "case_exercises"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"), unique=True)
    # As validated by courses.cases.package (CaseSettings.to_json): stages, rubrics, weights...
    settings_json: Mapped[dict] = mapped_column("settings", JSON)

    @property
    def settings(self) -> CaseSettings:
        """The settings as typed values, made once per loaded row (a case page reads them many
        times), and again when ``settings_json`` is replaced (a sync)."""
        made = self.__dict__.get("_settings_made")
        if made is None or made[0] is not self.settings_json:
            made = (self.settings_json, CaseSettings.from_json(self.settings_json))
            self.__dict__["_settings_made"] = made
        return made[1]


class CaseDocument(db.Model):
    __tablename__ = "case_documents"
    __table_args__ = (UniqueConstraint("exercise_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("case_exercises.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer)
    stage: Mapped[str] = mapped_column(String(64))
    roles: Mapped[list] = mapped_column(JSON)
    titles: Mapped[dict] = mapped_column(JSON)
    html: Mapped[dict] = mapped_column(JSON)  # lang -> sanitised HTML, rendered at sync


class CaseRun(db.Model):
    """One cohort's run of a case exercise."""

    __tablename__ = "case_runs"
    __table_args__ = (UniqueConstraint("exercise_id", "cohort_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("case_exercises.id", ondelete="CASCADE"))
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # stages that open at "start"
    submissions_due: Mapped[datetime] = mapped_column(UTCDateTime)
    late_until: Mapped[datetime | None] = mapped_column(UTCDateTime)  # late submissions accepted, flagged
    teams_open: Mapped[bool] = mapped_column(Boolean, default=False)  # participants may join a team
    results_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    show_rank: Mapped[bool] = mapped_column(Boolean, default=False)


class CaseStage(db.Model):
    """When a stage opens for a run: at a set time, or when the trainer opens it."""

    __tablename__ = "case_stages"
    __table_args__ = (UniqueConstraint("run_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("case_runs.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(64))
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # opened by hand


class CaseTeam(db.Model):
    __tablename__ = "case_teams"
    __table_args__ = (UniqueConstraint("run_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("case_runs.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # judges know a team by its number only
    side: Mapped[str] = mapped_column(String(16))

    # Relationships for reading, loaded only when asked for (``selectinload``): touching one that
    # was not loaded raises, so a page cannot slip into a query per team. Rows are written and
    # deleted through their own ids (the database's CASCADE deletes a team's).
    members: Mapped[list[CaseTeamMember]] = relationship(lazy="raise_on_sql", viewonly=True)
    submission: Mapped[CaseSubmission | None] = relationship(lazy="raise_on_sql", viewonly=True)


class CaseTeamMember(db.Model):
    __tablename__ = "case_team_members"
    # One team per person per run: the business rule, stated where the database can keep it.
    __table_args__ = (UniqueConstraint("run_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("case_runs.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(ForeignKey("case_teams.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)

    user: Mapped[User] = relationship(lazy="raise_on_sql", viewonly=True)


class CaseJudge(db.Model):
    __tablename__ = "case_judges"
    __table_args__ = (UniqueConstraint("run_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("case_runs.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    presiding: Mapped[bool] = mapped_column(Boolean, default=False)


class CaseSubmission(db.Model):
    """A team's written submission: a draft until submitted, then final."""

    __tablename__ = "case_submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("case_teams.id", ondelete="CASCADE"), unique=True)
    text: Mapped[str] = mapped_column(Text, default="")
    # The number of the version holding ``text``; any save of the team's text gives it a new one.
    # Versions numbered above it are texts kept aside in a conflict (courses/cases/services.save_draft).
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    # The trainer's format penalty, in percentage points off the written score; apart from judges' marks.
    penalty: Mapped[float] = mapped_column(Float, default=0.0)
    penalty_reason: Mapped[str | None] = mapped_column(String(500))


class CaseSubmissionVersion(db.Model):
    """One saved state of a team's text, by one member: the team's at the time, or hers kept
    aside when a teammate had saved since her editor loaded (a conflict she then merges)."""

    __tablename__ = "case_submission_versions"
    __table_args__ = (UniqueConstraint("submission_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("case_submissions.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CaseAttachment(db.Model):
    """A PDF or DOCX attached to a submission; kept in the database, served only to those allowed."""

    __tablename__ = "case_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("case_submissions.id", ondelete="CASCADE"), unique=True)
    filename: Mapped[str] = mapped_column(String(200))
    mimetype: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))


class CaseScore(db.Model):
    """One judge's marks for one team: the written submission, or one speaker at the hearing."""

    __tablename__ = "case_scores"
    __table_args__ = (UniqueConstraint("team_id", "judge_id", "kind", "speaker_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("case_runs.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("case_teams.id", ondelete="CASCADE"), index=True)
    # A deleted judge's scores stay (the results do not change), without the judge.
    judge_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))  # written, oral
    # The speaker scored at the hearing; 0 for a written score (0, not NULL, so the unique key holds).
    speaker_id: Mapped[int] = mapped_column(Integer, default=0)
    marks: Mapped[dict] = mapped_column(JSON)  # criterion slug -> level (criteria) or 50-100 (banded)
    percent: Mapped[float] = mapped_column(Float)
    feedback: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CasePeerReview(db.Model):
    """One team's blind review of another team's submission, with the written rubric."""

    __tablename__ = "case_peer_reviews"
    __table_args__ = (UniqueConstraint("reviewer_team_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("case_runs.id", ondelete="CASCADE"), index=True)
    reviewer_team_id: Mapped[int] = mapped_column(ForeignKey("case_teams.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(ForeignKey("case_teams.id", ondelete="CASCADE"))
    marks: Mapped[dict | None] = mapped_column(JSON)
    percent: Mapped[float | None] = mapped_column(Float)
    feedback: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class CaseClarification(db.Model):
    """A participant's question about the case; the trainer answers it for everyone, without her name."""

    __tablename__ = "case_clarifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("case_runs.id", ondelete="CASCADE"), index=True)
    asked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str | None] = mapped_column(Text)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CaseReflection(db.Model):
    __tablename__ = "case_reflections"
    __table_args__ = (UniqueConstraint("run_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("case_runs.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    written_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
