"""A per-process cache of what does not change between syncs: a course's row, its modules and
activities, and lessons' HTML.

Entries are keyed by the course's id *and* the moment it was last synced, which every request
reads from the database anyway; a re-sync on any machine changes the key, so no worker can
serve stale structure and no worker needs another's cache. Only derived, read-only data lives
here, bounded in size.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import bindparam, select

from courses.models import Activity, Course, LessonContent, Module, localized
from training import activities as kinds
from training.caches import BoundedCache
from training.extensions import db


@dataclass(frozen=True)
class LocalModule:
    id: int
    slug: str
    title: str
    summary: str
    requires_previous: bool


@dataclass(frozen=True)
class LocalActivity:
    id: int
    module_id: int
    slug: str
    kind: str
    title: str
    content_warning: str
    endpoint: str
    label: str


@dataclass(frozen=True)
class LocalSkeleton:
    """A course's structure with every text already in one language."""

    modules: tuple[LocalModule, ...]
    activities: tuple[LocalActivity, ...]
    # Derived once, so that each request's outline is quick to compute (courses.services):
    # the activities of each module and the module of each activity (as indexes into
    # ``modules`` and ``activities``), and each activity's index by id and by slug.
    module_activities: tuple[tuple[int, ...], ...] = field(init=False, repr=False, compare=False)
    activity_module: tuple[int, ...] = field(init=False, repr=False, compare=False)
    index_by_id: dict[int, int] = field(init=False, repr=False, compare=False)
    index_by_slug: dict[str, int] = field(init=False, repr=False, compare=False)
    # The ids of all the activities and of each module's, as sets: what a reader has done of
    # the course, and whether a module is complete, are then set operations.
    activity_ids: frozenset[int] = field(init=False, repr=False, compare=False)
    module_activity_ids: tuple[frozenset[int], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        position = {m.id: i for i, m in enumerate(self.modules)}
        members: list[list[int]] = [[] for _ in self.modules]
        module_of = []
        for i, a in enumerate(self.activities):
            members[position[a.module_id]].append(i)
            module_of.append(position[a.module_id])
        object.__setattr__(self, "module_activities", tuple(tuple(m) for m in members))
        object.__setattr__(self, "activity_module", tuple(module_of))
        object.__setattr__(self, "index_by_id", {a.id: i for i, a in enumerate(self.activities)})
        by_slug: dict[str, int] = {}
        for i, a in enumerate(self.activities):
            by_slug.setdefault(a.slug, i)
        object.__setattr__(self, "index_by_slug", by_slug)
        object.__setattr__(self, "activity_ids", frozenset(a.id for a in self.activities))
        object.__setattr__(self, "module_activity_ids", tuple(
            frozenset(self.activities[i].id for i in m) for m in members))


@dataclass(frozen=True, slots=True)
class CourseInfo:
    """A course's row as synced: the columns of Course, read-only. Only a sync writes them, and
    a sync changes ``synced_at`` and ``content_hash``."""

    id: int
    slug: str
    titles: dict
    summaries: dict
    content_warnings: dict
    track: str
    languages: list
    sequential: bool
    last_reviewed: date | None
    content_hash: str
    version: int
    handbook: dict | None
    synced_at: datetime
    managed: str  # "files" or "studio" (courses/studio/); the Studio's pages read the row itself


_courses = BoundedCache(256)
_localized = BoundedCache(512)
_lessons = BoundedCache(1024)


def course_key(course: Course | CourseInfo) -> tuple:
    return (course.id, course.synced_at, course.content_hash)


_COURSE_ROWS = select(*Course.__table__.c).where(Course.id.in_(bindparam("ids", expanding=True)))


def course_infos(rows) -> dict[int, CourseInfo]:
    """The courses of ``rows``, which carry only a course's ``id``, ``synced_at`` and
    ``content_hash`` (the pages read no more): id -> CourseInfo, cached under that key, the
    courses not cached yet read in one query. A course gone meanwhile is left out."""
    found, missing = {}, {}
    for row in rows:
        info = _courses.get(course_key(row))
        if info is None:
            missing[row.id] = course_key(row)
        else:
            found[row.id] = info
    if missing:
        for full in db.session.connection().execute(_COURSE_ROWS, {"ids": list(missing)}):
            info = CourseInfo(**full._mapping)
            if course_key(info) == missing[info.id]:  # else synced again meanwhile: use it, keep nothing
                _courses.put(course_key(info), info)
            found[info.id] = info
    return found


def localized_skeletons(courses: list[Course], locale: str) -> dict[int, LocalSkeleton]:
    """Each course's structure in ``locale`` (falling back like ``localized``); the courses not
    cached yet are loaded together, in two queries."""
    found, missing = {}, []
    for course in courses:
        cached = _localized.get((course_key(course), locale))
        if cached is None:
            missing.append(course)
        else:
            found[course.id] = cached
    if not missing:
        return found
    ids = [c.id for c in missing]
    modules: dict[int, list[LocalModule]] = {i: [] for i in ids}
    activities: dict[int, list[LocalActivity]] = {i: [] for i in ids}
    for row in db.session.execute(
        select(Module.course_id, Module.id, Module.slug, Module.titles, Module.summaries, Module.requires_previous)
        .where(Module.course_id.in_(ids)).order_by(Module.position)
    ):
        modules[row.course_id].append(LocalModule(row.id, row.slug, localized(row.titles, locale),
                                                  localized(row.summaries, locale), row.requires_previous))
    for row in db.session.execute(
        select(Activity.course_id, Activity.id, Activity.module_id, Activity.slug, Activity.kind, Activity.titles,
               Activity.content_warnings).where(Activity.course_id.in_(ids)).order_by(Activity.position)
    ):
        kind = kinds.get(row.kind)
        activities[row.course_id].append(LocalActivity(
            row.id, row.module_id, row.slug, row.kind, localized(row.titles, locale),
            localized(row.content_warnings, locale), kind.endpoint, str(kind.label)))
    for course in missing:
        local = LocalSkeleton(tuple(modules[course.id]), tuple(activities[course.id]))
        _localized.put((course_key(course), locale), local)
        found[course.id] = local
    return found


def localized_skeleton(course: Course, locale: str) -> LocalSkeleton:
    return localized_skeletons([course], locale)[course.id]


def lesson_html(course: Course, activity_id: int) -> dict[str, str]:
    """The lesson's HTML in each language it exists in."""
    key = (course_key(course), activity_id)
    cached = _lessons.get(key)
    if cached is None:
        cached = {lang: html for lang, html in db.session.execute(
            select(LessonContent.lang, LessonContent.html).where(LessonContent.activity_id == activity_id))}
        _lessons.put(key, cached)
    return cached


def clear() -> None:
    """Forget everything (tests; never needed for correctness)."""
    _courses.clear()
    _localized.clear()
    _lessons.clear()
