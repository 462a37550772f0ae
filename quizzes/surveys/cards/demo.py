"""The respondent cards' part of the demo (`flask demo load`, courses/demo.py's DEMO_PARTS): a
Sunday workshop of the migrant workers' course whose women answered with cards, before and after."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from courses import services as course_services
from courses.workshops import services as workshops
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
# Three Sunday afternoons, two held: the women came without accounts (anonymous walk-ins).
SESSIONS = (("工作中的权利 Rights at work", -14, 9), ("家庭中的安全 Safety at home", -7, 8),
            ("去哪里找帮助 Where to get help", 7, 0))


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
    if not workshops.sessions_of(cohort):
        for title, days, walk_ins in SESSIONS:
            day = date.today() + timedelta(days=days)
            session = workshops.add_session(trainer, cohort, workshops.SessionSpec(
                title=title, starts=datetime(day.year, day.month, day.day, 14), ends=datetime(day.year, day.month, day.day, 17),
                place="社区活动中心", hide_place=True))
            db.session.flush()
            for _ in range(walk_ins):
                workshops.add_walk_in(trainer, cohort, session, None, "")
    number = cards.card_number(cohort.id, CARDS)
    return [f"Demo cohort {cohort.name!r} for {COURSE}: {CARDS} respondent cards, {ANSWERED_AFTER} answered before "
            f"and after (trainer > Cohorts > the cohort > Respondent cards; the workshop report for funders is on the "
            f"cohort's page). Card #{CARDS} has answered nothing: "
            f"open /r and type {number}"]
