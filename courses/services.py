"""What a participant and a trainer see of courses, computed in a fixed number of queries.

Views hand these finished values to templates: titles in the reader's language, done and
locked flags, percentages, what comes next.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from datetime import datetime, timedelta

from sqlalchemy import String, and_, bindparam, func, select, update
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from courses import structure
from courses.models import TRACKS, Activity, Course, localized
from courses.structure import CourseInfo, LocalSkeleton
from training.accounts import User
from training.cohorts import Cohort, CohortMember, participants
from training.db import utcnow
from training import sessions
from training.extensions import db
from training.progress import ActivityCompletion, Enrolment, enrol, mark_complete


class CourseAccessError(Exception):
    """Base for refusals a view turns into a page; ``reason`` says which."""

    reason = "denied"


class NotEnrolled(CourseAccessError):
    reason = "not_enrolled"


class Locked(CourseAccessError):
    reason = "locked"

    def __init__(self, blocking_module_title: str):
        super().__init__(blocking_module_title)
        self.blocking_module_title = blocking_module_title


@dataclass(slots=True)
class ActivityView:
    id: int
    slug: str
    kind: str
    title: str
    endpoint: str
    label: str
    content_warning: str
    done: bool = False
    locked: bool = False
    module_title: str = ""


@dataclass(slots=True)
class ModuleView:
    id: int
    slug: str
    title: str
    summary: str
    locked: bool
    locked_by: str  # title of the module that must be completed first
    requires_previous: bool = False
    activities: list[ActivityView] = field(default_factory=list)

    @property
    def done_count(self) -> int:
        return sum(a.done for a in self.activities)

    @property
    def complete(self) -> bool:
        return self.done_count == len(self.activities)


class Outline:
    """A course's modules and activities with the reader's progress: done and locked flags,
    counts, what comes next and where to resume.

    The counts and flags are computed at once; the views of the modules and activities are made
    when first asked for (``modules``, ``activities``, ``find``): My learning shows only the
    counts and "Resume", a lesson page only the lesson and its neighbours.
    """

    def __init__(self, course: Course, skeleton: LocalSkeleton, done_ids: set[int] | frozenset[int],
                 enrolment: Enrolment | EnrolmentRow | None, locale: str):
        self.course = course
        self.locale = locale
        self.enrolled = enrolment is not None
        self.enrolment = enrolment
        # Other packages' values read with the course (see ``reader_column``): name -> value.
        self.extras: dict = {}
        self.skeleton = skeleton
        activities, modules = skeleton.activities, skeleton.modules
        # What she has done of this course (what was given may hold other courses' activities).
        done = self._done_ids = skeleton.activity_ids.intersection(done_ids)
        # A module is locked when it requires the one before and that one is locked or not complete.
        locked = self._module_locked = [False] * len(modules)
        module_ids = skeleton.module_activity_ids
        for m in range(1, len(modules)):
            if modules[m].requires_previous and (locked[m - 1] or not module_ids[m - 1] <= done):
                locked[m] = True
        self.done = len(done)
        self.total = len(activities)
        self.percent = percent(self.done, self.total)
        self._views: dict[int, ActivityView] = {}
        self._modules: list[ModuleView] | None = None
        self._activities: list[ActivityView] | None = None
        module_of = skeleton.activity_module
        # The first unlocked activity not done.
        next_index = next((i for i, a in enumerate(activities) if a.id not in done and not locked[module_of[i]]), None)
        self.next_activity: ActivityView | None = self._view(next_index)
        resume = next_index  # where "Resume" goes: the last one opened if not done, else the next one
        if enrolment is not None and enrolment.last_activity_id:
            last = skeleton.index_by_id.get(enrolment.last_activity_id)
            if last is not None and activities[last].id not in done and not locked[module_of[last]]:
                resume = last
        self.resume: ActivityView | None = self._view(resume)

    @cached_property
    def title(self) -> str:
        return localized(self.course.titles, self.locale)

    @cached_property
    def summary(self) -> str:
        return localized(self.course.summaries, self.locale)

    @cached_property
    def content_warning(self) -> str:
        return localized(self.course.content_warnings, self.locale)

    @property
    def done_ids(self) -> frozenset[int]:
        """What she has done of this course (what was given may hold other courses' activities)."""
        return self._done_ids

    def _view(self, index: int | None) -> ActivityView | None:
        if index is None:
            return None
        view = self._views.get(index)
        if view is None:
            a = self.skeleton.activities[index]
            m = self.skeleton.activity_module[index]
            view = self._views[index] = ActivityView(
                id=a.id, slug=a.slug, kind=a.kind, title=a.title, endpoint=a.endpoint, label=a.label,
                content_warning=a.content_warning, done=a.id in self._done_ids, locked=self._module_locked[m],
                module_title=self.skeleton.modules[m].title)
        return view

    def _build(self) -> None:
        modules = self.skeleton.modules
        self._activities = [self._view(i) for i in range(len(self.skeleton.activities))]
        self._modules = [
            ModuleView(id=m.id, slug=m.slug, title=m.title, summary=m.summary, locked=self._module_locked[n],
                       locked_by=modules[n - 1].title if self._module_locked[n] else "",
                       requires_previous=m.requires_previous,
                       activities=[self._activities[i] for i in self.skeleton.module_activities[n]])
            for n, m in enumerate(modules)
        ]

    @property
    def modules(self) -> list[ModuleView]:
        if self._modules is None:
            self._build()
        return self._modules

    @property
    def activities(self) -> list[ActivityView]:
        if self._activities is None:
            self._build()
        return self._activities

    @property
    def course_key(self) -> tuple:
        """What the course's texts and structure depend on (with the language): for ``{% cache %}``."""
        return (structure.course_key(self.course), self.course.slug)

    @property
    def cache_key(self) -> tuple:
        """Everything the outline's flags depend on (with the language): the course as synced,
        whether the reader is enrolled and what she has done. For ``{% cache %}``."""
        return (*self.course_key, self.enrolled, self.done_ids)

    def find(self, slug: str, kind: str) -> ActivityView | None:
        index = self.skeleton.index_by_slug.get(slug)
        if index is None or self.skeleton.activities[index].kind != kind:
            return None
        return self._view(index)

    def neighbours(self, activity: ActivityView) -> tuple[ActivityView | None, ActivityView | None]:
        """The activities before and after ``activity`` in the course."""
        index = self.skeleton.index_by_id[activity.id]
        return self._view(index - 1 if index > 0 else None), self._view(
            index + 1 if index + 1 < len(self.skeleton.activities) else None)


def percent(done: int, total: int) -> int:
    return int(100 * done / total) if total else 0


def _build_outline(course: Course, skeleton: LocalSkeleton, done_ids: set[int],
                   enrolment: Enrolment | EnrolmentRow | None, locale: str) -> Outline:
    return Outline(course, skeleton, done_ids, enrolment, locale)


@dataclass(frozen=True, slots=True)
class EnrolmentRow:
    """The reader's enrolment as a page reads it (not an ORM object); see ``reader_course``."""

    id: int
    cohort_id: int | None
    enrolled_at: datetime
    last_activity_id: int | None
    last_seen_at: datetime | None


class _id_list(FunctionElement):
    """The aggregated ids as text "3,1,2" (NULL if none). Written out per database, rather than
    with func.aggregate_strings, whose separator is rendered into the SQL on every execution."""

    type = String()
    inherit_cache = True


@compiles(_id_list)
def _id_list_default(element, compiler, **kw):  # SQLite
    return f"group_concat({compiler.process(element.clauses, **kw)}, ',')"


@compiles(_id_list, "postgresql")
def _id_list_postgresql(element, compiler, **kw):
    return f"string_agg(CAST({compiler.process(element.clauses, **kw)} AS VARCHAR), ',')"


def _done_in(course_id):
    """The activities of a course the reader (bind parameter ``user_id``) has done, as text
    "3,1,2" (NULL if none): a correlated subquery, so that progress comes with the course."""
    return (
        select(_id_list(ActivityCompletion.activity_id))
        .join(Activity, Activity.id == ActivityCompletion.activity_id)
        .where(ActivityCompletion.user_id == bindparam("user_id"), Activity.course_id == course_id)
        .scalar_subquery()
    )


# A page reads only the course's key; the rest of its row comes from courses.structure's cache.
_COURSE_KEY_COLUMNS = (Course.id, Course.synced_at, Course.content_hash)

_ENROLMENT_COLUMNS = (
    Enrolment.id.label("enrolment_id"), Enrolment.cohort_id.label("enrolment_cohort_id"),
    Enrolment.enrolled_at.label("enrolment_enrolled_at"),
    Enrolment.last_activity_id.label("enrolment_last_activity_id"),
    Enrolment.last_seen_at.label("enrolment_last_seen_at"),
)

# What other packages show about the reader next to a course, read in the same query as the
# course rather than one query each: page -> name -> function(course id column) returning a
# scalar subquery that may use the bind parameter ``user_id`` (None for anonymous readers).
# The pages are "course" (``reader_course(..., page="course")``) and "learning"
# (``my_learning``); the values land in ``Outline.extras``.
_READER_COLUMNS: dict[str, dict[str, Callable]] = {"course": {}, "learning": {}}


def reader_column(page: str, name: str):
    """Register a value read with each course of ``page`` (a decorator; see _READER_COLUMNS)."""
    def decorator(fn):
        _READER_COLUMNS[page][name] = fn
        _statements.clear()
        return fn

    return decorator


# Statements of the pages every participant reads most, built once (building a statement
# costs more than running it). Core rows, not ORM objects: these pages only read.
_statements: dict = {}


def _extra_columns(page: str | None, course_id) -> list:
    return [fn(course_id).label(f"extra_{name}") for name, fn in _READER_COLUMNS.get(page, {}).items()]


def _extras(page: str | None, row) -> dict:
    return {name: getattr(row, f"extra_{name}") for name in _READER_COLUMNS.get(page, {})}


def _reader_course_statement(page: str | None):
    statement = _statements.get(("course", page))
    if statement is None:
        statement = _statements[("course", page)] = (
            select(*_COURSE_KEY_COLUMNS, *_ENROLMENT_COLUMNS, _done_in(Course.id).label("done_ids"),
                   *_extra_columns(page, Course.id))
            .outerjoin(Enrolment, and_(Enrolment.course_id == Course.id, Enrolment.user_id == bindparam("user_id")))
            .where(Course.slug == bindparam("slug"))
        )
    return statement


def _enrolment_row(row) -> EnrolmentRow | None:
    if row.enrolment_id is None:
        return None
    return EnrolmentRow(row.enrolment_id, row.enrolment_cohort_id, row.enrolment_enrolled_at,
                        row.enrolment_last_activity_id, row.enrolment_last_seen_at)


def _ids(text: str | None) -> set[int]:
    return {int(i) for i in text.split(",")} if text else set()


@dataclass(frozen=True, slots=True)
class ReaderCourse:
    course: CourseInfo | None  # read-only, with the attributes of Course
    enrolment: EnrolmentRow | None
    done_ids: set[int]
    extras: dict  # the values registered with reader_column for the page


def reader_course(slug: str, user: User, page: str | None = None) -> ReaderCourse:
    """The course, the reader's enrolment, the ids of the activities she has done and the
    values registered for ``page`` ("course"), in one query, or none when it was read with the
    signed-in user (``prefetch_reader_course``). Anonymous readers have no enrolment and
    nothing done; an unknown course gives ``course`` None."""
    rows = sessions.prefetched(("course", page), {"slug": slug}) if user.is_authenticated else None
    if rows is not None:
        row = rows[0] if rows and rows[0].id is not None else None
    else:
        row = db.session.connection().execute(
            _reader_course_statement(page), {"slug": slug, "user_id": user.id if user.is_authenticated else None}).first()
    course = structure.course_infos([row]).get(row.id) if row is not None else None
    if course is None:
        return ReaderCourse(None, None, set(), {})
    return ReaderCourse(course, _enrolment_row(row), _ids(row.done_ids), _extras(page, row))


def prefetch_reader_course(page: str | None):
    """For training.sessions.prefetch: the course page (``page="course"``) or a lesson page
    reads its course with the signed-in user."""
    def build(view_args: dict):
        if "slug" not in view_args:
            return None
        key = ("course", page)
        subquery = _statements.get(("subquery",) + key)
        if subquery is None:
            subquery = _statements[("subquery",) + key] = _reader_course_statement(page).subquery("page")
        return key, subquery, {"slug": view_args["slug"]}, ()

    return build


def cohorts_of(course: Course) -> list[Cohort]:
    return list(db.session.execute(select(Cohort).where(Cohort.course_id == course.id).order_by(Cohort.name)).scalars())


def get_course(slug: str) -> Course | None:
    return db.session.execute(select(Course).where(Course.slug == slug)).scalar_one_or_none()


def load_course(slug: str, user: User) -> tuple[Course | None, Enrolment | None]:
    """The course and the user's enrolment in it, in one query."""
    if not user.is_authenticated:
        return get_course(slug), None
    row = db.session.execute(
        select(Course, Enrolment)
        .outerjoin(Enrolment, and_(Enrolment.course_id == Course.id, Enrolment.user_id == user.id))
        .where(Course.slug == slug)).first()
    return (row[0], row[1]) if row else (None, None)


_NOT_LOADED = object()


def course_outline(course: Course, user: User, locale: str, enrolment=_NOT_LOADED,
                   done_ids: set[int] | None = None) -> Outline:
    """The course's modules and activities with the user's progress.

    One query for the user's completions unless given (and one for the enrolment unless
    given); the structure comes from courses.structure, so the count does not grow with the
    course. ``reader_course`` gives all three in one query.
    """
    if not user.is_authenticated:
        enrolment, done_ids = None, set()
    else:
        if enrolment is _NOT_LOADED:
            enrolment = db.session.execute(select(Enrolment).where(
                Enrolment.user_id == user.id, Enrolment.course_id == course.id)).scalar_one_or_none()
        if done_ids is None:
            done_ids = set(db.session.execute(
                select(ActivityCompletion.activity_id)
                .join(Activity, Activity.id == ActivityCompletion.activity_id)
                .where(ActivityCompletion.user_id == user.id, Activity.course_id == course.id)).scalars())
    return _build_outline(course, structure.localized_skeleton(course, locale), done_ids, enrolment, locale)


@dataclass
class CourseCard:
    course: Course
    title: str
    summary: str
    total: int
    enrolled: bool
    done: int
    percent: int


def catalog(user: User, locale: str) -> list[tuple[str, list[CourseCard]]]:
    """Every course, grouped by audience track in a fixed order, with the user's progress."""
    courses = list(db.session.execute(select(Course).order_by(Course.slug)).scalars())
    totals = dict(db.session.execute(
        select(Activity.course_id, func.count(Activity.id)).group_by(Activity.course_id)).all())
    enrolled, done = set(), {}
    if user.is_authenticated:
        enrolled = set(db.session.execute(
            select(Enrolment.course_id).where(Enrolment.user_id == user.id)).scalars())
        done = dict(db.session.execute(
            select(Activity.course_id, func.count(ActivityCompletion.id))
            .join(Activity, Activity.id == ActivityCompletion.activity_id)
            .where(ActivityCompletion.user_id == user.id).group_by(Activity.course_id)).all())
    groups: dict[str, list[CourseCard]] = defaultdict(list)
    for c in courses:
        total = totals.get(c.id, 0)
        groups[c.track].append(CourseCard(
            course=c, title=localized(c.titles, locale), summary=localized(c.summaries, locale),
            total=total, enrolled=c.id in enrolled, done=done.get(c.id, 0),
            percent=percent(done.get(c.id, 0), total)))
    return [(track, sorted(groups[track], key=lambda card: card.title.casefold()))
            for track in TRACKS if groups.get(track)]


class GuestAccount(CourseAccessError):
    """Guest judges judge case exercises; they do not take courses."""

    reason = "guest"


def enrol_in_course(user: User, course: Course) -> Enrolment:
    """Enrol the user in the course directly (idempotent); not a guest judge."""
    if user.is_guest:
        raise GuestAccount()
    return enrol(user, course.id)


def can_preview(user: User) -> bool:
    """Trainers and admins read any lesson without enrolling."""
    return user.is_authenticated and user.is_trainer


@dataclass
class LessonPage:
    outline: Outline
    activity: ActivityView
    html: str
    lang: str  # the language the content is shown in
    languages: list[str]  # languages this lesson exists in
    previous: ActivityView | None
    next: ActivityView | None


def find_activity(outline: Outline, slug: str, kind: str) -> ActivityView | None:
    return outline.find(slug, kind)


def check_access(outline: Outline, activity: ActivityView, user: User) -> None:
    if not outline.enrolled and not can_preview(user):
        raise NotEnrolled()
    if activity.locked and outline.enrolled and not can_preview(user):
        module = next(m for m in outline.modules if any(a.id == activity.id for a in m.activities))
        raise Locked(module.locked_by)


def lesson_page(course: Course, slug: str, user: User, locale: str,
                enrolment=_NOT_LOADED, done_ids: set[int] | None = None) -> LessonPage | None:
    """The lesson in the reader's language (or another the lesson has), with its neighbours.

    Returns None if there is no such lesson; raises NotEnrolled or Locked. Reading it changes
    nothing: ``remember_place`` makes it the place to resume once the lesson is shown (not,
    say, its content warning).
    """
    outline = course_outline(course, user, locale, enrolment, done_ids)
    activity = find_activity(outline, slug, "lesson")
    if activity is None:
        return None
    check_access(outline, activity, user)
    contents = structure.lesson_html(course, activity.id)
    lang = locale if locale in contents else next(
        (lang for lang in course.languages if lang in contents), next(iter(contents), locale))
    previous, following = outline.neighbours(activity)
    return LessonPage(
        outline=outline, activity=activity, html=contents.get(lang, ""), lang=lang,
        languages=sorted(contents), previous=previous, next=following,
    )


def remember_place(page: LessonPage) -> None:
    """Make the page's lesson the reader's place to resume (one UPDATE at most; the caller commits)."""
    if page.outline.enrolment is not None:
        _remember(page.outline.enrolment, page.activity.id)


RESUME_REFRESH = timedelta(minutes=10)


def _remember(enrolment: Enrolment | EnrolmentRow, activity_id: int) -> bool:
    """Make the activity the place to resume; False if that was already so (and recent)."""
    # Rewriting the same row on every page view would cost a write per read; "last seen"
    # only orders My learning, so ten minutes' precision is plenty.
    now = utcnow()
    if (enrolment.last_activity_id == activity_id and enrolment.last_seen_at is not None
            and now - enrolment.last_seen_at <= RESUME_REFRESH):
        return False
    if isinstance(enrolment, EnrolmentRow):  # read as a row: write it with an UPDATE
        db.session.execute(update(Enrolment).where(Enrolment.id == enrolment.id)
                           .values(last_activity_id=activity_id, last_seen_at=now))
    else:
        enrolment.last_activity_id = activity_id
        enrolment.last_seen_at = now
    return True


def complete_lesson(course: Course, slug: str, user: User, locale: str) -> tuple[bool, Outline] | None:
    """Mark a lesson done for an enrolled participant.

    Returns (newly done?, outline after the change), or None if there is no such lesson.
    Raises NotEnrolled or Locked. A second submit changes nothing.
    """
    outline = course_outline(course, user, locale)
    activity = find_activity(outline, slug, "lesson")
    if activity is None:
        return None
    if not outline.enrolled:
        raise NotEnrolled()
    check_access(outline, activity, user)
    new = mark_complete(user, activity.id)
    if new:
        outline = course_outline(course, user, locale)
    return new, outline


@dataclass
class LearningItem:
    outline: Outline
    enrolled_at: object
    cohort_name: str | None


# Every activity the reader has done, in any course, as text "3,1,2" (NULL if none): My
# learning's courses are hers, and one pass over her completions costs PostgreSQL less than
# one per course.
_ALL_DONE = (
    select(_id_list(ActivityCompletion.activity_id))
    .where(ActivityCompletion.user_id == bindparam("user_id"))
    .scalar_subquery()
)


def _my_learning_rows():
    """My learning's courses and enrolments, unordered (see _my_learning_statement)."""
    return (
        select(*_COURSE_KEY_COLUMNS, *_ENROLMENT_COLUMNS, Cohort.name.label("cohort_name"),
               _ALL_DONE.label("done_ids"), *_extra_columns("learning", Enrolment.course_id),
               func.coalesce(Enrolment.last_seen_at, Enrolment.enrolled_at).label("last_used"))
        .select_from(Enrolment)
        .join(Course, Course.id == Enrolment.course_id)
        .outerjoin(Cohort, Cohort.id == Enrolment.cohort_id)
        .where(Enrolment.user_id == bindparam("user_id"))
    )


def _my_learning_statement():
    statement = _statements.get("learning")
    if statement is None:
        rows = _my_learning_rows()
        statement = _statements["learning"] = rows.order_by(rows.selected_columns.last_used.desc())
    return statement


def prefetch_my_learning(view_args: dict):
    """For training.sessions.prefetch: My learning reads its courses with the signed-in user."""
    built = _statements.get("learning-subquery")
    if built is None:
        subquery = _my_learning_rows().subquery("page")
        built = _statements["learning-subquery"] = (("learning",), subquery, {}, (subquery.c.last_used.desc(),))
    return built


def my_learning(user: User, locale: str) -> list[LearningItem]:
    """Each course the user is enrolled in, most recently used first, with where to resume.

    One query whatever the number of courses and lessons (four when courses and structures are
    not cached): the courses, her enrolments, what she has done in each and the values
    registered for the "learning" page come together.
    """
    rows = sessions.prefetched(("learning",), {})
    if rows is not None:
        rows = [row for row in rows if row.id is not None]
    else:
        rows = db.session.connection().execute(_my_learning_statement(), {"user_id": user.id}).all()
    if not rows:
        return []
    courses = structure.course_infos(rows)
    rows = [row for row in rows if row.id in courses]
    shapes = structure.localized_skeletons([courses[row.id] for row in rows], locale)
    done_ids = _ids(rows[0].done_ids) if rows else set()  # the same on every row
    items = []
    for row in rows:
        enrolment = _enrolment_row(row)
        outline = _build_outline(courses[row.id], shapes[row.id], done_ids, enrolment, locale)
        outline.extras = _extras("learning", row)
        items.append(LearningItem(outline=outline, enrolled_at=enrolment.enrolled_at, cohort_name=row.cohort_name))
    return items


@dataclass
class MatrixRow:
    user: User
    cells: list[bool]
    done: int
    percent: int


@dataclass
class CohortMatrix:
    cohort: Cohort
    course: Course
    columns: list[ActivityView]
    rows: list[MatrixRow]
    average: int


MATRIX_SORTS = ("handle", "profession", "progress")


def cohort_matrix(cohort: Cohort, locale: str, sort: str = "handle", descending: bool = False) -> CohortMatrix:
    """Participants x activities of a cohort's course, with each one's percentage (4 queries)."""
    course = db.session.get(Course, cohort.course_id)
    columns = [
        ActivityView(id=a.id, slug=a.slug, kind=a.kind, title=a.title, endpoint=a.endpoint,
                     label=a.label, content_warning=a.content_warning)
        for a in structure.localized_skeleton(course, locale).activities
    ]
    people = participants(cohort)
    done = {(user_id, activity_id) for user_id, activity_id in db.session.execute(
        select(ActivityCompletion.user_id, ActivityCompletion.activity_id)
        .join(Activity, Activity.id == ActivityCompletion.activity_id)
        .join(CohortMember, CohortMember.user_id == ActivityCompletion.user_id)
        .where(CohortMember.cohort_id == cohort.id, Activity.course_id == course.id))}
    rows = []
    for person in people:
        cells = [(person.id, c.id) in done for c in columns]
        rows.append(MatrixRow(user=person, cells=cells, done=sum(cells), percent=percent(sum(cells), len(cells))))
    keys = {
        "handle": lambda r: r.user.handle_key,
        "profession": lambda r: (r.user.profession, r.user.handle_key),
        "progress": lambda r: (r.done, r.user.handle_key),
    }
    rows.sort(key=keys.get(sort, keys["handle"]), reverse=descending)
    average = int(sum(r.percent for r in rows) / len(rows)) if rows else 0
    return CohortMatrix(cohort=cohort, course=course, columns=columns, rows=rows, average=average)
