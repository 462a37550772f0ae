"""A case exercise as a participant meets it: her role, the case file as released to her, her
team's submission, clarifications, results and reflection.

Every refusal is a ``CaseError`` with a message safe to show; nothing is changed when one is
raised. Who may see what is decided here, not in templates (docs/cases.md, "Who sees what").
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select
from sqlalchemy.orm import defer

from courses import services as course_services
from courses.cases import scoring, uploads
from courses.cases.models import (
    CaseAttachment,
    CaseClarification,
    CaseDocument,
    CaseExercise,
    CaseJudge,
    CasePeerReview,
    CaseReflection,
    CaseRun,
    CaseScore,
    CaseStage,
    CaseSubmission,
    CaseSubmissionVersion,
    CaseTeam,
    CaseTeamMember,
)
from courses.cases.settings import CaseSettings, Criterion
from courses.models import Activity, Course, localized
from training import timezones
from training.accounts import User
from training.cohorts import Cohort
from training.db import first_or_create, utcnow
from training.extensions import db
from training.progress import Enrolment, mark_complete
from training.refusals import Refusal

QUESTION_MAX = 1000
REFLECTION_MIN, REFLECTION_MAX = 50, 5000
SUBMISSION_MAX_CHARS = 200_000
# Saves by the same person within this time update her latest version instead of adding one.
VERSION_WINDOW = timedelta(minutes=5)


class CaseError(Refusal):
    """A case exercise's refusal; nothing was changed."""


@dataclass
class Stage:
    slug: str
    title: str
    opens: str | int
    opens_at: datetime | None
    opened_at: datetime | None
    open: bool


@dataclass
class RunState:
    """A run with what every page about it needs: its exercise, cohort, course and stages."""

    run: CaseRun
    exercise: CaseExercise
    cohort: Cohort
    course: Course
    activity_slug: str
    activity_title: str
    stages: list[Stage]
    now: datetime

    @cached_property
    def settings(self) -> CaseSettings:
        return self.exercise.settings

    @property
    def started(self) -> bool:
        return self.run.started_at is not None

    @property
    def open_stages(self) -> set[str]:
        return {s.slug for s in self.stages if s.open} if self.started else set()

    @property
    def submissions_closed(self) -> bool:
        return self.now > (self.run.late_until or self.run.submissions_due)

    @property
    def published(self) -> bool:
        return self.run.results_published_at is not None


@dataclass
class CaseContext:
    """The case page of one reader: the course's case and, if she is in a cohort running it, her part."""

    course: Course
    outline: course_services.Outline
    activity: course_services.ActivityView
    exercise: CaseExercise
    state: RunState | None = None
    team: CaseTeam | None = None
    judge: CaseJudge | None = None
    roles: set[str] = field(default_factory=set)  # the roles documents are released to for her
    sees_all: bool = False  # staff outside the run (trainers, admins) read every document


def run_state(run: CaseRun, locale: str, now: datetime | None = None) -> RunState:
    """Load what every page about ``run`` needs, in a fixed number of queries."""
    exercise = db.session.get(CaseExercise, run.exercise_id)
    activity = db.session.get(Activity, exercise.activity_id)
    course = db.session.get(Course, activity.course_id)
    cohort = db.session.get(Cohort, run.cohort_id)
    now = now or utcnow()
    rows = {s.slug: s for s in db.session.execute(select(CaseStage).where(CaseStage.run_id == run.id)).scalars()}
    stages = []
    for spec in exercise.settings.stages:
        row = rows.get(spec.slug)
        opens_at = row.opens_at if row else None
        opened_at = row.opened_at if row else None
        stages.append(Stage(slug=spec.slug, title=localized(spec.titles, locale), opens=spec.opens,
                            opens_at=opens_at, opened_at=opened_at,
                            open=opened_at is not None or (opens_at is not None and opens_at <= now)))
    return RunState(run=run, exercise=exercise, cohort=cohort, course=course, activity_slug=activity.slug,
                    activity_title=localized(activity.titles, locale), stages=stages, now=now)


def run_for_cohort(exercise: CaseExercise, cohort_id: int | None) -> CaseRun | None:
    if cohort_id is None:
        return None
    return db.session.execute(select(CaseRun).where(
        CaseRun.exercise_id == exercise.id, CaseRun.cohort_id == cohort_id)).scalar_one_or_none()


def not_running_for(user_id: int, activity_ids: list[int]) -> set[int]:
    """Of these case exercises, those not running for her (one statement): her cohort has not
    started a run of it, or she takes the course in no cohort. Her course goes on past them."""
    running = exists().where(CaseRun.exercise_id == CaseExercise.id, CaseRun.cohort_id == Enrolment.cohort_id,
                             CaseRun.started_at.is_not(None)).correlate(CaseExercise, Enrolment)
    return set(db.session.execute(
        select(CaseExercise.activity_id).join(Activity, Activity.id == CaseExercise.activity_id)
        .outerjoin(Enrolment, (Enrolment.course_id == Activity.course_id) & (Enrolment.user_id == user_id))
        .where(CaseExercise.activity_id.in_(activity_ids), ~running)).scalars())


def team_of(run: CaseRun, user: User) -> CaseTeam | None:
    return db.session.execute(select(CaseTeam).join(CaseTeamMember, CaseTeamMember.team_id == CaseTeam.id).where(
        CaseTeamMember.run_id == run.id, CaseTeamMember.user_id == user.id)).scalar_one_or_none()


def judge_of(run: CaseRun, user: User) -> CaseJudge | None:
    return db.session.execute(select(CaseJudge).where(
        CaseJudge.run_id == run.id, CaseJudge.user_id == user.id)).scalar_one_or_none()


def reader_roles(team: CaseTeam | None, judge: CaseJudge | None, in_cohort: bool) -> set[str]:
    """The roles a person reads the case file as.

    A team member reads as her side only, even if she also judges other teams: the bench memo
    would give her side an advantage. Anyone else in the cohort reads as observer.
    """
    if team is not None:
        return {team.side}
    if judge is not None:
        return {"judge"}
    return {"observer"} if in_cohort else set()


def case_context(course: Course, slug: str, user: User, locale: str) -> CaseContext | None:
    """The case page's context; None if the course has no such case. Raises CourseAccessError."""
    return course_services.activity_context(course, slug, "case", user, locale)


def load_case(course: Course, outline, activity, user: User, locale: str) -> CaseContext:
    """The case kind's context for its pages (``courses.cases.kind.Case.load``): the case, and the
    cohort's run of it with her team or judging seat, if there is one."""
    exercise = db.session.execute(select(CaseExercise).where(CaseExercise.activity_id == activity.id)).scalar_one()
    ctx = CaseContext(course=course, outline=outline, activity=activity, exercise=exercise)
    enrolment = outline.enrolment
    run = run_for_cohort(exercise, enrolment.cohort_id if enrolment else None)
    if run is not None:
        ctx.state = run_state(run, locale)
        ctx.team, ctx.judge = team_of(run, user), judge_of(run, user)
        ctx.roles = reader_roles(ctx.team, ctx.judge, in_cohort=True)
    ctx.sees_all = user.is_trainer and not ctx.roles
    return ctx


# --- the case file ------------------------------------------------------------------------------

@dataclass
class DocumentView:
    slug: str
    title: str
    stage_title: str
    html: str = ""
    lang: str = ""


def documents(exercise: CaseExercise) -> list[CaseDocument]:
    """The case's documents in order, without their HTML (a list needs only titles)."""
    return list(db.session.execute(select(CaseDocument).options(defer(CaseDocument.html)).where(
        CaseDocument.exercise_id == exercise.id).order_by(CaseDocument.position)).scalars())


def visible_documents(state: RunState | None, exercise: CaseExercise, roles: set[str], trainer: bool,
                      locale: str) -> list[DocumentView]:
    """The documents this reader may open now, in the case's order.

    Trainers see every document at any time (they prepare the run). Others see a document once
    its stage is open for their cohort and if it is released to one of their roles.
    """
    stage_titles = {s.slug: localized(s.titles, locale) for s in exercise.settings.stages}
    open_stages = state.open_stages if state else set()
    out = []
    for doc in documents(exercise):
        if trainer or (doc.stage in open_stages and roles & set(doc.roles)):
            out.append(DocumentView(slug=doc.slug, title=localized(doc.titles, locale),
                                    stage_title=stage_titles.get(doc.stage, doc.stage)))
    return out


def open_document(state: RunState | None, exercise: CaseExercise, roles: set[str], trainer: bool,
                  slug: str, locale: str) -> DocumentView | None:
    """One document in the reader's language; None if it does not exist, CaseError if not released to her."""
    doc = db.session.execute(select(CaseDocument).where(
        CaseDocument.exercise_id == exercise.id, CaseDocument.slug == slug)).scalar_one_or_none()
    if doc is None:
        return None
    if not trainer:
        if not roles & set(doc.roles):
            raise CaseError(_l("This document is not part of your case file."))
        if state is None or doc.stage not in state.open_stages:
            raise CaseError(_l("This document has not been released yet."))
    lang = locale if locale in doc.html else next(iter(doc.html))
    stage = exercise.settings.stage(doc.stage)
    return DocumentView(slug=doc.slug, title=localized(doc.titles, lang), html=doc.html[lang], lang=lang,
                        stage_title=localized(stage.titles, locale) if stage else doc.stage)


# --- the written submission ---------------------------------------------------------------------

def find_submission(team: CaseTeam) -> CaseSubmission | None:
    return db.session.execute(select(CaseSubmission).where(CaseSubmission.team_id == team.id)).scalar_one_or_none()


def draft_of(team: CaseTeam) -> CaseSubmission:
    """The team's submission to show: the stored one, or an empty one not stored (reading writes nothing)."""
    return find_submission(team) or CaseSubmission(team_id=team.id, text="", version=0)


def submission_of(team: CaseTeam) -> CaseSubmission:
    """The team's submission row, created empty when the team first writes, and locked until the
    transaction ends: teammates' saves take turns, so each numbers its version after the last."""
    return first_or_create(db.session, CaseSubmission, {"team_id": team.id}, {"text": "", "version": 0})


def read_submission(team: CaseTeam) -> CaseSubmission | None:
    """The team's submission as it is now (None before anyone wrote), without a lock: for reading
    only. A lock taken by a read would keep teammates' saves waiting until the reader's
    transaction ends."""
    return db.session.execute(select(CaseSubmission).filter_by(team_id=team.id)
                              .execution_options(populate_existing=True)).scalar_one_or_none()


# Chinese, Japanese and Korean characters: each counts as a word, as Chinese readers count 字.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002fa1f"
_CJK_CHARACTER = re.compile(f"[{_CJK}]")
# Any other run of letters, digits and marks, joined by an apostrophe or hyphen ("don't",
# "survivor-centred"); punctuation of any width (，。、—) is no word.
_WORD = re.compile(f"(?:(?![{_CJK}])[^\\W_])+(?:['’-](?:(?![{_CJK}])[^\\W_])+)*")


def count_words(text: str) -> int:
    """Words as a reader counts them: each Chinese, Japanese or Korean character, plus each word
    of other scripts ("保护令 order 申请" is 6; "申请保护令。" is 5; "2022年" is 2)."""
    return len(_CJK_CHARACTER.findall(text)) + len(_WORD.findall(text))


def _check_can_write(state: RunState, team: CaseTeam | None, submission: CaseSubmission | None) -> None:
    if team is None:
        raise CaseError(_l("Only members of a team write a submission."))
    if not state.started:
        raise CaseError(_l("The exercise has not started yet."))
    if submission is not None and submission.submitted_at is not None:
        raise CaseError(_l("Your team has already submitted; the submission can no longer be changed."))
    if state.submissions_closed:
        raise CaseError(_l("The deadline for submissions has passed."))


@dataclass
class Conflict:
    """A save that would have replaced text a teammate saved since her editor loaded it: the
    team's text stays the teammate's, hers is kept aside as a version of its own."""

    their_text: str  # the team's text now
    their_version: int  # its version: what her editor starts from once she has merged
    their_author: str  # the handle of the teammate who saved it
    kept_version: int  # the number of the version holding her text


def save_draft(state: RunState, team: CaseTeam | None, user: User, text: str,
               base_version: int | None) -> tuple[CaseSubmission, Conflict | None]:
    """Save the team's draft text; returns (submission, conflict or None).

    ``base_version`` is the version her editor started from. If a teammate saved since, the
    team's text is not replaced: hers is kept as a version of its own above the team's
    (``Conflict``), so that she can compare both and merge, then save from the teammate's
    version. No one's words are lost and nothing is replaced unseen.

    Her saves within VERSION_WINDOW update her latest version instead of adding one, but every
    save of the team's text gives it a new number (the updated version is renumbered): a number
    is what an editor started from, so a teammate's save after any change is seen as a conflict.
    """
    text = (text or "").replace("\r\n", "\n")
    if len(text) > SUBMISSION_MAX_CHARS:
        raise CaseError(_l("The submission is too long."))
    submission = submission_of(team) if team is not None else None
    _check_can_write(state, team, submission)
    if text == submission.text:
        return submission, None
    latest = db.session.execute(select(CaseSubmissionVersion).where(
        CaseSubmissionVersion.submission_id == submission.id,
        CaseSubmissionVersion.number == submission.version)).scalar_one_or_none()
    # The team's text is a teammate's, saved after her editor loaded: hers must not replace it
    # unseen. Her own newer version (another tab, a save in flight) is no conflict.
    conflict = (base_version is not None and base_version < submission.version and latest is not None
                and latest.author_id != user.id)
    now = utcnow()
    if conflict:
        # Her text kept aside since her editor loaded, saved within minutes, is updated (and
        # numbered above the team's again) rather than joined by another.
        kept = db.session.execute(select(CaseSubmissionVersion).where(
            CaseSubmissionVersion.submission_id == submission.id, CaseSubmissionVersion.author_id == user.id,
            CaseSubmissionVersion.number > base_version, CaseSubmissionVersion.number != submission.version,
        ).order_by(CaseSubmissionVersion.number.desc()).limit(1)).scalar_one_or_none()
        if kept is not None and now - kept.saved_at < VERSION_WINDOW:
            kept.number = _next_number(submission)
            kept.text, kept.saved_at = text, now
        else:
            kept = CaseSubmissionVersion(submission_id=submission.id, number=_next_number(submission),
                                         author_id=user.id, text=text, saved_at=now)
            db.session.add(kept)
        author = db.session.get(User, latest.author_id) if latest.author_id is not None else None
        return submission, Conflict(their_text=submission.text, their_version=submission.version,
                                    their_author=author.handle if author is not None else "—",
                                    kept_version=kept.number)
    if latest is not None and latest.author_id == user.id and now - latest.saved_at < VERSION_WINDOW:
        submission.version = latest.number = _next_number(submission)
        latest.text, latest.saved_at = text, now
    else:
        submission.version = _next_number(submission)
        db.session.add(CaseSubmissionVersion(submission_id=submission.id, number=submission.version,
                                             author_id=user.id, text=text, saved_at=now))
    submission.text, submission.updated_at = text, now
    return submission, None


def _next_number(submission: CaseSubmission) -> int:
    """The number of a new version: after every saved one, the team's and those kept aside (the
    submission's row lock makes teammates' saves take turns)."""
    return (db.session.execute(select(func.max(CaseSubmissionVersion.number)).where(
        CaseSubmissionVersion.submission_id == submission.id)).scalar_one() or 0) + 1


def is_kept_aside(submission: CaseSubmission, version: CaseSubmissionVersion) -> bool:
    """Whether the version holds text kept aside in a conflict and not merged since (numbered
    above the team's text)."""
    return version.number > submission.version


def kept_version(submission: CaseSubmission, versions: list[tuple[CaseSubmissionVersion, str]], user: User,
                 number: int | None) -> CaseSubmissionVersion | None:
    """Her version ``number`` if it is still kept aside (she has not merged it since); else None."""
    return next((v for v, _who in versions if v.number == number and v.author_id == user.id
                 and is_kept_aside(submission, v)), None)


def versions(submission: CaseSubmission) -> list[tuple[CaseSubmissionVersion, str]]:
    """Every saved version, newest first, with its author's handle."""
    if submission.id is None:
        return []
    rows = db.session.execute(
        select(CaseSubmissionVersion, User.handle).outerjoin(User, User.id == CaseSubmissionVersion.author_id)
        .where(CaseSubmissionVersion.submission_id == submission.id)
        .order_by(CaseSubmissionVersion.number.desc())).all()
    return [(v, handle or "—") for v, handle in rows]


def attach(state: RunState, team: CaseTeam | None, user: User, filename: str, data: bytes) -> CaseAttachment:
    """Attach a PDF or DOCX (replacing an earlier one); checked by content, at most 10 MB, stored
    without the metadata that could name its author (uploads.strip_metadata)."""
    submission = submission_of(team) if team is not None else None
    _check_can_write(state, team, submission)
    try:
        mimetype = uploads.sniff(data)
        data = uploads.strip_metadata(data, mimetype)  # judges mark blind: no author's name in the file
    except uploads.UploadRefused as refused:
        raise CaseError({
            "empty": _l("The file is empty."),
            "too_large": _l("The file is larger than 10 MB."),
            "not_allowed": _l("Attach a PDF or a Word (.docx) document; this file is neither."),
            "encrypted": _l("This file is protected by a password or restrictions, so the author's name "
                            "cannot be removed from it. Save a copy without protection and attach that."),
            "unreadable": _l("This file could not be read to remove the author's name from it; it may be "
                             "damaged. Save it again as PDF or Word (.docx) and attach the new copy."),
            "too_complex": _l("This Word document unpacks to too much (over 100 MB, more than 2,000 parts, or "
                              "documents embedded in embedded documents). Save it as PDF and attach that."),
        }[refused.reason]) from None
    row = db.session.execute(select(CaseAttachment).where(
        CaseAttachment.submission_id == submission.id)).scalar_one_or_none()
    if row is None:
        row = CaseAttachment(submission_id=submission.id)
        db.session.add(row)
    row.filename = uploads.safe_filename(filename, mimetype)
    row.mimetype, row.size, row.data = mimetype, len(data), data
    row.sha256 = hashlib.sha256(data).hexdigest()
    row.uploaded_by_id, row.uploaded_at = user.id, utcnow()
    submission.updated_at = utcnow()
    return row


def attachment_of(submission: CaseSubmission | None) -> CaseAttachment | None:
    if submission is None or submission.id is None:
        return None
    return db.session.execute(select(CaseAttachment).where(
        CaseAttachment.submission_id == submission.id)).scalar_one_or_none()


def submit(state: RunState, team: CaseTeam | None, user: User, version: int | None) -> CaseSubmission:
    """Make the team's submission final. Late (after the deadline, before the late limit) is flagged.

    ``version`` is the version she saw when she pressed Submit: if a teammate changed the text
    since, she is asked to look again rather than submit words she has not read.
    """
    submission = check_submittable(state, team, version)
    now = utcnow()
    submission.submitted_at, submission.submitted_by_id = now, user.id
    submission.late = now > state.run.submissions_due
    return submission


def check_submittable(state: RunState, team: CaseTeam | None, version: int | None) -> CaseSubmission:
    """The team's submission if ``submit`` would accept it now (what the confirmation page asks
    her to make final); CaseError saying why not otherwise. Changes nothing."""
    submission = submission_of(team) if team is not None else None
    _check_can_write(state, team, submission)
    if version is not None and version != submission.version:
        raise CaseError(_l("A teammate changed the submission since you opened it. Read it again, then submit."))
    if not submission.text.strip() and attachment_of(submission) is None:
        raise CaseError(_l("The submission is empty: write it, or attach a document."))
    limit = state.settings.max_words
    if limit and count_words(submission.text) > limit:
        raise CaseError(_l("The submission has %(words)d words; at most %(limit)d are allowed.",
                           words=count_words(submission.text), limit=limit))
    return submission


# --- clarifications -----------------------------------------------------------------------------

def ask(state: RunState, user: User, in_run: bool, question: str) -> CaseClarification:
    """A participant's question to the trainer, until submissions close."""
    question = (question or "").strip()
    if not in_run:
        raise CaseError(_l("Only the people taking part in this exercise may ask questions."))
    if not state.started or state.submissions_closed:
        raise CaseError(_l("Questions can be asked while the exercise is open, before the deadline."))
    if not question:
        raise CaseError(_l("Write your question."))
    if len(question) > QUESTION_MAX:
        raise CaseError(_l("A question may be at most %(n)d characters.", n=QUESTION_MAX))
    row = CaseClarification(run_id=state.run.id, asked_by_id=user.id, question=question)
    db.session.add(row)
    return row


def published_clarifications(run: CaseRun) -> list[CaseClarification]:
    return list(db.session.execute(select(CaseClarification).where(
        CaseClarification.run_id == run.id, CaseClarification.published_at.is_not(None))
        .order_by(CaseClarification.published_at)).scalars())


def my_questions(run: CaseRun, user: User) -> list[CaseClarification]:
    return list(db.session.execute(select(CaseClarification).where(
        CaseClarification.run_id == run.id, CaseClarification.asked_by_id == user.id,
        CaseClarification.published_at.is_(None)).order_by(CaseClarification.asked_at)).scalars())


# --- results ------------------------------------------------------------------------------------

def results(state: RunState) -> dict[int, scoring.TeamResult]:
    """Every team's result (team id -> result), ranked, in four queries."""
    run = state.run
    teams = list(db.session.execute(select(CaseTeam).where(CaseTeam.run_id == run.id)).scalars())
    penalties = dict(db.session.execute(select(CaseSubmission.team_id, CaseSubmission.penalty).join(
        CaseTeam, CaseTeam.id == CaseSubmission.team_id).where(CaseTeam.run_id == run.id)).all())
    written: dict[int, list] = {}
    oral: dict[int, list] = {}
    for score in db.session.execute(select(CaseScore).where(CaseScore.run_id == run.id)).scalars():
        if score.kind == "written":
            written.setdefault(score.team_id, []).append((score.percent, score.marks))
        else:
            oral.setdefault(score.team_id, []).append(score.percent)
    has_oral = bool(state.settings.oral_rubric)
    out = {}
    for team in teams:
        result = scoring.team_result(state.settings.weights, written.get(team.id, []), oral.get(team.id, []),
                                     penalties.get(team.id) or 0.0, has_oral)
        result.team_id = team.id
        out[team.id] = result
    scoring.rank(list(out.values()))
    return out


@dataclass
class MyResult:
    team: CaseTeam
    result: scoring.TeamResult
    passed: bool
    show_rank: bool
    teams: int
    feedback: list[tuple[str, str]]  # (who, text): judges as "Judge A", peer reviewers as "Team n"
    penalty_reason: str | None
    criteria: list[tuple[str, float, int]]  # (title, mean mark, top of the scale)
    reflection: CaseReflection | None
    completed: bool


def my_result(state: RunState, team: CaseTeam | None, user: User, locale: str) -> MyResult:
    """Her team's published result, feedback and her reflection. CaseError before publication."""
    if team is None:
        raise CaseError(_l("Results are shown to the members of a team."))
    if not state.published:
        raise CaseError(_l("The results have not been published yet."))
    every = results(state)
    result = every[team.id]
    scores = db.session.execute(select(CaseScore).where(
        CaseScore.team_id == team.id).order_by(CaseScore.kind.desc(), CaseScore.judge_id)).scalars()
    judge_letters: dict[int, str] = {}
    feedback = []
    for score in scores:
        letter = judge_letters.setdefault(score.judge_id, chr(ord("A") + len(judge_letters)))
        if score.feedback:
            label = _l("Judge %(letter)s, written submission", letter=letter) if score.kind == "written" \
                else _l("Judge %(letter)s, hearing", letter=letter)
            feedback.append((str(label), score.feedback))
    reviews = db.session.execute(select(CasePeerReview, CaseTeam.number).join(
        CaseTeam, CaseTeam.id == CasePeerReview.reviewer_team_id).where(
        CasePeerReview.team_id == team.id, CasePeerReview.submitted_at.is_not(None))).all()
    for review, number in reviews:
        if review.feedback:
            feedback.append((str(_l("Peer review by team %(n)d", n=number)), review.feedback))
    rubric = state.settings.written_rubric
    criteria = []
    for c in rubric.criteria or [Criterion(slug="total", titles={"en": str(_l("Total"))}, weight=1.0)]:
        if c.slug in result.criteria:
            top = scoring.BAND_HIGH if rubric.banded else len(c.levels)
            criteria.append((localized(c.titles, locale), result.criteria[c.slug], top))
    submission = db.session.execute(select(CaseSubmission).where(CaseSubmission.team_id == team.id)).scalar_one_or_none()
    reflection = db.session.execute(select(CaseReflection).where(
        CaseReflection.run_id == state.run.id, CaseReflection.user_id == user.id)).scalar_one_or_none()
    passed = bool(submission and submission.submitted_at and result.final is not None
                  and result.final >= state.settings.pass_mark)
    return MyResult(team=team, result=result, passed=passed, show_rank=state.run.show_rank,
                    teams=len(every), feedback=feedback,
                    penalty_reason=submission.penalty_reason if submission and submission.penalty else None,
                    criteria=criteria, reflection=reflection,
                    completed=passed and reflection is not None)


def write_reflection(state: RunState, team: CaseTeam | None, user: User, activity_id: int, text: str,
                     locale: str) -> bool:
    """Save her reflection (once; she may edit it); True if this completed the exercise for her.

    The exercise is complete for a team member when her team submitted, its published final
    score is at least the pass mark, and she has written her reflection.
    """
    mine = my_result(state, team, user, locale)
    text = (text or "").strip()
    if len(text) < REFLECTION_MIN:
        raise CaseError(_l("Write at least %(n)d characters: what went well, what you would do differently.",
                           n=REFLECTION_MIN))
    if len(text) > REFLECTION_MAX:
        raise CaseError(_l("A reflection may be at most %(n)d characters.", n=REFLECTION_MAX))
    if mine.reflection is None:
        db.session.add(CaseReflection(run_id=state.run.id, user_id=user.id, text=text))
    else:
        mine.reflection.text, mine.reflection.written_at = text, utcnow()
    return mine.passed and mark_complete(user, activity_id)


def team_members(team: CaseTeam) -> list[User]:
    return list(db.session.execute(select(User).join(CaseTeamMember, CaseTeamMember.user_id == User.id).where(
        CaseTeamMember.team_id == team.id).order_by(User.handle_key)).scalars())


def default_due(cohort: Cohort, days: int) -> datetime:
    """"Due day N": the end (23:59:59 in the cohort's time zone) of the day ``days`` after the
    cohort starts, in UTC."""
    return timezones.end_of_day(cohort.starts_on + timedelta(days=days), cohort.timezone)


def day_start(cohort: Cohort, days: int) -> datetime:
    """The beginning (00:00 in the cohort's time zone) of the day ``days`` after it starts, in UTC."""
    return timezones.start_of_day(cohort.starts_on + timedelta(days=days), cohort.timezone)
