"""The survey kind's part of the demo (courses/demo.py, through the kind's demo_complete): the
answers of someone who learnt something (more knowledge items right and more confidence after the
course than before)."""
from __future__ import annotations

import random

from courses.models import Course
from quizzes.surveys import services as survey_services
from quizzes.surveys.items import SurveyItem
from training.accounts import User


def submit_survey(course: Course, slug: str, user: User, trainer: User) -> None:
    """Submit the survey with plausible answers for its phase (``demo_answers``)."""
    ctx = survey_services.survey_context(course, slug, user, "en")
    survey_services.submit(ctx, user, demo_answers(ctx.items, ctx.survey.phase, f"{user.handle}:{ctx.survey.instrument}"))


def demo_answers(items: tuple[SurveyItem, ...], phase: str, seed: str) -> dict:
    """Varied but plausible answers of one person (the same for the same ``seed``): before the
    course about half the knowledge items right and modest confidence; after it most right, more
    confidence, less victim blaming; a few leave an item out. Text items are left empty."""
    rng = random.Random(seed)
    before = phase == "pre"
    answers = {}
    for item in items:
        kind, points = item.type, item.points or 5
        if rng.random() < 0.05:
            continue  # left out, as people do
        if kind == "knowledge":
            right = rng.random() < (0.45 if before else 0.85)
            wrong = [i for i in range(len(item.choices)) if i != item.answer]
            answers[item.id] = str(item.answer if right or not wrong else rng.choice(wrong))
        elif kind in ("self", "likert"):
            low, high = (1, points - 2) if before else (points - 2, points)
            if item.reversed:  # agreeing is what the course argues against
                low, high = points + 1 - high, points + 1 - low
            answers[item.id] = str(rng.randint(max(1, low), max(1, high)))
        elif kind == "retro":
            answers[item.id] = str(rng.randint(1, max(1, points - 2)))
        elif kind == "single":
            answers[item.id] = str(rng.randrange(len(item.choices)))
        elif kind == "multiple":
            answers[item.id] = [str(i) for i in range(len(item.choices)) if rng.random() < 0.4]
    return answers
