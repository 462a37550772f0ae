"""The quiz kind's part of the demo (courses/demo.py, through the kind's demo_complete): how a demo
participant completes a quiz (full marks, her trainer marking the essays). Surveys:
quizzes/surveys/demo.py."""
from __future__ import annotations

from courses.models import Course
from quizzes import grading
from quizzes import services as quiz_services
from quizzes.questions import Question
from training.accounts import User

# The one essay of the course's quizzes before the moot: what a protection order can and cannot do.
DEMO_ESSAY = ("The order can forbid him to hurt, threaten, follow or contact you, and to come near your work or "
              "your child's kindergarten; the court can fine or detain him if he breaks it. It does not decide "
              "a divorce, who the child lives with, or money.")


def pass_quiz(course: Course, slug: str, user: User, trainer: User) -> None:
    """Answer every question of an attempt right, finish it, and have the trainer give the essays full marks."""
    ctx = quiz_services.quiz_context(course, slug, user, "en")
    attempt = quiz_services.start_attempt(ctx, user)
    questions = {q.id: Question.from_dict(q.data) for q in quiz_services.active_questions(ctx.quiz)
                 if q.id in attempt.question_ids}
    answers = {qid: right_answer(q) for qid, q in questions.items()}
    quiz_services.save_answers(attempt, user, {k: v for k, v in answers.items() if v is not None})
    quiz_services.finish(attempt, user)
    for qid, response in quiz_services.responses_of(attempt).items():
        if questions[qid].kind == "essay":
            quiz_services.mark_response(trainer, response.id, 1.0, None)


def right_answer(question: Question):
    """The full-marks answer to a question, as its form submits it (None: nothing to answer)."""
    kind = question.kind
    if kind == "missingword":
        kind = "single" if question.missingword_kind == "single" else "short"
    if kind in ("single", "truefalse"):
        return max(range(len(question.choices)), key=lambda i: question.choices[i].fraction)
    if kind == "multi":
        return [i for i, c in enumerate(question.choices) if c.fraction > 0]
    if kind == "short":
        return max(question.choices, key=lambda c: c.fraction).text.replace("*", "")
    if kind == "numerical":
        return str(max(question.numeric, key=lambda n: n.fraction).low)
    if kind == "matching":
        return {str(i): i for i in grading.matching_items(question)}
    if kind == "essay":
        return DEMO_ESSAY
    return None  # descriptions
