"""What a participant and a trainer see of courses, computed in a fixed number of queries.

Views hand these finished values to templates: titles in the reader's language, done and
locked flags, percentages, what comes next.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import and_, func, select

from courses import structure
from courses.models import TRACKS, Activity, Course, localized
from courses.structure import LocalSkeleton
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


@dataclass
class Outline:
    course: Course
    title: str
    summary: str
    content_warning: str
    enrolled: bool
    enrolment: Enrolment | None
    modules: list[ModuleView]
    activities: list[ActivityView]
    done: int
    total: int
    percent: int
    next_activity: ActivityView | None  # the first unlocked activity not done
    resume: ActivityView | None  # where "Resume" goes: last opened if not done, else next


def percent(done: int, total: int) -> int:
    return int(100 * done / total) if total else 0


def _build_outline(course: Course, skeleton: LocalSkeleton, done_ids: set[int],
                   enrolment: Enrolment | None, locale: str) -> Outline:
    module_views: list[ModuleView] = []
    by_module: dict[int, ModuleView] = {}
    flat: list[ActivityView] = []
    for m in skeleton.modules:
        view = ModuleView(id=m.id, slug=m.slug, title=m.title, summary=m.summary, locked=False,
                          locked_by="", requires_previous=m.requires_previous)
        module_views.append(view)
        by_module[m.id] = view
    for a in skeleton.activities:
        module = by_module[a.module_id]
        av = ActivityView(id=a.id, slug=a.slug, kind=a.kind, title=a.title, endpoint=a.endpoint,
                          label=a.label, content_warning=a.content_warning, done=a.id in done_ids,
                          module_title=module.title)
        module.activities.append(av)
        flat.append(av)
    previous: ModuleView | None = None
    for view in module_views:
        if previous is not None and view.requires_previous and (previous.locked or not previous.complete):
            view.locked = True
            view.locked_by = previous.title
            for av in view.activities:
                av.locked = True
        previous = view
    done = sum(a.done for a in flat)
    next_activity = next((a for a in flat if not a.done and not a.locked), None)
    resume = next_activity
    if enrolment is not None and enrolment.last_activity_id:
        last = next((a for a in flat if a.id == enrolment.last_activity_id), None)
        if last is not None and not last.done and not last.locked:
            resume = last
    return Outline(
        course=course, title=localized(course.titles, locale),
        summary=localized(course.summaries, locale),
        content_warning=localized(course.content_warnings, locale),
        enrolled=enrolment is not None, enrolment=enrolment, modules=module_views, activities=flat,
        done=done, total=len(flat), percent=percent(done, len(flat)),
        next_activity=next_activity, resume=resume,
    )


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


def course_outline(course: Course, user: User, locale: str, enrolment=_NOT_LOADED) -> Outline:
    """The course's modules and activities with the user's progress.

    One query for the user's completions (and one for the enrolment unless given); the
    structure comes from courses.structure, so the count does not grow with the course.
    """
    done_ids: set[int] = set()
    if not user.is_authenticated:
        enrolment = None
    else:
        if enrolment is _NOT_LOADED:
            enrolment = db.session.execute(select(Enrolment).where(
                Enrolment.user_id == user.id, Enrolment.course_id == course.id)).scalar_one_or_none()
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
    return next((a for a in outline.activities if a.slug == slug and a.kind == kind), None)


def check_access(outline: Outline, activity: ActivityView, user: User) -> None:
    if not outline.enrolled and not can_preview(user):
        raise NotEnrolled()
    if activity.locked and outline.enrolled and not can_preview(user):
        module = next(m for m in outline.modules if any(a.id == activity.id for a in m.activities))
        raise Locked(module.locked_by)


def lesson_page(course: Course, slug: str, user: User, locale: str,
                enrolment=_NOT_LOADED) -> LessonPage | None:
    """The lesson in the reader's language (or another the lesson has), with its neighbours.

    Returns None if there is no such lesson; raises NotEnrolled or Locked. Opening a lesson
    remembers it as the place to resume (the caller commits).
    """
    outline = course_outline(course, user, locale, enrolment)
    activity = find_activity(outline, slug, "lesson")
    if activity is None:
        return None
    check_access(outline, activity, user)
    contents = structure.lesson_html(course, activity.id)
    lang = locale if locale in contents else next(
        (lang for lang in course.languages if lang in contents), next(iter(contents), locale))
    if outline.enrolment is not None:
        _remember(outline.enrolment, activity.id)
    index = outline.activities.index(activity)
    return LessonPage(
        outline=outline, activity=activity, html=contents.get(lang, ""), lang=lang,
        languages=sorted(contents),
        previous=outline.activities[index - 1] if index > 0 else None,
        next=outline.activities[index + 1] if index + 1 < len(outline.activities) else None,
    )


RESUME_REFRESH = timedelta(minutes=10)


def _remember(enrolment: Enrolment, activity_id: int) -> None:
    # Rewriting the same row on every page view would cost a write per read; "last seen"
    # only orders My learning, so ten minutes' precision is plenty.
    now = utcnow()
    if (enrolment.last_activity_id != activity_id or enrolment.last_seen_at is None
            or now - enrolment.last_seen_at > RESUME_REFRESH):
        enrolment.last_activity_id = activity_id
        enrolment.last_seen_at = now


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


def my_learning(user: User, locale: str) -> list[LearningItem]:
    """Each course the user is enrolled in, most recently used first, with where to resume.

    Two queries whatever the number of courses and lessons (four when structures are not cached).
    """
    rows = db.session.execute(
        select(Enrolment, Course, Cohort.name)
        .join(Course, Course.id == Enrolment.course_id)
        .outerjoin(Cohort, Cohort.id == Enrolment.cohort_id)
        .where(Enrolment.user_id == user.id)
        .order_by(func.coalesce(Enrolment.last_seen_at, Enrolment.enrolled_at).desc())
    ).all()
    if not rows:
        return []
    course_ids = [course.id for _, course, _ in rows]
    shapes = structure.localized_skeletons([course for _, course, _ in rows], locale)
    done_ids = set(db.session.execute(
        select(ActivityCompletion.activity_id)
        .join(Activity, Activity.id == ActivityCompletion.activity_id)
        .where(ActivityCompletion.user_id == user.id, Activity.course_id.in_(course_ids))).scalars())
    return [
        LearningItem(
            outline=_build_outline(course, shapes[course.id], done_ids, enrolment_row, locale),
            enrolled_at=enrolment_row.enrolled_at, cohort_name=cohort_name)
        for enrolment_row, course, cohort_name in rows
    ]


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
