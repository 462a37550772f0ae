"""The quizzes package's part of the demo (courses/demo.py): how a demo participant completes a
quiz (full marks, her trainer marking the essays) and a survey (answers of someone who learnt
something: more knowledge items right and more confidence after the course than before)."""
from __future__ import annotations

import random

from courses import demo
from courses.models import Course
from quizzes import grading
from quizzes import services as quiz_services
from quizzes.questions import Question
from quizzes.surveys import services as survey_services
from training.accounts import User

# The one essay of the course's quizzes before the moot: what a protection order can and cannot do.
DEMO_ESSAY = ("The order can forbid him to hurt, threaten, follow or contact you, and to come near your work or "
              "your child's kindergarten; the court can fine or detain him if he breaks it. It does not decide "
              "a divorce, who the child lives with, or money.")


@demo.completes("quiz")
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


@demo.completes("survey")
def submit_survey(course: Course, slug: str, user: User, trainer: User) -> None:
    """Submit the survey with plausible answers for its phase (``demo_answers``)."""
    ctx = survey_services.survey_context(course, slug, user, "en")
    survey_services.submit(ctx, user, demo_answers(ctx.items, ctx.survey.phase, f"{user.handle}:{ctx.survey.instrument}"))


def demo_answers(items: list[dict], phase: str, seed: str) -> dict:
    """Varied but plausible answers of one person (the same for the same ``seed``): before the
    course about half the knowledge items right and modest confidence; after it most right, more
    confidence, less victim blaming; a few leave an item out. Text items are left empty."""
    rng = random.Random(seed)
    before = phase == "pre"
    answers = {}
    for item in items:
        kind, points = item["type"], item.get("points", 5)
        if rng.random() < 0.05:
            continue  # left out, as people do
        if kind == "knowledge":
            right = rng.random() < (0.45 if before else 0.85)
            wrong = [i for i in range(len(item["choices"])) if i != item["answer"]]
            answers[item["id"]] = str(item["answer"] if right or not wrong else rng.choice(wrong))
        elif kind in ("self", "likert"):
            low, high = (1, points - 2) if before else (points - 2, points)
            if item.get("reversed"):  # agreeing is what the course argues against
                low, high = points + 1 - high, points + 1 - low
            answers[item["id"]] = str(rng.randint(max(1, low), max(1, high)))
        elif kind == "retro":
            answers[item["id"]] = str(rng.randint(1, max(1, points - 2)))
        elif kind == "single":
            answers[item["id"]] = str(rng.randrange(len(item["choices"])))
        elif kind == "multiple":
            answers[item["id"]] = [str(i) for i in range(len(item["choices"])) if rng.random() < 0.4]
    return answers


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
