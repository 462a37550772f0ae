"""Courses as stored after a package is synced. Text that has a language is a dict lang->text."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from training.db import UTCDateTime, utcnow
from training.extensions import db

TRACKS = ("lawyers", "journalists", "ngos", "general")


class Course(db.Model):
    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    titles: Mapped[dict] = mapped_column(JSON)
    summaries: Mapped[dict] = mapped_column(JSON, default=dict)
    content_warnings: Mapped[dict] = mapped_column(JSON, default=dict)
    track: Mapped[str] = mapped_column(String(16))
    languages: Mapped[list] = mapped_column(JSON)
    sequential: Mapped[bool] = mapped_column(Boolean, default=False)
    last_reviewed: Mapped[date | None] = mapped_column(Date)
    content_hash: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
    # course.yaml's `handbook:` ({"answer_key": false}); None: the defaults (courses/handbook.py).
    handbook: Mapped[dict | None] = mapped_column(JSON)
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # "files" (loaded with `flask courses sync` from a folder) or "studio" (published as versions
    # in the database: courses/studio/); publishing the other way is refused unless forced.
    managed: Mapped[str] = mapped_column(String(8), default="files", server_default="files")

    # For reading only, loaded when a query asks (docs/architecture.md, "Relationships"): the
    # sync writes and deletes modules through their own ids, the database's CASCADE removes a
    # course's.
    modules: Mapped[list[Module]] = relationship(
        back_populates="course", order_by="Module.position", lazy="raise_on_sql", viewonly=True,
    )


class Module(db.Model):
    __tablename__ = "modules"
    __table_args__ = (UniqueConstraint("course_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer)
    titles: Mapped[dict] = mapped_column(JSON)
    summaries: Mapped[dict] = mapped_column(JSON, default=dict)
    # Locked until the module before it is complete.
    requires_previous: Mapped[bool] = mapped_column(Boolean, default=False)

    course: Mapped[Course] = relationship(back_populates="modules", lazy="raise_on_sql", viewonly=True)


class Activity(db.Model):
    """One step of a module: a lesson now; quizzes, surveys and case exercises later."""

    __tablename__ = "activities"
    __table_args__ = (UniqueConstraint("course_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(Integer)  # order within the whole course
    titles: Mapped[dict] = mapped_column(JSON)
    content_warnings: Mapped[dict] = mapped_column(JSON, default=dict)

    # Read by a quiz's pages (with ``Quiz.activity``): ``joinedload`` where asked for, never lazily.
    course: Mapped[Course] = relationship(lazy="raise_on_sql", viewonly=True)


class LessonContent(db.Model):
    """A lesson's HTML in one language, rendered and sanitised once at sync time."""

    __tablename__ = "lesson_contents"
    __table_args__ = (UniqueConstraint("activity_id", "lang"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"))
    lang: Mapped[str] = mapped_column(String(8))
    html: Mapped[str] = mapped_column(Text)
    word_count: Mapped[int] = mapped_column(Integer, default=0)


class CourseAsset(db.Model):
    """An image from a course package, kept in the database so every app server can serve it."""

    __tablename__ = "course_assets"
    __table_args__ = (UniqueConstraint("course_id", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    path: Mapped[str] = mapped_column(String(200))
    mimetype: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)


def localized(texts: dict | None, locale: str, fallback: str = "en") -> str:
    """The text in ``locale``, else the fallback language, else any language there is."""
    if not texts:
        return ""
    return texts.get(locale) or texts.get(fallback) or next(iter(texts.values()))


class Handbook(db.Model):
    """A course version as a handbook (courses/handbook.py): a PDF to print (A4 or A5) or an EPUB
    to read on a phone (courses/epub.py), made once per version, language, format and edition in
    the background, and served from here to everyone allowed."""

    __tablename__ = "handbooks"
    __table_args__ = (UniqueConstraint("course_id", "version", "lang", "paper", "edition"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    lang: Mapped[str] = mapped_column(String(8))  # "en", "zh", or "both" (each lesson, then its translation)
    paper: Mapped[str] = mapped_column(String(4))  # the format: "a4" or "a5" (a PDF), or "epub"
    # Who it is for (courses.handbook.EDITIONS): "" anyone; a case's side ("applicant",
    # "respondent": that side's case file); "trainer" (every document and the rubrics).
    edition: Mapped[str] = mapped_column(String(16), default="", server_default="")
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued, running, done, failed
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Kept in the database so that any app process behind the load balancer can serve it.
    # The PDF or the EPUB: read only when it is downloaded (a page listing handbooks reads ``size``).
    data: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    size: Mapped[int | None] = mapped_column(Integer)  # bytes
    pages: Mapped[int | None] = mapped_column(Integer)  # a PDF's; an EPUB reflows
    # What the handbook could not include (a missing translation, an unreadable image), in words.
    notes: Mapped[list] = mapped_column(JSON, default=list)
    error: Mapped[str | None] = mapped_column(Text)
