"""What a participant and a trainer see of courses, computed in a fixed number of queries.

Views hand these finished values to templates: titles in the reader's language, done and
locked flags, percentages, what comes next.
"""
from __future__ import annotations

import functools
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, and_, bindparam, case, func, literal_column, select, union_all, update
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from courses import structure
from courses.models import TRACKS, Activity, Course, LessonContent, localized
from courses.structure import CourseInfo, LocalSkeleton
from training import activities as activity_kinds
from training import progress
from training.accounts import User
from training.cohorts import Cohort, CohortMember, participants
from training.db import utcnow
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
    waiting: bool = False  # nothing for her to do until a trainer acts (see waiting_kind)


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
                 enrolment: Enrolment | EnrolmentRow | None, locale: str,
                 waiting: set[int] | frozenset[int] = frozenset()):
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
        # Not done, but nothing for her to do there until a trainer acts (marks her essay, runs
        # the case in her cohort).
        waiting = self._waiting = skeleton.activity_ids.intersection(waiting) - done
        # A module is locked when it requires the one before and that one is locked or not
        # complete; what waits for a trainer counts as complete for this (docs/authoring.md).
        locked = self._module_locked = [False] * len(modules)
        module_ids = skeleton.module_activity_ids
        for m in range(1, len(modules)):
            if modules[m].requires_previous and (locked[m - 1] or not module_ids[m - 1] <= done | waiting):
                locked[m] = True
        self.done = len(done)
        self.total = len(activities)
        self.percent = percent(self.done, self.total)
        self._views: dict[int, ActivityView] = {}
        self._modules: list[ModuleView] | None = None
        self._activities: list[ActivityView] | None = None
        module_of = skeleton.activity_module
        # The first unlocked activity not done and not waiting for a trainer.
        next_index = next((i for i, a in enumerate(activities)
                           if a.id not in done and a.id not in waiting and not locked[module_of[i]]), None)
        self.next_activity: ActivityView | None = self._view(next_index)
        resume = next_index  # where "Resume" goes: the last one opened if not done, else the next one
        if enrolment is not None and enrolment.last_activity_id:
            last = skeleton.index_by_id.get(enrolment.last_activity_id)
            if (last is not None and activities[last].id not in done and activities[last].id not in waiting
                    and not locked[module_of[last]]):
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
                module_title=self.skeleton.modules[m].title, waiting=a.id in self._waiting)
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
        return (*self.course_key, self.enrolled, self.done_ids, self._waiting)

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
                   enrolment: Enrolment | EnrolmentRow | None, locale: str,
                   waiting: set[int] | frozenset[int] = frozenset()) -> Outline:
    return Outline(course, skeleton, done_ids, enrolment, locale, waiting)


def _waiting(user_id: int, skeletons, done_ids) -> set[int]:
    """Of these courses' activities not done, those where she has nothing to do until a trainer
    acts (``ActivityKind.waiting``: a quiz submitted with essays waiting for a mark, a case
    exercise not running in her cohort). Such an activity opens the module after it in a
    sequential course, and "Continue" goes past it: a learner never waits on a page with nothing
    to do. Its completion still waits (docs/authoring.md). One statement per kind that waits,
    none when no such activity is left undone."""
    waits = {kind.name for kind in activity_kinds.kinds() if activity_kinds.overrides(kind, "waiting")}
    by_kind: dict[str, list[int]] = {}
    for skeleton in skeletons:
        for a in skeleton.activities:
            if a.kind in waits and a.id not in done_ids:
                by_kind.setdefault(a.kind, []).append(a.id)
    waiting: set[int] = set()
    for kind, ids in by_kind.items():
        waiting |= activity_kinds.get(kind).waiting(user_id, ids)
    return waiting


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
        _reader_course_statement.cache_clear()
        _my_learning_statement.cache_clear()
        return fn

    return decorator


def _extra_columns(page: str | None, course_id) -> list:
    return [fn(course_id).label(f"extra_{name}") for name, fn in _READER_COLUMNS.get(page, {}).items()]


def _extras(page: str | None, row) -> dict:
    return {name: getattr(row, f"extra_{name}") for name in _READER_COLUMNS.get(page, {})}


# The statements of the pages every participant reads most are built once per process
# (building one costs more than running it): Core rows, not ORM objects, as these pages only read.
@functools.cache
def _reader_course_statement(page: str | None):
    return (
        select(*_COURSE_KEY_COLUMNS, *_ENROLMENT_COLUMNS, _done_in(Course.id).label("done_ids"),
               *_extra_columns(page, Course.id))
        .outerjoin(Enrolment, and_(Enrolment.course_id == Course.id, Enrolment.user_id == bindparam("user_id")))
        .where(Course.slug == bindparam("slug"))
    )


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
    values registered for ``page`` ("course"), in one query. Anonymous readers have no
    enrolment and nothing done; an unknown course gives ``course`` None."""
    row = db.session.connection().execute(
        _reader_course_statement(page), {"slug": slug, "user_id": user.id if user.is_authenticated else None}).first()
    course = structure.course_infos([row]).get(row.id) if row is not None else None
    if course is None:
        return ReaderCourse(None, None, set(), {})
    return ReaderCourse(course, _enrolment_row(row), _ids(row.done_ids), _extras(page, row))


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
    skeleton = structure.localized_skeleton(course, locale)
    waiting: set[int] = set()
    if enrolment is not None:
        done_ids = set(done_ids) | _derived_done(user.id, [skeleton])
        waiting = _waiting(user.id, [skeleton], done_ids)
    return _build_outline(course, skeleton, done_ids, enrolment, locale, waiting)


def _derived_done(user_id: int, skeletons) -> set[int]:
    """The activities of these courses she has done whose completion no row records (surveys:
    training.progress.derived_kind); no statement when the courses have none."""
    return {activity_id for _user, activity_id in progress.derived_done(
        [user_id], ((a.id, a.kind) for skeleton in skeletons for a in skeleton.activities))}


# The audience tracks' names, in the catalog's order (courses.models.TRACKS).
TRACK_NAMES = {"lawyers": _l("For lawyers"), "journalists": _l("For journalists"), "ngos": _l("For NGO staff"),
               "general": _l("For everyone")}
# A course's languages: the name in its own script (as the language menu shows it), and in the reader's.
LANGUAGE_NAMES = {"en": ("English", _l("English")), "zh": ("中文", _l("Chinese"))}
# Studying a lesson (reading, the questions it asks, pauses): words a minute. A Chinese lesson's
# "words" are its characters halved (courses.sync), so one pace serves both languages.
STUDY_WORDS_PER_MINUTE = 100
SEARCH_MAX = 100


def estimated_hours(words: int) -> float | int:
    """Hours to study lessons of ``words`` words, to the half hour; half an hour at least."""
    halves = max(1, round(words / STUDY_WORDS_PER_MINUTE / 30))
    return halves // 2 if halves % 2 == 0 else halves / 2


def language_name(code: str) -> str:
    """The language's own name ("中文"), as a reader choosing her language looks for it."""
    return LANGUAGE_NAMES.get(code, (code,))[0]


def language_label(code: str) -> str:
    """The language's name in the reader's language ("Chinese" in English), for an author's labels
    ("Question in Chinese")."""
    names = LANGUAGE_NAMES.get(code)
    return str(names[1]) if names else code


@dataclass
class CourseCard:
    course: Course
    title: str
    summary: str
    track: str  # the track's name: "For lawyers"
    languages: list[str]  # the languages' names
    lessons: int
    hours: float | int  # estimated study time of the lessons
    total: int  # activities
    enrolled: bool
    done: int
    percent: int

    @property
    def hours_count(self) -> int:
        """What the plural of "hours" is chosen by (gettext counts in whole numbers): 1 hour, 1.5 hours."""
        return 1 if self.hours == 1 else 2


@dataclass
class Catalog:
    groups: list[tuple[str, list[CourseCard]]]  # (track key, cards) in TRACKS order
    total: int  # courses there are
    shown: int  # courses that match the search and filters


def _search_text(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _matches(course: Course, terms: list[str]) -> bool:
    """Every term is in the course's titles or summaries (any language), its track or its languages."""
    haystack = _search_text(" ".join([
        *course.titles.values(), *(course.summaries or {}).values(), course.track, str(TRACK_NAMES.get(course.track, "")),
        *course.languages, *(str(name) for code in course.languages for name in LANGUAGE_NAMES.get(code, ()))]))
    return all(term in haystack for term in terms)


def catalog(user: User, locale: str, query: str = "", track: str = "", language: str = "") -> Catalog:
    """The courses matching ``query`` (every word of it, in titles and summaries of any language,
    track or languages), of ``track`` and in ``language`` when given, grouped by track in a fixed
    order: each with its length (lessons, estimated hours), languages and the user's progress.
    A fixed number of queries whatever the number of courses."""
    courses = list(db.session.execute(select(Course).order_by(Course.slug)).scalars())
    total_count = len(courses)
    terms = _search_text(query).split()
    courses = [c for c in courses if (not track or c.track == track) and (not language or language in c.languages)
               and _matches(c, terms)]
    counts = {row.course_id: row for row in db.session.execute(
        select(Activity.course_id, func.count(Activity.id).label("activities"),
               func.sum(case((Activity.kind == "lesson", 1), else_=0)).label("lessons"))
        .group_by(Activity.course_id))}
    words: dict[int, dict[str, int]] = defaultdict(dict)
    for course_id, lang, count in db.session.execute(
            select(Activity.course_id, LessonContent.lang, func.sum(LessonContent.word_count))
            .join(Activity, Activity.id == LessonContent.activity_id).group_by(Activity.course_id, LessonContent.lang)):
        words[course_id][lang] = int(count or 0)
    enrolled, done = set(), {}
    if user.is_authenticated:
        enrolled = set(db.session.execute(
            select(Enrolment.course_id).where(Enrolment.user_id == user.id)).scalars())
        done = dict(db.session.execute(
            select(Activity.course_id, func.count(ActivityCompletion.id))
            .join(Activity, Activity.id == ActivityCompletion.activity_id)
            .where(ActivityCompletion.user_id == user.id).group_by(Activity.course_id)).all())
        # Activities whose completion no row records (surveys), in the courses she takes.
        derived = db.session.execute(select(Activity.id, Activity.kind, Activity.course_id).where(
            Activity.kind.in_(progress.derived_kinds()), Activity.course_id.in_(enrolled))).all() if enrolled else []
        course_of = {row.id: row.course_id for row in derived}
        for _user, activity_id in progress.derived_done([user.id], [(row.id, row.kind) for row in derived]):
            done[course_of[activity_id]] = done.get(course_of[activity_id], 0) + 1
    groups: dict[str, list[CourseCard]] = defaultdict(list)
    for c in courses:
        row = counts.get(c.id)
        total = row.activities if row else 0
        in_lang = words.get(c.id, {})
        lesson_words = in_lang.get(locale) or next((in_lang[lang] for lang in c.languages if lang in in_lang), 0)
        groups[c.track].append(CourseCard(
            course=c, title=localized(c.titles, locale), summary=localized(c.summaries, locale),
            track=str(TRACK_NAMES.get(c.track, c.track)), languages=[language_name(lang) for lang in c.languages],
            lessons=int(row.lessons or 0) if row else 0, hours=estimated_hours(lesson_words),
            total=total, enrolled=c.id in enrolled, done=done.get(c.id, 0),
            percent=percent(done.get(c.id, 0), total)))
    return Catalog(groups=[(track, sorted(groups[track], key=lambda card: card.title.casefold()))
                           for track in TRACKS if groups.get(track)],
                   total=total_count, shown=len(courses))


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
    return activity_context(course, slug, "lesson", user, locale, enrolment, done_ids)


def activity_context(course: Course, slug: str, kind: str, user: User, locale: str,
                     enrolment=_NOT_LOADED, done_ids: set[int] | None = None):
    """The activity ``slug`` of ``kind`` in ``course`` as ``user`` may open it: the course's
    outline for her, the activity found in it, the course's access rule (enrolled, module
    unlocked) and the kind's own, then what the kind loads for its pages (``ActivityKind.load``).

    None if the course has no such activity of that kind; raises NotEnrolled, Locked or the
    kind's refusal. Every kind's pages open activities through here."""
    outline = course_outline(course, user, locale, enrolment, done_ids)
    activity = find_activity(outline, slug, kind)
    if activity is None:
        return None
    check_access(outline, activity, user)
    own = activity_kinds.get(kind)
    own.check_access(outline, activity, user)
    return own.load(course, outline, activity, user, locale)


def load_lesson(course: Course, outline: Outline, activity: ActivityView, locale: str) -> LessonPage:
    """The lesson kind's page: its HTML in the reader's language (or another it has), its neighbours."""
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


@functools.cache
def _my_learning_statement():
    """My learning's courses and enrolments, the most recently used first."""
    last_used = func.coalesce(Enrolment.last_seen_at, Enrolment.enrolled_at)
    return (
        select(*_COURSE_KEY_COLUMNS, *_ENROLMENT_COLUMNS, Cohort.name.label("cohort_name"),
               _ALL_DONE.label("done_ids"), *_extra_columns("learning", Enrolment.course_id))
        .select_from(Enrolment)
        .join(Course, Course.id == Enrolment.course_id)
        .outerjoin(Cohort, Cohort.id == Enrolment.cohort_id)
        .where(Enrolment.user_id == bindparam("user_id"))
        .order_by(last_used.desc())
    )


def my_learning(user: User, locale: str) -> list[LearningItem]:
    """Each course the user is enrolled in, most recently used first, with where to resume.

    One query whatever the number of courses and lessons (four when courses and structures are
    not cached): the courses, her enrolments, what she has done in each and the values
    registered for the "learning" page come together.
    """
    rows = db.session.connection().execute(_my_learning_statement(), {"user_id": user.id}).all()
    if not rows:
        return []
    courses = structure.course_infos(rows)
    rows = [row for row in rows if row.id in courses]
    shapes = structure.localized_skeletons([courses[row.id] for row in rows], locale)
    done_ids = _ids(rows[0].done_ids) if rows else set()  # the same on every row
    done_ids |= _derived_done(user.id, [shapes[row.id] for row in rows if row.enrolment_id is not None])
    waiting = _waiting(user.id, [shapes[row.id] for row in rows], done_ids)
    items = []
    for row in rows:
        enrolment = _enrolment_row(row)
        outline = _build_outline(courses[row.id], shapes[row.id], done_ids, enrolment, locale, waiting)
        outline.extras = _extras("learning", row)
        items.append(LearningItem(outline=outline, enrolled_at=enrolment.enrolled_at, cohort_name=row.cohort_name))
    return items


@dataclass(frozen=True, slots=True)
class MatrixCell:
    """What one participant has done of one activity, as the cohort matrix shows it."""

    state: str  # a key of CELL_STATES
    symbol: str  # what the cell shows; colour and the label say the same
    label: object  # lazy text for screen readers and the legend
    done: bool  # counts towards her progress (the activity is complete)


CELL_STATES = {cell.state: cell for cell in (
    MatrixCell("not_started", "·", _l("Not started"), False),
    MatrixCell("in_progress", "…", _l("In progress"), False),
    MatrixCell("submitted", "↑", _l("Submitted, awaiting a mark"), False),
    MatrixCell("failed", "✗", _l("Not passed"), False),
    MatrixCell("passed", "✓", _l("Passed"), True),
    MatrixCell("done", "✓", _l("Done"), True),
)}

def _matrix_kind(name: str) -> tuple[str, tuple[str, ...]]:
    """(how a completion of the kind shows, the other states it shows) in the cohort matrix."""
    kind = activity_kinds.get(name)
    return kind.matrix_complete, kind.matrix_others


def short_title(title: str, width: int = 16) -> str:
    """The title cut to about ``width`` columns for a table heading (a Chinese character counts
    two), at a word's end when there are spaces, with "…" when cut."""
    used, cut = 0, len(title)
    for i, char in enumerate(title):
        used += 2 if unicodedata.east_asian_width(char) in "WF" else 1
        if used > width:
            cut = i
            break
    if cut == len(title):
        return title
    head = title[:cut]
    if " " in head.strip():
        head = head.rstrip()
        head = head[:head.rfind(" ")] if not title[cut].isspace() else head
    return head.rstrip(" ,:;-–—") + "…"


@dataclass(slots=True)
class MatrixColumn:
    id: int
    slug: str
    kind: str
    title: str
    short_title: str
    label: str  # the kind's name: Lesson, Quiz...
    endpoint: str


@dataclass
class MatrixRow:
    user: User
    cells: list[MatrixCell]
    done: int
    percent: int


@dataclass
class CohortMatrix:
    cohort: Cohort
    course: Course
    columns: list[MatrixColumn]
    rows: list[MatrixRow]
    average: int

    @property
    def legend(self) -> list[MatrixCell]:
        """The states the course's activities can show, in CELL_STATES order."""
        shown = {"not_started"}
        for kind in {c.kind for c in self.columns}:
            complete, others = _matrix_kind(kind)
            shown |= {complete, *others}
        return [cell for key, cell in CELL_STATES.items() if key in shown]


MATRIX_SORTS = ("handle", "profession", "progress")


def _cell_states(cohort: Cohort, course: Course) -> dict[tuple[int, int], str]:
    """(user id, activity id) -> state, for the cohort's people: completions and what each kind's
    ``matrix_states`` reads, in one statement. A completion wins."""
    completed = (
        select(ActivityCompletion.user_id, ActivityCompletion.activity_id, literal_column("'done'").label("state"))
        .join(Activity, Activity.id == ActivityCompletion.activity_id)
        .join(CohortMember, CohortMember.user_id == ActivityCompletion.user_id)
        .where(CohortMember.cohort_id == cohort.id, Activity.course_id == course.id))
    kinds = [kind.matrix_states(cohort.id, course.id) for kind in activity_kinds.kinds()]
    parts = [completed, *(part for part in kinds if part is not None)]
    states: dict[tuple[int, int], str] = {}
    for user_id, activity_id, state in db.session.execute(union_all(*parts)):
        if state == "done" or (user_id, activity_id) not in states:
            states[(user_id, activity_id)] = state
    return states


def cohort_matrix(cohort: Cohort, locale: str, sort: str = "handle", descending: bool = False) -> CohortMatrix:
    """Participants x activities of a cohort's course: each cell's state (not started, in
    progress, submitted, passed, failed, done) and each one's percentage (4 queries; 2 more when
    the course has surveys)."""
    course = db.session.get(Course, cohort.course_id)
    columns = [
        MatrixColumn(id=a.id, slug=a.slug, kind=a.kind, title=a.title, short_title=short_title(a.title),
                     label=a.label, endpoint=a.endpoint)
        for a in structure.localized_skeleton(course, locale).activities
    ]
    people = participants(cohort)
    states = _cell_states(cohort, course)
    # Surveys answered: found through each one's pseudonym (no row records them).
    for user_id, activity_id in progress.derived_done([p.id for p in people], [(c.id, c.kind) for c in columns]):
        states[(user_id, activity_id)] = "done"
    complete = [_matrix_kind(c.kind)[0] for c in columns]
    rows = []
    for person in people:
        cells = []
        for c, complete_state in zip(columns, complete, strict=True):
            state = states.get((person.id, c.id), "not_started")
            cells.append(CELL_STATES[complete_state if state == "done" else state])
        done = sum(cell.done for cell in cells)
        rows.append(MatrixRow(user=person, cells=cells, done=done, percent=percent(done, len(cells))))
    keys = {
        "handle": lambda r: r.user.handle_key,
        "profession": lambda r: (r.user.profession, r.user.handle_key),
        "progress": lambda r: (r.done, r.user.handle_key),
    }
    rows.sort(key=keys.get(sort, keys["handle"]), reverse=descending)
    average = int(sum(r.percent for r in rows) / len(rows)) if rows else 0
    return CohortMatrix(cohort=cohort, course=course, columns=columns, rows=rows, average=average)
