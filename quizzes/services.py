"""Taking quizzes: attempts, answers saved as given, submitting once, grading, marking essays.

Every function checks who is asking; views only translate exceptions into pages.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import timedelta
from statistics import mean

from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload

from courses import services as course_services
from courses.models import Activity, Course, localized
from quizzes.grading import clean_response, earned_answer, earned_answers, grade, matching_items, normalise_text
from quizzes.models import Quiz, QuizAttempt, QuizQuestion, QuizResponse
from quizzes.questions import Question
from quizzes.rendering import render_text
from training import messages
from training.accounts import User
from training.cohorts import Cohort, CohortMember
from training.db import locked, utcnow
from training.extensions import db
from training.progress import mark_complete
from training.refusals import Refusal

# Answers sent this long after the deadline still count: the request left before it passed.
DEADLINE_GRACE = timedelta(seconds=30)


class QuizError(Refusal):
    """A quiz's refusal; nothing was changed."""


class NotAllowed(QuizError):
    pass


@dataclass
class QuizContext:
    course: Course
    outline: course_services.Outline
    activity: course_services.ActivityView
    quiz: Quiz


def quiz_context(course: Course, slug: str, user: User, locale: str) -> QuizContext | None:
    """The quiz activity ``slug`` of ``course`` as the user may see it; None if there is none.

    Raises the course's NotEnrolled / Locked refusals.
    """
    return course_services.activity_context(course, slug, "quiz", user, locale)


def load_quiz(course: Course, outline: course_services.Outline, activity: course_services.ActivityView) -> QuizContext:
    """The quiz kind's context for its pages (``quizzes.kind.Quiz.load``)."""
    quiz = db.session.execute(select(Quiz).where(Quiz.activity_id == activity.id)).scalar_one()
    return QuizContext(course=course, outline=outline, activity=activity, quiz=quiz)


def quiz_with_course(quiz_id: int) -> Quiz:
    """The quiz with its activity and the activity's course (``Quiz.activity``,
    ``Activity.course``), in one query."""
    return db.session.execute(select(Quiz).where(Quiz.id == quiz_id)
                              .options(joinedload(Quiz.activity).joinedload(Activity.course))).scalar_one()


def attempts_of(quiz: Quiz, user: User) -> list[QuizAttempt]:
    return list(db.session.execute(select(QuizAttempt).where(
        QuizAttempt.quiz_id == quiz.id, QuizAttempt.user_id == user.id).order_by(QuizAttempt.number)).scalars())


def quiz_grade(quiz: Quiz, attempts: list[QuizAttempt]) -> float | None:
    """The quiz's grade by its grading method, over finished, fully marked attempts."""
    scores = [a.score for a in attempts if a.state == "finished" and a.score is not None]
    if not scores:
        return None
    return {"highest": max, "last": lambda s: s[-1], "first": lambda s: s[0], "average": mean}[quiz.grading](scores)


@dataclass
class QuizSummary:
    attempts: list[QuizAttempt]
    grade: float | None
    passed: bool
    pending: bool  # a finished attempt waits for a trainer's marking
    in_progress: QuizAttempt | None
    attempts_left: int | None  # None: unlimited
    can_start: bool


def summary(quiz: Quiz, user: User) -> QuizSummary:
    """What the participant has done in this quiz and what she may do next."""
    attempts = attempts_of(quiz, user)
    grade_value = quiz_grade(quiz, attempts)
    finished = [a for a in attempts if a.state == "finished"]
    in_progress = next((a for a in attempts if a.state == "in_progress"), None)
    passed = bool(finished) and (quiz.pass_mark is None or (grade_value is not None and grade_value >= quiz.pass_mark))
    left = None if not quiz.attempts_allowed else max(0, quiz.attempts_allowed - len(attempts))
    return QuizSummary(
        attempts=attempts, grade=grade_value, passed=passed,
        pending=any(a.needs_marking for a in finished), in_progress=in_progress,
        attempts_left=left, can_start=in_progress is not None or left is None or left > 0,
    )


def waiting_for_marks(user_id: int, activity_ids: list[int]) -> set[int]:
    """Of these quiz activities, those she has submitted an attempt of whose only missing points
    are essays waiting for a trainer's mark (one statement). Such a quiz opens the next module of
    a sequential course; it is complete once marked and passed (docs/authoring.md)."""
    return set(db.session.execute(
        select(Quiz.activity_id).join(QuizAttempt, QuizAttempt.quiz_id == Quiz.id)
        .where(QuizAttempt.user_id == user_id, QuizAttempt.state == "finished",
               QuizAttempt.needs_marking.is_(True), Quiz.activity_id.in_(activity_ids))
        .distinct()).scalars())


def active_questions(quiz: Quiz) -> list[QuizQuestion]:
    """The questions a new attempt asks: the quiz's own, or its bank category's."""
    if quiz.bank_category:
        course_id = select(Activity.course_id).where(Activity.id == quiz.activity_id).scalar_subquery()
        query = select(QuizQuestion).where(
            QuizQuestion.quiz_id.is_(None), QuizQuestion.course_id == course_id,
            QuizQuestion.category == quiz.bank_category, QuizQuestion.active.is_(True),
        ).order_by(QuizQuestion.position, QuizQuestion.id)
    else:
        query = select(QuizQuestion).where(
            QuizQuestion.quiz_id == quiz.id, QuizQuestion.active.is_(True)).order_by(QuizQuestion.position)
    return list(db.session.execute(query).scalars())


def _shown_order(q: QuizQuestion, shuffle: bool, rng: random.Random) -> list[int]:
    data = q.data
    count = len(data["pairs"]) if q.kind == "matching" else len(data["choices"])
    order = list(range(count))
    shuffled_kinds = ("single", "multi", "matching") + (("missingword",) if data.get("missingword_kind") == "single" else ())
    if (shuffle and q.kind in shuffled_kinds) or q.kind == "matching":  # matching answers always mixed
        rng.shuffle(order)
    return order


def start_attempt(ctx: QuizContext, user: User) -> QuizAttempt:
    """Resume the attempt in progress, or start a new one if attempts remain."""
    if not ctx.outline.enrolled:
        raise NotAllowed(_l("Enrol in the course to take its quizzes."))
    state = summary(ctx.quiz, user)
    if state.in_progress is not None:
        return state.in_progress
    if not state.can_start:
        raise NotAllowed(_l("You have used all the attempts this quiz allows."))
    rng = random.Random()
    questions = active_questions(ctx.quiz)
    if not any(q.kind != "description" for q in questions):
        raise NotAllowed(_l("This quiz has no questions yet. Your trainer will add them."))
    if ctx.quiz.shuffle_questions:
        rng.shuffle(questions)
    now = utcnow()
    attempt = QuizAttempt(
        quiz_id=ctx.quiz.id, user_id=user.id, number=len(state.attempts) + 1, started_at=now,
        deadline_at=now + timedelta(minutes=ctx.quiz.time_limit_minutes) if ctx.quiz.time_limit_minutes else None,
        question_ids=[q.id for q in questions],
        choice_orders={str(q.id): _shown_order(q, ctx.quiz.shuffle_answers, rng) for q in questions},
    )
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
    except IntegrityError:  # started in another tab at the same moment: use that one
        existing = summary(ctx.quiz, user).in_progress
        if existing is None:
            raise
        return existing
    return attempt


def own_attempt(attempt_id: int, user: User) -> QuizAttempt:
    attempt = db.session.get(QuizAttempt, attempt_id)
    if attempt is None or attempt.user_id != user.id:
        # Another person's attempt looks exactly like a missing one.
        raise LookupError(attempt_id)
    return attempt


def deadline_passed(attempt: QuizAttempt) -> bool:
    """True once the attempt's time limit (with a short grace for requests under way) is over."""
    return attempt.deadline_at is not None and utcnow() > attempt.deadline_at + DEADLINE_GRACE


def _questions_of(attempt: QuizAttempt) -> dict[int, QuizQuestion]:
    rows = db.session.execute(select(QuizQuestion).where(QuizQuestion.id.in_(attempt.question_ids))).scalars()
    return {q.id: q for q in rows}


def save_answers(attempt: QuizAttempt, user: User, raw: dict[int, object]) -> int:
    """Store the given answers (question id -> submitted value) of an attempt in progress.

    All or nothing: one value that does not belong to its question (a tampered form) refuses
    the whole save. Returns how many answers were stored.
    """
    if attempt.user_id != user.id:
        raise LookupError(attempt.id)
    # Autosaves and the submit of one attempt take turns (another tab, a save still in flight):
    # each sees what the one before it committed, so no answer is inserted twice or lost.
    db.session.execute(locked(select(QuizAttempt).where(QuizAttempt.id == attempt.id))).scalar_one()
    if attempt.state != "in_progress":
        raise QuizError(_l("This attempt has been submitted; answers can no longer change."))
    if deadline_passed(attempt):
        raise QuizError(_l("The time for this attempt is over; your answers saved before it ended count."))
    questions = _questions_of(attempt)
    cleaned = {}
    for question_id, value in raw.items():
        row = questions.get(question_id)
        if row is None:
            raise QuizError(_l("An answer did not belong to this attempt. Nothing was saved; reload the page."))
        try:
            cleaned[question_id] = clean_response(Question.from_dict(row.data), value)
        except ValueError:
            raise QuizError(_l("An answer did not fit its question. Nothing was saved; reload the page.")) from None
    existing = {r.question_id: r for r in db.session.execute(select(QuizResponse).where(
        QuizResponse.attempt_id == attempt.id, QuizResponse.question_id.in_(list(cleaned)))).scalars()}
    now = utcnow()
    for question_id, value in cleaned.items():
        row = existing.get(question_id)
        if row is None:
            db.session.add(QuizResponse(attempt_id=attempt.id, question_id=question_id, value=value, saved_at=now))
        elif row.value != value:
            row.value, row.saved_at = value, now
    return len(cleaned)


def responses_of(attempt: QuizAttempt) -> dict[int, QuizResponse]:
    return {r.question_id: r for r in db.session.execute(
        select(QuizResponse).where(QuizResponse.attempt_id == attempt.id)).scalars()}


def _score(attempt: QuizAttempt, questions: dict[int, QuizQuestion], responses: dict[int, QuizResponse]) -> None:
    total = earned = 0.0
    pending = False
    for question_id in attempt.question_ids:
        q = questions[question_id]
        if q.kind == "description" or not q.points:
            continue
        total += q.points
        response = responses.get(question_id)
        fraction = response.fraction if response is not None else (None if q.kind == "essay" else 0.0)
        if fraction is None:
            pending = True
        else:
            earned += q.points * fraction
    attempt.needs_marking = pending
    attempt.score = None if pending else (round(100 * earned / total, 2) if total else 100.0)


def finish(attempt: QuizAttempt, user: User) -> bool:
    """Submit the attempt: grade it and record completion. True if this call submitted it.

    A second submit (double click, another tab, a retried request) finds the attempt already
    finished and changes nothing: the state changes with a conditional UPDATE, so only one
    request can win.
    """
    if attempt.user_id != user.id:
        raise LookupError(attempt.id)
    result = db.session.execute(
        update(QuizAttempt).where(QuizAttempt.id == attempt.id, QuizAttempt.state == "in_progress")
        .values(state="finished", submitted_at=utcnow()).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.refresh(attempt)
        return False
    db.session.refresh(attempt)
    questions = _questions_of(attempt)
    responses = responses_of(attempt)
    for question_id, response in responses.items():
        q = questions[question_id]
        response.fraction = grade(Question.from_dict(q.data), response.value)
    _score(attempt, questions, responses)
    _record_completion(attempt.quiz_id, user)
    return True


def submit(attempt: QuizAttempt, user: User, raw: dict[int, object]) -> bool:
    """Save the answers sent with "Submit and finish", then finish the attempt; True if this
    call submitted it.

    When another request submitted it first (a double click, another tab) or its time is over,
    the answers saved before count and this is not an error. A tampered answer on an attempt
    still open refuses the submit (QuizError), and nothing changes."""
    try:
        save_answers(attempt, user, raw)
    except QuizError:
        if attempt.state == "in_progress" and not deadline_passed(attempt):
            raise
    return finish(attempt, user)


def close_if_expired(attempt: QuizAttempt, user: User) -> bool:
    """Submit an attempt whose time ran out; True if it was closed now."""
    if attempt.state == "in_progress" and deadline_passed(attempt):
        return finish(attempt, user)
    return False


def _record_completion(quiz_id: int, user: User) -> None:
    quiz = db.session.get(Quiz, quiz_id)
    if summary(quiz, user).passed:
        mark_complete(user, quiz.activity_id)


@dataclass
class ShownQuestion:
    id: int
    number: int
    kind: str
    question: Question
    rendered: dict
    order: list[int]  # choice (or matching answer) indices in the order shown
    value: object = None  # the saved answer
    fraction: float | None = None
    feedback: list[str] = field(default_factory=list)  # safe HTML, each rendered by its own format
    marker_comment: str | None = None


def in_language(q: QuizQuestion, lang: str | None) -> tuple[Question, dict]:
    """The question as shown to a reader of ``lang``: its translation's texts when the quiz has
    one (quizzes/package.py), else the quiz's own. Grading always uses ``q.data``."""
    variant = (q.rendered.get("languages") or {}).get(lang) if lang else None
    if variant is None:
        return Question.from_dict(q.data), q.rendered
    return Question.from_dict(variant["question"]), variant


_RENDERED_FEEDBACK = {"choice": "choice_feedback", "numeric": "numeric_feedback", "other": "other_feedback"}


def rendered_feedback(question: Question, rendered: dict, response) -> list[str]:
    """The feedback this response earned, as the safe HTML made at sync (``rendered``), so a
    review renders no Markdown: a worker serving quiz pages never loads Python-Markdown (issue
    #22). A question stored before a part was rendered falls back to rendering it now."""
    out = []
    for place in earned_answers(question, response):
        answer = earned_answer(question, place)
        if not answer.feedback:
            continue
        part, i = place
        html = rendered.get(_RENDERED_FEEDBACK[part])
        if part == "other":
            out.append(html if isinstance(html, str) else
                       render_text(answer.feedback, answer.feedback_format or question.text_format))
        elif isinstance(html, list) and i < len(html):
            out.append(html[i])
        else:
            out.append(render_text(answer.feedback, answer.feedback_format or question.text_format))
    return out


def shown_questions(attempt: QuizAttempt, questions: dict[int, QuizQuestion] | None = None,
                    lang: str | None = None) -> list[ShownQuestion]:
    """The attempt's questions in its order, with the saved answers (two queries)."""
    questions = questions if questions is not None else _questions_of(attempt)
    responses = responses_of(attempt)
    shown, number = [], 0
    for question_id in attempt.question_ids:
        q = questions[question_id]
        if q.kind != "description":
            number += 1
        response = responses.get(question_id)
        question, rendered = in_language(q, lang)
        feedback = rendered_feedback(question, rendered, response.value) if response else []
        if response and not feedback and rendered is not q.rendered:
            # Shown in translation: a short answer typed in the quiz's own language has its feedback there.
            feedback = rendered_feedback(Question.from_dict(q.data), q.rendered, response.value)
        shown.append(ShownQuestion(
            id=q.id, number=number, kind=q.kind, question=question, rendered=rendered,
            order=attempt.choice_orders.get(str(q.id), []),
            value=response.value if response else None,
            fraction=response.fraction if response else None,
            feedback=feedback,
            marker_comment=response.marker_comment if response else None,
        ))
    return shown


def can_review(viewer: User, attempt: QuizAttempt) -> bool:
    """The participant herself, admins, and trainers of a cohort she is in for this course."""
    if not viewer.is_authenticated:
        return False
    if viewer.id == attempt.user_id or viewer.is_admin:
        return True
    if not viewer.is_trainer:
        return False
    return _trainer_covers(viewer, attempt.user_id, attempt.quiz_id)


def _covers(trainer_id: int, participant_id, course_id):
    """SQL: whether the trainer marks this participant's work in the course: he runs a cohort of
    the course she is in; or she takes the course in none of its cohorts (self-enrolled) and he
    runs any cohort of it. Admins mark everyone's (docs/authoring.md, "Who marks essays")."""
    runs, member = aliased(CohortMember), aliased(CohortMember)
    runs_cohort, member_cohort = aliased(Cohort), aliased(Cohort)
    same_cohort = exists().where(
        runs.user_id == trainer_id, runs.role == "trainer", member.cohort_id == runs.cohort_id,
        member.user_id == participant_id, runs_cohort.id == runs.cohort_id, runs_cohort.course_id == course_id)
    in_a_cohort = exists().where(
        member.user_id == participant_id, member.role == "participant",
        member_cohort.id == member.cohort_id, member_cohort.course_id == course_id)
    runs_one = exists().where(
        runs.user_id == trainer_id, runs.role == "trainer", runs_cohort.id == runs.cohort_id,
        runs_cohort.course_id == course_id)
    return or_(same_cohort, and_(~in_a_cohort, runs_one))


def _trainer_covers(trainer: User, participant_id: int, quiz_id: int) -> bool:
    course_id = select(Activity.course_id).join(Quiz, Quiz.activity_id == Activity.id).where(
        Quiz.id == quiz_id).scalar_subquery()
    return bool(db.session.execute(select(_covers(trainer.id, participant_id, course_id))).scalar())


@dataclass
class MarkingItem:
    response: QuizResponse
    attempt: QuizAttempt
    participant: User
    question: ShownQuestion
    course_title: str
    quiz_title: str


def marking_queue(trainer: User, locale: str) -> list[MarkingItem]:
    """Essay answers waiting for a mark, from the participants this trainer may mark: those of
    the cohorts he runs, and in a course he runs a cohort of, those who take it outside cohorts."""
    if not trainer.is_trainer:
        raise NotAllowed(_l("Only trainers mark answers."))
    query = (
        select(QuizResponse, QuizAttempt, User, QuizQuestion, Course, Activity)
        .join(QuizAttempt, QuizAttempt.id == QuizResponse.attempt_id)
        .join(User, User.id == QuizAttempt.user_id)
        .join(QuizQuestion, QuizQuestion.id == QuizResponse.question_id)
        .join(Quiz, Quiz.id == QuizAttempt.quiz_id)
        .join(Activity, Activity.id == Quiz.activity_id)
        .join(Course, Course.id == Activity.course_id)
        .where(QuizAttempt.state == "finished", QuizResponse.fraction.is_(None), QuizQuestion.kind == "essay")
        .order_by(QuizAttempt.submitted_at)
    )
    if not trainer.is_admin:
        query = query.where(_covers(trainer.id, User.id, Course.id))
    items = []
    for response, attempt, participant, question, course, activity in db.session.execute(query):
        q, rendered = in_language(question, locale)
        items.append(MarkingItem(
            response=response, attempt=attempt, participant=participant,
            question=ShownQuestion(id=question.id, number=0, kind=question.kind, question=q,
                                   rendered=rendered, order=[], value=response.value),
            course_title=localized(course.titles, locale),
            quiz_title=localized(activity.titles, locale)))
    return items


def marking_target(trainer: User, response_id: int) -> tuple[QuizResponse, QuizAttempt]:
    """The response and its attempt if ``trainer`` may mark it; LookupError or NotAllowed otherwise."""
    response = db.session.execute(select(QuizResponse).where(QuizResponse.id == response_id).options(
        joinedload(QuizResponse.attempt).joinedload(QuizAttempt.user))).scalar_one_or_none()
    if response is None:
        raise LookupError(response_id)
    attempt = response.attempt
    if not trainer.is_trainer or not (trainer.is_admin or _trainer_covers(trainer, attempt.user_id, attempt.quiz_id)):
        raise NotAllowed(_l("You do not mark this participant's answers."))
    return response, attempt


def mark_response(trainer: User, response_id: int, fraction: float, comment: str | None) -> QuizAttempt:
    """Record a trainer's mark for an essay answer and regrade its attempt."""
    response, attempt = marking_target(trainer, response_id)
    question = db.session.get(QuizQuestion, response.question_id)
    if question.kind != "essay" or attempt.state != "finished":
        raise QuizError(_l("Only submitted essay answers are marked by hand."))
    if not 0.0 <= fraction <= 1.0:
        raise QuizError(_l("A mark is between 0 and the question's points."))
    response.fraction = fraction
    response.marker_comment = (comment or "").strip()[:5000] or None
    response.marked_by_id = trainer.id
    response.marked_at = utcnow()
    _score(attempt, _questions_of(attempt), responses_of(attempt))
    participant = attempt.user
    quiz = quiz_with_course(attempt.quiz_id)
    activity, course = quiz.activity, quiz.activity.course
    _record_completion(quiz.id, participant)
    messages.notify([participant.id], "essay_marked", f"/courses/{course.slug}/quizzes/{activity.slug}",
                    activity=localized(activity.titles, participant.locale or "en"))
    return attempt


def answers_from_form(attempt: QuizAttempt, form) -> dict[int, object]:
    """Turn a posted attempt form into question id -> value, for the questions it showed.

    The form lists the question ids it showed (``shown``), so that an unticked set of boxes
    means "no answer" rather than "not on this page".
    """
    questions = _questions_of(attempt)
    out: dict[int, object] = {}
    for raw_id in form.getlist("shown")[:500]:
        if not raw_id.isdigit() or int(raw_id) not in questions:
            raise QuizError(_l("An answer did not belong to this attempt. Nothing was saved; reload the page."))
        q = questions[int(raw_id)]
        key = f"q{q.id}"
        if q.kind == "description":
            continue
        if q.kind == "multi":
            out[q.id] = form.getlist(key)[:100]
        elif q.kind == "matching":
            out[q.id] = {str(i): form.get(f"{key}-{i}", "") for i, pair in enumerate(q.data["pairs"]) if pair["left"]}
        else:
            out[q.id] = form.get(key, "")
    return out


@dataclass
class Unanswered:
    number: int
    excerpt: str  # the start of the question's text, plain


def _is_empty(value) -> bool:
    return value is None or value in ("", [], {}) or (isinstance(value, str) and not value.strip())


def unanswered(attempt: QuizAttempt, lang: str | None = None) -> list[Unanswered]:
    """The attempt's questions with no saved answer (a matching question: no pair chosen), in
    the order shown, each with its number and the start of its text: what "Submit and finish"
    asks her to confirm."""
    out = []
    for sq in shown_questions(attempt, lang=lang):
        if sq.kind != "description" and _is_empty(sq.value):
            text = " ".join(Markup(sq.rendered.get("text") or "").striptags().split())
            out.append(Unanswered(number=sq.number, excerpt=text if len(text) <= 90 else text[:89] + "…"))
    return out


def answer_fields(attempt: QuizAttempt) -> list[tuple[str, str]]:
    """The saved answers as the attempt form posts them (the inverse of answers_from_form).

    The confirmation page carries them, so that its "Submit and finish" saves exactly the
    answers she confirmed, whatever an autosave still under way stores meanwhile."""
    responses = responses_of(attempt)
    fields: list[tuple[str, str]] = []
    for question_id in attempt.question_ids:
        fields.append(("shown", str(question_id)))
        response = responses.get(question_id)
        value = response.value if response is not None else None
        if isinstance(value, list):
            fields += [(f"q{question_id}", str(v)) for v in value]
        elif isinstance(value, dict):
            fields += [(f"q{question_id}-{key}", str(v)) for key, v in value.items()]
        elif value is not None:
            fields.append((f"q{question_id}", str(value)))
    return fields


@dataclass
class NextStep:
    """What the review tells her about the quiz as a whole after this attempt."""

    passed: bool
    not_passed: bool  # marked, below the pass mark, and no other attempt passed
    can_retry: bool
    attempts_left: int | None  # None: unlimited


def next_step(quiz: Quiz, state: QuizSummary) -> NextStep:
    """Whether the quiz is passed or, once every answer is marked, not passed, and whether she may
    try again and how many attempts are left."""
    not_passed = (not state.passed and not state.pending and quiz.pass_mark is not None
                  and state.grade is not None)
    return NextStep(passed=state.passed, not_passed=not_passed,
                    can_retry=not_passed and state.in_progress is None and state.can_start,
                    attempts_left=state.attempts_left)


@dataclass
class ScoreShown:
    points: float  # scored, over the marked questions
    total: float  # possible
    percent: int  # whole percent, rounded down: never shown as reaching a pass mark it missed


def score_shown(attempt: QuizAttempt, lines: list[ReviewLine]) -> ScoreShown | None:
    """The attempt's score as points of the possible points and a whole percent (one point of 24
    is "1 of 24 points (4%)", not "4.2%"); None while an answer waits for marking."""
    if attempt.score is None or any(line.fraction is None for line in lines if line.points):
        return None
    points = sum(line.fraction * line.points for line in lines if line.points)
    total = sum(line.points for line in lines if line.points)
    return ScoreShown(points=round(points, 2), total=round(total, 2), percent=math.floor(attempt.score + 1e-9))


@dataclass
class ReviewLine:
    question: ShownQuestion
    given: list[str]  # safe HTML, one entry per part of the answer
    right: list[str]  # safe HTML of the right answer(s)
    fraction: float | None
    points: float


def review_lines(attempt: QuizAttempt, lang: str | None = None) -> list[ReviewLine]:
    """Each question with what was answered and what was right, as safe HTML."""
    questions = _questions_of(attempt)
    lines = []
    for sq in shown_questions(attempt, questions, lang):
        q, r = sq.question, sq.rendered
        given: list[str] = []
        right: list[str] = []
        kind = q.kind if q.kind != "missingword" else ("single" if q.missingword_kind == "single" else "short")
        if kind in ("single", "truefalse", "multi"):
            chosen = sq.value if isinstance(sq.value, list) else ([] if sq.value is None else [sq.value])
            given = [r["choices"][i] for i in chosen if isinstance(i, int) and i < len(r["choices"])]
            best = max((c.fraction for c in q.choices), default=0)
            right = [r["choices"][i] for i, c in enumerate(q.choices)
                     if (c.fraction > 0 if kind == "multi" else c.fraction == best and best > 0)]
            if kind == "truefalse":
                given = [str(escape(_l("True") if q.choices[i].text == "true" else _l("False"))) for i in chosen]
                right = [str(escape(_l("True") if c.text == "true" else _l("False"))) for c in q.choices if c.fraction == 1]
        elif kind in ("short", "numerical", "essay"):
            if sq.value not in (None, ""):
                given = [str(escape(sq.value)).replace("\n", "<br>")]
            if kind == "short":
                right = [str(escape(c.text)) for c in q.choices if c.fraction == 1]
            elif kind == "numerical":
                right = [str(escape(_format_range(n.low, n.high))) for n in q.numeric if n.fraction == 1]
        elif kind == "matching":
            value = sq.value if isinstance(sq.value, dict) else {}
            for i in matching_items(q):
                chosen = value.get(str(i))
                answer = r["right"][chosen] if isinstance(chosen, int) and chosen < len(r["right"]) else "—"
                given.append(f"{r['left'][i]} → {answer}")
            right = [f"{r['left'][i]} → {r['right'][i]}" for i in matching_items(q)]
        lines.append(ReviewLine(question=sq, given=given, right=_once(right, q.case_sensitive), fraction=sq.fraction,
                                points=questions[sq.id].points))
    return lines


def _once(answers: list[str], case_sensitive: bool) -> list[str]:
    """Each right answer once: variants that read the same (case, width, spacing, as grading
    compares them) and equal ranges are listed by their first spelling."""
    seen, out = set(), []
    for answer in answers:
        key = normalise_text(Markup(answer).striptags(), case_sensitive)
        if key not in seen:
            seen.add(key)
            out.append(answer)
    return out


def _format_range(low: float, high: float) -> str:
    def show(x: float) -> str:
        return str(int(x)) if x == int(x) else f"{x:g}"

    return show(low) if low == high else f"{show(low)} – {show(high)}"
