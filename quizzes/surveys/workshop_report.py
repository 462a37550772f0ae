"""The workshop report for funders: what was held, whom it reached, who attended, and what changed.

For one cohort or for every cohort of a course that the reader may see (``results.visible_cohorts``).
It puts together what the other pages already count: the sessions and their registers
(courses/workshops), people with accounts, respondent cards and anonymous walk-ins, and each
survey instrument's before-and-after results (``results.compute``, the same tests and the same
suppression under k). It adds no statistics of its own.

People reached are counted by kind and never added up: a woman may come as an anonymous walk-in
and answer with a card, and nothing joins the two (by design: nothing may).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import distinct, func, select

from courses.models import Activity, Course, localized
from courses.workshops import services as workshops
from courses.workshops.models import Attendance, CohortSession
from quizzes.surveys import results
from quizzes.surveys.models import Survey, SurveyResponse
from quizzes.surveys.results import SurveyResults
from training.accounts import User
from training.cohorts import Cohort, CohortMember
from training.db import utcnow
from training.extensions import db
from training.i18n import list_join


@dataclass
class SessionLine:
    cohort: str
    title: str
    starts_at: datetime
    held: bool  # started before the report was made
    present: int = 0
    late: int = 0
    absent: int = 0
    excused: int = 0
    unmarked: int = 0  # participants with no mark for a held session: counted as not attending
    walk_ins: int = 0  # anonymous walk-ins (no account)

    @property
    def in_the_room(self) -> int:
        return self.present + self.late


@dataclass
class InstrumentResults:
    title: str  # the survey as participants see it (its before activity's title)
    results: SurveyResults


@dataclass
class WorkshopReport:
    course: Course
    cohorts: list[Cohort]
    scope: str
    title: str
    made_at: datetime
    sessions: list[SessionLine] = field(default_factory=list)
    participants: int = 0  # accounts in the cohorts
    account_walk_ins: int = 0  # accounts marked at a session without being in the cohort
    card_respondents: int = 0  # cards that answered at least one survey (largest instrument)
    anonymous_attendances: int = 0  # anonymous walk-ins, summed over held sessions
    largest_anonymous: int = 0  # the most anonymous walk-ins at one session
    attended: int = 0  # participants' sessions attended (present or late), held sessions
    counted: int = 0  # participants' held sessions, less those they were excused from
    surveys: list[InstrumentResults] = field(default_factory=list)

    @property
    def held(self) -> int:
        return sum(1 for s in self.sessions if s.held)

    @property
    def planned(self) -> int:
        return sum(1 for s in self.sessions if not s.held)

    @property
    def attendance_rate(self) -> float | None:
        return self.attended / self.counted if self.counted else None


def cohorts_for(user: User, course: Course, cohort_id: int | None) -> list[Cohort]:
    """The cohorts a report may cover for ``user``: one of hers, or all she may see.
    PermissionError when she may see none (or not the one asked for)."""
    allowed = results.visible_cohorts(user, course)  # None: an admin, every cohort
    if allowed is None:
        allowed = list(db.session.execute(select(Cohort).where(Cohort.course_id == course.id)
                                          .order_by(Cohort.starts_on, Cohort.id)).scalars())
    if cohort_id is None:
        return allowed
    chosen = [c for c in allowed if c.id == cohort_id]
    if not chosen:
        raise PermissionError("not a cohort this user may see")
    return chosen


def build(course: Course, cohorts: list[Cohort], locale: str, whole_course: bool = False) -> WorkshopReport:
    """The report for these cohorts of the course (the caller checked who may read it)."""
    now = utcnow()
    report = WorkshopReport(course=course, cohorts=cohorts, title=localized(course.titles, locale), made_at=now,
                            scope=str(_l("Every cohort of the course")) if whole_course and len(cohorts) != 1
                            else list_join(c.name for c in cohorts))
    ids = [c.id for c in cohorts]
    for cohort in cohorts:
        sessions = workshops.sessions_of(cohort)
        lists = workshops.rosters(cohort, sessions)
        for session in sessions:
            line = SessionLine(cohort.name, session.title, session.starts_at, session.starts_at <= now)
            for row in lists[session.id]:
                anonymous = row.key.startswith("w")
                if anonymous:
                    line.walk_ins += 1
                elif row.status is None:
                    line.unmarked += 1
                if row.status is not None:
                    setattr(line, row.status, getattr(line, row.status) + 1)
                if line.held and not row.walk_in:  # participants only: walk-ins came by definition
                    if row.status in workshops.ATTENDED:
                        report.attended += 1
                    if row.status != "excused":
                        report.counted += 1
            if line.held:
                report.anonymous_attendances += line.walk_ins
                report.largest_anonymous = max(report.largest_anonymous, line.walk_ins)
            report.sessions.append(line)
    report.sessions.sort(key=lambda s: (s.starts_at, s.cohort))
    if ids:
        report.participants = db.session.execute(select(func.count(distinct(CohortMember.user_id))).where(
            CohortMember.cohort_id.in_(ids), CohortMember.role == "participant")).scalar_one()
        members = select(CohortMember.user_id).where(CohortMember.cohort_id.in_(ids), CohortMember.role == "participant")
        report.account_walk_ins = db.session.execute(
            select(func.count(distinct(Attendance.user_id))).join(CohortSession, CohortSession.id == Attendance.session_id)
            .where(CohortSession.cohort_id.in_(ids), Attendance.user_id.is_not(None),
                   Attendance.user_id.not_in(members))).scalar_one()
        per_survey = db.session.execute(
            select(func.count(distinct(SurveyResponse.respondent_key))).where(
                SurveyResponse.cohort_id.in_(ids), SurveyResponse.source == "card",
                SurveyResponse.state == "submitted").group_by(SurveyResponse.survey_id)).scalars().all()
        report.card_respondents = max(per_survey, default=0)
    for slug, titles in _instruments(course):
        found = results.compute(course, slug, locale, cohorts=cohorts, later="post")
        if found is not None:
            report.surveys.append(InstrumentResults(localized(titles, locale), found))
    return report


def _instruments(course: Course) -> list[tuple[str, dict]]:
    """The before activity (slug, titles) of each instrument asked before and after, in the
    course's order: its results compare the two."""
    rows = db.session.execute(select(Survey.instrument, Survey.phase, Activity.slug, Activity.titles)
                              .join(Activity, Activity.id == Survey.activity_id)
                              .where(Activity.course_id == course.id).order_by(Activity.position)).all()
    seen: dict[str, tuple[str, dict]] = {}
    for instrument, phase, slug, titles in rows:
        if phase == "pre" and instrument not in seen:
            seen[instrument] = (slug, titles)
    return list(seen.values())


def table(report: WorkshopReport) -> list[list]:
    """The report as rows, for CSV: one measure per row, the same numbers as the PDF."""
    def num(x, digits=4):
        return "" if x is None else results.rounded(x, digits)

    rows: list[list] = [["section", "measure", "value", "detail"],
                        ["scope", "course", report.course.slug, report.title],
                        ["scope", "cohorts", len(report.cohorts), report.scope],
                        ["scope", "made_at", report.made_at.strftime("%Y-%m-%d %H:%M UTC"), ""],
                        ["sessions", "held", report.held, ""],
                        ["sessions", "planned", report.planned, ""],
                        ["reached", "participants_with_account", report.participants, "members of the cohorts"],
                        ["reached", "walk_ins_with_account", report.account_walk_ins, "marked at a session, not members"],
                        ["reached", "card_respondents", report.card_respondents,
                         "respondent cards that answered a survey (the instrument most answered)"],
                        ["reached", "anonymous_walk_in_attendances", report.anonymous_attendances,
                         "summed over sessions held: the same person may come to several"],
                        ["reached", "largest_anonymous_walk_ins_at_one_session", report.largest_anonymous, ""],
                        ["attendance", "participants_attended", report.attended, "present or late, sessions held"],
                        ["attendance", "participants_expected", report.counted, "sessions held, less excused"],
                        ["attendance", "rate", num(report.attendance_rate), "attended / expected"]]
    for s in report.sessions:
        rows.append(["session", s.title, s.in_the_room,
                     f"{s.cohort}; {s.starts_at.strftime('%Y-%m-%d %H:%M UTC')}; "
                     f"{'held' if s.held else 'planned'}; present {s.present}, late {s.late}, absent {s.absent}, "
                     f"excused {s.excused}, not marked {s.unmarked}, anonymous walk-ins {s.walk_ins}"])
    for found in report.surveys:
        r, name = found.results, found.results.instrument
        rows += [["survey", f"{name}: answered_before", r.pre, ""],
                 ["survey", f"{name}: answered_after", r.post, ""],
                 ["survey", f"{name}: matched", r.matched, f"shown from {r.k} matched people"],
                 ["survey", f"{name}: only_before", r.pre - r.matched, ""],
                 ["survey", f"{name}: only_after", r.post - r.matched, ""]]
        for phase, counts in r.by_source.items():
            for source in ("account", "card"):
                rows.append(["survey", f"{name}: answered_{phase}_{source}", counts.get(source, 0), ""])
        if r.score:
            t = r.score["t"]
            rows.append(["survey", f"{name}: knowledge_score_percent_before", num(r.score["pre_percent"]),
                         f"paired t, n {t['n']}"])
            rows.append(["survey", f"{name}: knowledge_score_percent_after", num(r.score["post_percent"]),
                         f"p {num(t['p'])}, d_z {num(t['d_z'])}"])
        for item in r.items:
            rows.append(["survey", f"{name}: item {item.id}", f"{num(item.pre)} -> {num(item.post)}",
                         f"{item.test}, n {item.n}, p {num(item.p)}, Holm {num(item.p_adjusted)}"])
        if r.self_report:
            rows.append(["survey", f"{name}: self_report_share_agreeing", num(r.self_report["share"]),
                         f"self-report, n {r.self_report['n']}: {r.self_report['label']}"])
    return rows
