"""What the Studio stores: each published version of a course's package (the package itself, as
a ZIP, so that it stays the one format), and who may author each course."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from training.db import UTCDateTime, utcnow
from training.extensions import db


class PackageVersion(db.Model):
    """One publication of a course: the whole package (course.yaml, lessons, quizzes, surveys,
    cases, assets) as a ZIP whose one top folder is the course's slug."""

    __tablename__ = "package_versions"
    __table_args__ = (UniqueConstraint("slug", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, ... per course
    # Loaded only when read (listing versions, or finding the newest, needs no package).
    archive: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    # What changed since the version before: {"added": [...], "changed": [...], "removed": [...]}
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    # How it came: "upload" (a ZIP in the Studio), "studio" (drafts edited in the Studio),
    # "import" (`flask courses import`), "sync" (files).
    source: Mapped[str] = mapped_column(String(16))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CourseAuthor(db.Model):
    """She may publish new versions of this course (granted by an admin, or as its creator)."""

    __tablename__ = "course_authors"

    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StudioDraft(db.Model):
    """A file of a course's package as an author is editing it, not yet published. Every author
    of the course sees it. A save names the text it started from (its hash); one started from an
    older text than the draft's is refused, so a second author's save never overwrites the first."""

    __tablename__ = "studio_drafts"

    slug: Mapped[str] = mapped_column(String(64), primary_key=True)
    path: Mapped[str] = mapped_column(String(200), primary_key=True)  # inside the package: lessons/01-x.md
    text: Mapped[str] = mapped_column(Text)
    data: Mapped[bytes | None] = mapped_column(LargeBinary)  # an image (from a Word import); text is ""
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
