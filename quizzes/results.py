"""A quiz's results for one cohort: what trainers read to improve the teaching."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy.orm import joinedload

from courses.models import Activity, Course, localized
from quizzes import stats
from quizzes.grading import grade, normalise_text
from quizzes.models import Quiz, QuizAttempt, QuizQuestion, QuizResponse
from quizzes.questions import Question
from quizzes.services import quiz_grade
from training.accounts import User
from training.cohorts import Cohort, CohortMember, require_manager
from training.extensions import db


@dataclass
class QuestionResult:
    number: int
    title: str
    kind: str
    text_html: str
    answered: int
    facility: float | None
    discrimination: float | None
    wrong: list[tuple[str, int]]  # plain text of a wrong answer, how many chose it


@dataclass
class QuizResults:
    cohort: Cohort
    course: Course
    activity: Activity
    quiz: Quiz
    title: str
    participants: int
    summary: dict
    histogram: list[int]
    questions: list[QuestionResult]
    attempts: list[tuple[User, QuizAttempt, dict[int, float | None]]]  # for the CSV
    question_ids: list[int]  # CSV column order


def _analysed(quiz: Quiz, attempts: list[QuizAttempt]) -> list[QuizAttempt]:
    """The attempts that make each person's grade (all of them for the average method)."""
    done = [a for a in attempts if a.state == "finished" and a.score is not None]
    if not done:
        return []
    if quiz.grading == "average":
        return done
    if quiz.grading == "first":
        return [done[0]]
    if quiz.grading == "last":
        return [done[-1]]
    return [max(done, key=lambda a: (a.score, -a.number))]


def cohort_results(trainer: User, cohort: Cohort, activity_slug: str, locale: str) -> QuizResults | None:
    """Results of the quiz ``activity_slug`` among the cohort's participants (trainers of it, admins).

    A fixed number of queries whatever the cohort's size.
    """
    require_manager(trainer, cohort)
    row = db.session.execute(select(Activity, Quiz).join(Quiz, Quiz.activity_id == Activity.id).where(
        Activity.course_id == cohort.course_id, Activity.slug == activity_slug, Activity.kind == "quiz")
        .options(joinedload(Activity.course))).first()
    if row is None:
        return None
    activity, quiz = row
    course = activity.course
    participant_count = db.session.execute(select(func.count(CohortMember.id)).where(
        CohortMember.cohort_id == cohort.id, CohortMember.role == "participant")).scalar_one()
    # The participants' finished attempts, each with its account (QuizAttempt.user).
    attempts = list(db.session.execute(select(QuizAttempt).join(CohortMember, and_(
        CohortMember.user_id == QuizAttempt.user_id, CohortMember.cohort_id == cohort.id,
        CohortMember.role == "participant")).where(QuizAttempt.quiz_id == quiz.id, QuizAttempt.state == "finished")
        .order_by(QuizAttempt.user_id, QuizAttempt.number).options(joinedload(QuizAttempt.user))).scalars())
    by_person: dict[int, list[QuizAttempt]] = {}
    for a in attempts:
        by_person.setdefault(a.user_id, []).append(a)
    question_ids = sorted({qid for a in attempts for qid in a.question_ids})
    questions = {q.id: q for q in db.session.execute(
        select(QuizQuestion).where(QuizQuestion.id.in_(question_ids))).scalars()} if question_ids else {}
    fractions: dict[int, dict[int, float | None]] = {a.id: {} for a in attempts}
    values: dict[int, dict[int, object]] = {a.id: {} for a in attempts}
    if attempts:
        for r in db.session.execute(select(QuizResponse).where(
                QuizResponse.attempt_id.in_([a.id for a in attempts]))).scalars():
            fractions[r.attempt_id][r.question_id] = r.fraction
            values[r.attempt_id][r.question_id] = r.value

    analysed = [a for person_attempts in by_person.values() for a in _analysed(quiz, person_attempts)]
    grades = [g for g in (quiz_grade(quiz, person_attempts) for person_attempts in by_person.values()) if g is not None]
    order = [q for q in sorted(questions.values(), key=lambda q: (q.position, q.id)) if q.kind != "description"]
    totals = [sum((fractions[a.id].get(q.id) or 0.0) * q.points for q in order if q.id in a.question_ids)
              for a in analysed]
    results = []
    for number, q in enumerate(order, start=1):
        takers = [(i, a) for i, a in enumerate(analysed) if q.id in a.question_ids]
        item = [fractions[a.id].get(q.id) for _, a in takers]
        marked = [(f, totals[i]) for f, (i, _) in zip(item, takers, strict=True) if f is not None]
        question = Question.from_dict(q.data)
        results.append(QuestionResult(
            number=number, title=question.title, kind=q.kind, text_html=q.rendered.get("text", ""),
            answered=len(marked),
            facility=stats.facility([f for f, _ in marked]),
            discrimination=stats.discrimination([f for f, _ in marked], [t for _, t in marked]) if marked else None,
            wrong=stats.common_wrong([w for _, a in takers for w in _wrong_answers(question, values[a.id].get(q.id))]),
        ))
    return QuizResults(
        cohort=cohort, course=course, activity=activity, quiz=quiz, title=localized(activity.titles, locale),
        participants=participant_count, summary=stats.summary(grades, quiz.pass_mark), histogram=stats.histogram(grades),
        questions=results, question_ids=[q.id for q in order],
        attempts=[(a.user, a, fractions[a.id]) for a in attempts],
    )


def _wrong_answers(q: Question, value) -> list[str]:
    """The plain texts of the wrong parts of one answer."""
    kind = q.kind if q.kind != "missingword" else ("single" if q.missingword_kind == "single" else "short")
    if value is None:
        return []
    if kind in ("single", "truefalse", "multi"):
        chosen = value if isinstance(value, list) else [value]
        return [q.choices[i].text for i in chosen
                if isinstance(i, int) and 0 <= i < len(q.choices) and q.choices[i].fraction <= 0]
    if kind in ("short", "numerical") and isinstance(value, str) and value.strip():
        return [normalise_text(value, q.case_sensitive)[:80]] if (grade(q, value) or 0) < 1 else []
    if kind == "matching" and isinstance(value, dict):
        out = []
        for left_index, pair in enumerate(q.pairs):
            if not pair.left:
                continue
            chosen = value.get(str(left_index))
            if isinstance(chosen, int) and 0 <= chosen < len(q.pairs) and q.pairs[chosen].right != pair.right:
                out.append(f"{pair.left} → {q.pairs[chosen].right}")
        return out
    return []
