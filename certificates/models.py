"""Certificates, the rules that issue them, and the ZIPs of a cohort's certificates."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from training.accounts import User
from training.db import UTCDateTime, utcnow
from training.extensions import db


class CertificateSettings(db.Model):
    """What completing a course means and how its certificate looks, from course.yaml."""

    __tablename__ = "certificate_settings"

    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True)
    # Slugs of the activities that must be complete (a quiz passed, a survey answered...).
    required: Mapped[list] = mapped_column(JSON, default=list)
    # Title, text, organisation, logo, signatories, colours (certificates/package.py).
    design: Mapped[dict] = mapped_column(JSON, default=dict)
    valid_months: Mapped[int | None] = mapped_column(Integer)
    # The share of a cohort's sessions to attend, in percent (`completion: attendance: 80%`); None: none.
    attendance: Mapped[int | None] = mapped_column(Integer)


class CohortCompletionRule(db.Model):
    """A trainer's adjustment of the course's rule for one cohort, made before it starts."""

    __tablename__ = "cohort_completion_rules"

    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True)
    required: Mapped[list] = mapped_column(JSON, default=list)
    attendance: Mapped[int | None] = mapped_column(Integer)  # percent of the sessions; None: none
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Certificate(db.Model):
    """One certificate: issued once per participant and course (while it is not revoked).

    It is issued when the rule is met; the name printed on it is asked for when she first makes
    the PDF, so a legal name is not stored before it is needed. The code is printed on paper and
    stays verifiable after a revocation, after the course is renamed and after the account is
    deleted (the title is kept as it was at issue).
    """

    __tablename__ = "certificates"
    __table_args__ = (
        # Exactly one live certificate per person and course, whatever races happen.
        Index("uq_certificates_live", "user_id", "course_id", unique=True,
              sqlite_where=db.text("revoked_at IS NULL"), postgresql_where=db.text("revoked_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="SET NULL"), index=True)
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id", ondelete="SET NULL"), index=True)
    course_titles: Mapped[dict] = mapped_column(JSON)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    printed_name: Mapped[str | None] = mapped_column(String(400))
    language: Mapped[str | None] = mapped_column(String(8))
    named_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(Text)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The certificate this one replaces (an admin re-issued after revoking).
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id", ondelete="SET NULL"))

    # The accounts the admins' pages show (docs/architecture.md, "Relationships"): for reading,
    # loaded with the certificate when a query asks; None once the account is deleted.
    user: Mapped[User | None] = relationship(foreign_keys=[user_id], lazy="raise_on_sql", viewonly=True)
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id], lazy="raise_on_sql", viewonly=True)

    def status(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "valid"


class CertificateBatch(db.Model):
    """A ZIP of every certificate of a cohort, made in the background for a trainer."""

    __tablename__ = "certificate_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued, running, done, failed
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    # Kept in the database so that any app process behind the load balancer can serve it.
    zip_data: Mapped[bytes | None] = mapped_column(LargeBinary)
    error: Mapped[str | None] = mapped_column(Text)
