"""Loading validated course packages into the database, all or nothing.

Modules and activities are matched by slug, so re-syncing an edited course keeps every
participant's completions of the lessons that still exist; lessons removed from the package are
deleted with their completions.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable

from sqlalchemy import delete, select

from courses.models import Activity, Course, CourseAsset, LessonContent, Module
from courses.package import CourseSpec, LessonSpec
from courses.registration import import_reader_modules
from training import activities as activity_kinds
from training.db import utcnow
from training.extensions import db
from training.markdown import render_markdown

# name -> function storing a course-level section read by courses.package.section_parser.
SECTION_WRITERS: dict[str, Callable[[Course, object], None]] = {}


def section_writer(name: str):
    def decorator(fn):
        SECTION_WRITERS[name] = fn
        return fn

    return decorator


def asset_prefix(slug: str) -> str:
    return f"/courses/{slug}/assets/"


def write_lesson(course: Course, activity: Activity, spec: LessonSpec) -> None:
    db.session.execute(delete(LessonContent).where(LessonContent.activity_id == activity.id))
    for lang, body in spec.bodies.items():
        db.session.add(LessonContent(
            activity_id=activity.id, lang=lang,
            html=render_markdown(body, asset_prefix(course.slug)),
            word_count=len(body.split()) if lang != "zh" else len(body) // 2,
        ))


def sync_courses(specs: list[CourseSpec]) -> list[str]:
    """Write validated packages into the current transaction; returns one report line each.

    The caller commits, or rolls back on any exception so the database stays as it was.
    """
    import_reader_modules()  # the other kinds' and sections' writers (courses/registration.py)
    report = []
    for spec in specs:
        course = db.session.execute(select(Course).where(Course.slug == spec.slug)).scalar_one_or_none()
        if course is not None and course.content_hash == spec.content_hash:
            report.append(f"{spec.slug}: unchanged")
            continue
        created = course is None
        if created:
            course = Course(slug=spec.slug, version=0)
            db.session.add(course)
        course.titles = spec.titles
        course.summaries = spec.summaries
        course.content_warnings = spec.content_warnings
        course.track = spec.track
        course.languages = spec.languages
        course.sequential = spec.sequential
        course.last_reviewed = spec.last_reviewed
        course.handbook = spec.handbook or None
        course.content_hash = spec.content_hash
        course.version = (course.version or 0) + 1
        course.synced_at = utcnow()
        db.session.flush()
        counts = _sync_structure(course, spec)
        _sync_assets(course, spec)
        for name, value in spec.sections.items():
            if name in SECTION_WRITERS:
                SECTION_WRITERS[name](course, value)
        report.append(
            f"{spec.slug}: {'created' if created else f'updated to version {course.version}'}"
            f" ({counts['modules']} modules, {counts['activities']} activities"
            + (f", {counts['removed']} removed" if counts["removed"] else "") + ")"
        )
    db.session.flush()
    return report


def _sync_structure(course: Course, spec: CourseSpec) -> dict[str, int]:
    modules = {m.slug: m for m in db.session.execute(
        select(Module).where(Module.course_id == course.id)).scalars()}
    activities = {a.slug: a for a in db.session.execute(
        select(Activity).where(Activity.course_id == course.id)).scalars()}
    # Positions and slugs move around during an update: park them out of the way first so no
    # unique constraint trips on an intermediate state.
    for m in modules.values():
        m.position = -m.id
    db.session.flush()

    kept_modules, kept_activities, position = set(), set(), 0
    for m_pos, m_spec in enumerate(spec.modules):
        module = modules.get(m_spec.slug)
        if module is None:
            module = Module(course_id=course.id, slug=m_spec.slug)
            db.session.add(module)
        module.position = m_pos
        module.titles = m_spec.titles
        module.summaries = m_spec.summaries
        module.requires_previous = m_spec.requires_previous
        db.session.flush()
        kept_modules.add(module.id)
        for a_spec in m_spec.activities:
            activity = activities.get(a_spec.slug)
            if activity is not None and activity.kind != a_spec.kind:
                db.session.delete(activity)  # a different kind of thing: progress does not carry over
                db.session.flush()
                activity = None
            if activity is None:
                activity = Activity(course_id=course.id, slug=a_spec.slug, kind=a_spec.kind)
                db.session.add(activity)
            activity.module_id = module.id
            activity.position = position
            activity.titles = a_spec.titles
            activity.content_warnings = a_spec.content_warnings
            position += 1
            db.session.flush()
            kept_activities.add(activity.id)
            activity_kinds.get(a_spec.kind).write(course, activity, a_spec)  # the kind's own content

    removed = [a.id for a in activities.values() if a.id not in kept_activities]
    if removed:
        db.session.execute(delete(Activity).where(Activity.id.in_(removed)))
    stale_modules = [m.id for m in modules.values() if m.id not in kept_modules]
    if stale_modules:
        db.session.execute(delete(Module).where(Module.id.in_(stale_modules)))
    return {"modules": len(spec.modules), "activities": position, "removed": len(removed)}


def _sync_assets(course: Course, spec: CourseSpec) -> None:
    existing = {a.path: a for a in db.session.execute(
        select(CourseAsset).where(CourseAsset.course_id == course.id)).scalars()}
    for path, asset in spec.assets.items():
        sha = hashlib.sha256(asset.data).hexdigest()
        row = existing.pop(path, None)
        if row is None:
            db.session.add(CourseAsset(course_id=course.id, path=path, mimetype=asset.mimetype,
                                       sha256=sha, data=asset.data))
        elif row.sha256 != sha:
            row.mimetype, row.sha256, row.data = asset.mimetype, sha, asset.data
    for row in existing.values():
        db.session.delete(row)
