"""The respondent cards' part of the demo (`flask demo load`, courses/demo.py's DEMO_PARTS): a
Sunday workshop of the migrant workers' course whose women answered with cards, before and after."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from courses import services as course_services
from quizzes.surveys.cards import services as cards
from quizzes.surveys.cards.models import RespondentCard
from quizzes.surveys.demo import demo_answers
from training import cohorts
from training.cohorts import Cohort
from training.extensions import db

COURSE = "know-your-rights"
COHORT = "周日法律讲座（问卷卡）"
CODE = "CARD2026"
CARDS = 12
ANSWERED_BEFORE, ANSWERED_AFTER = 8, 7  # cards 1-8 answered before, 1-7 after: 7 matched (k = 5)


def load(users: dict) -> list[str]:
    course = course_services.get_course(COURSE)
    if course is None:
        return []
    trainer = users["trainer"]
    cohort = db.session.execute(select(Cohort).where(Cohort.invite_code == CODE)).scalar_one_or_none()
    if cohort is None:
        cohort = cohorts.create_cohort(trainer, course.id, COHORT, date.today() - timedelta(days=14), None)
        cohort.invite_code = CODE
        db.session.flush()
    made = db.session.execute(select(func.count(RespondentCard.id)).where(
        RespondentCard.cohort_id == cohort.id)).scalar_one()
    if not made:
        cards.make_cards(trainer, cohort, CARDS)
        cards.set_open_phases(trainer, cohort, ["pre", "post"])
        db.session.flush()
        for serial, number in cards.printable(trainer, cohort):
            card = cards.find(number)
            for survey in cards.card_surveys(card, "zh"):
                phase = survey.survey.phase
                if (phase == "pre" and serial <= ANSWERED_BEFORE) or (phase == "post" and serial <= ANSWERED_AFTER):
                    cards.submit(card, survey, demo_answers(survey.items, phase, f"card {serial}:{survey.survey.instrument}"))
        cards.set_open_phases(trainer, cohort, ["post"])
    number = cards.card_number(cohort.id, CARDS)
    return [f"Demo cohort {cohort.name!r} for {COURSE}: {CARDS} respondent cards, {ANSWERED_AFTER} answered before "
            f"and after (trainer > Cohorts > the cohort > Respondent cards). Card #{CARDS} has answered nothing: "
            f"open /r and type {number}"]
