"""Demo accounts, a demo cohort and a demo moot court, for `make run`. The passwords are public: demo only.

The moot court's participants reach the capstone as participants would, completing every
activity before it through its own kind: each activity kind says how a demo participant completes
it (``ActivityKind.demo_complete``; quizzes and surveys call quizzes/demo.py).
"""
from __future__ import annotations

import importlib
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select

from courses import services as course_services
from courses.cases import runs
from courses.cases import services as case_services
from courses.models import Course
from training import accounts, audit, cohorts
from training import activities as activity_kinds
from training.accounts import User
from training.cohorts import Cohort
from training.extensions import db
from training.progress import enrol
from training.support import Helpline, save_helpline

DEMO_PASSWORD = "amicus-demo-2026"
#: app.extensions key: "module:function" names of demo parts, each called with the demo users by handle.
DEMO_PARTS = "amicus_demo_parts"
DEMO_USERS = [
    # handle, role, profession, region
    ("admin", "admin", "other", None),
    ("trainer", "trainer", "ngo", None),
    ("lawyer-li", "participant", "lawyer", "sichuan"),
    ("reporter-wang", "participant", "journalist", "guangdong"),
    ("ngo-zhang", "participant", "ngo", "beijing"),
    ("lawyer-chen", "participant", "lawyer", None),
    ("lawyer-liu", "participant", "lawyer", None),
    ("lawyer-zhou", "participant", "lawyer", None),
    # The finished cohort's NGO staff (RESULTS_*).
    ("ngo-he", "participant", "ngo", "beijing"),
    ("ngo-lin", "participant", "ngo", "guangdong"),
    ("ngo-ma", "participant", "ngo", "yunnan"),
    ("ngo-sun", "participant", "ngo", "sichuan"),
    ("ngo-tang", "participant", "ngo", "hubei"),
    ("ngo-xu", "participant", "ngo", None),
]
# Cohort names are the trainer's words, in one language: Chinese, as most trainers would write them
# (README gives them in English).
DEMO_COHORT = "演示班"
# Public national numbers in China, as a starting point: admins check and edit them (Helplines).
DEMO_HELPLINES = [
    ({"en": "Police", "zh": "报警电话"}, "110", {"en": "Emergencies, at any hour", "zh": "紧急情况，全天候"}),
    ({"en": "Women's rights hotline (All-China Women's Federation)", "zh": "全国妇联妇女维权公益服务热线"}, "12338",
     {"en": "Advice and referral for women facing violence", "zh": "为遭受暴力的妇女提供咨询和转介"}),
    ({"en": "Public legal services hotline (legal aid)", "zh": "公共法律服务热线（法律援助）"}, "12348",
     {"en": "Legal advice and legal aid applications", "zh": "法律咨询和法律援助申请"}),
]
DEMO_CODE = "DEMO2026"

# The moot court: a cohort of the lawyers' course that has reached its capstone case, run started.
MOOT_COURSE = "gbv-litigation"
MOOT_CASE = "protection-order-hearing"
MOOT_COHORT = "模拟法庭演示班"
MOOT_CODE = "MOOT2026"
MOOT_TEAMS = (("applicant", ("lawyer-li", "lawyer-chen")), ("respondent", ("lawyer-liu", "lawyer-zhou")))
MOOT_GUEST_JUDGE = "judge-demo"
# A cohort of the NGO course that has finished it: six people answered the surveys before and
# after (at least k = 5 matched), so "What changed" shows results.
RESULTS_COURSE = "anti-gbv-campaigning"
RESULTS_COHORT = "春季倡导培训班（已结业）"
RESULTS_CODE = "SPRG2026"
RESULTS_PEOPLE = ("ngo-he", "ngo-lin", "ngo-ma", "ngo-sun", "ngo-tang", "ngo-xu")
MOOT_DRAFT = """\
Written submissions for the applicant (draft)

1. The applicant asks the court for a personal safety protection order, and for a ruling within 24 hours: \
since she left the family home the respondent has threatened her about their child and has come to her \
workplace, so the situation is urgent (ADVL art. 28).

2. Domestic violence is shown to a relatively high probability (2022 provisions, art. 6): the call-out \
record of 21 February, the emergency outpatient record of 22 February (fingertip bruising on both upper \
arms) and the police warning letter of 24 February. The messages sent after the warning letter show a \
real danger that it will happen again (ADVL art. 27).

3. To do: explain why the medical record notes no bruising on the neck; tie each requested measure to \
her workplace and the child's kindergarten, without saying where she is staying.
"""


def load_demo() -> list[str]:
    """Create what is missing of the demo data and say what there is to log in with."""
    if current_app.config["AMICUS_ENV"] == "production":
        raise RuntimeError("demo accounts have public passwords; refusing on a production site")
    users = {}
    for handle, role, profession, region in DEMO_USERS:
        user = accounts.find_user(handle)
        if user is None:
            user = accounts.create_user(handle, DEMO_PASSWORD, role=role, profession=profession, region=region)
        users[handle] = user
    db.session.flush()
    course = db.session.execute(select(Course).order_by(Course.id)).scalars().first()
    lines = []
    if course is not None:
        cohort = db.session.execute(select(Cohort).where(Cohort.invite_code == DEMO_CODE)).scalar_one_or_none()
        if cohort is None:
            cohort = cohorts.create_cohort(users["trainer"], course.id, DEMO_COHORT, date.today(), None)
            cohort.invite_code = DEMO_CODE
            db.session.flush()
        for handle in ("lawyer-li", "reporter-wang"):
            cohorts.join_cohort(users[handle], DEMO_CODE, date.today())
            enrol(users[handle], course.id, cohort.id)
        lines.append(f"Demo cohort {cohort.name!r} for {course.slug}: invite code {cohort.invite_code_display}")
    moot = course_services.get_course(MOOT_COURSE)
    exercise = runs.exercise_by_slug(moot.id, MOOT_CASE) if moot is not None else None
    if exercise is not None:
        cohort = _moot_court(users, moot, exercise)
        lines.append(f"Demo cohort {cohort.name!r} for {moot.slug}: invite code {cohort.invite_code_display}")
        lines.append(f"Moot court: log in as trainer > Cohorts > {cohort.name} > Case exercises. lawyer-li is on the "
                     f"applicant team (draft saved, not submitted); {MOOT_GUEST_JUDGE} is a guest judge.")
    finished = course_services.get_course(RESULTS_COURSE)
    if finished is not None:
        cohort = _finished_cohort(users, finished)
        lines.append(f"Demo cohort {cohort.name!r} for {finished.slug}: finished, with survey results "
                     "(log in as trainer > Cohorts > the cohort > What changed)")
    # Parts of the demo that feature packages add (registered by name in app.extensions, so that a
    # worker serving pages never imports them): each makes what is missing and says what it made.
    for name in current_app.extensions.get(DEMO_PARTS, []):
        module, function = name.split(":")
        lines += getattr(importlib.import_module(module), function)(users)
    db.session.commit()
    if not db.session.execute(select(Helpline)).first():
        admin = users["admin"]
        for position, (names, contact, notes) in enumerate(DEMO_HELPLINES):
            save_helpline(admin, None, region="", names=names, contact=contact, notes=notes, position=position, active=True)
        db.session.commit()
    lines.append(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
    lines += [f"  {handle:<14} {role}" for handle, role, _p, _r in DEMO_USERS]
    if accounts.find_user(MOOT_GUEST_JUDGE) is not None:
        lines.append(f"  {MOOT_GUEST_JUDGE:<14} guest judge")
    return lines


def _moot_court(users: dict, course: Course, exercise) -> Cohort:
    """The demo moot court cohort and its run of the case, created once through the services:
    two teams of two (lawyer-li on the applicant's), the trainer presiding with a guest judge,
    started, with the applicant team's draft saved but not submitted."""
    trainer = users["trainer"]
    cohort = db.session.execute(select(Cohort).where(Cohort.invite_code == MOOT_CODE)).scalar_one_or_none()
    if cohort is None:
        cohort = cohorts.create_cohort(trainer, course.id, MOOT_COHORT, date.today(), None)
        cohort.invite_code = MOOT_CODE
        db.session.flush()
    for _side, handles in MOOT_TEAMS:
        for handle in handles:
            cohorts.join_cohort(users[handle], MOOT_CODE, date.today())
            enrol(users[handle], course.id, cohort.id)
            _reach_capstone(users[handle], trainer, course, exercise.activity_id)
    if case_services.run_for_cohort(exercise, cohort.id) is not None:
        return cohort
    run = runs.set_up(trainer, cohort, exercise)
    state = case_services.run_state(run, "en")
    teams = {}
    for side, handles in MOOT_TEAMS:
        teams[side] = runs.add_team(trainer, state, side)
        for handle in handles:
            runs.assign_member(trainer, state, teams[side], users[handle].id)
    runs.add_judge(trainer, state, trainer.id, presiding=True)
    guest = accounts.find_user(MOOT_GUEST_JUDGE)
    if guest is None:
        guest, _token = runs.invite_guest_judge(trainer, state, MOOT_GUEST_JUDGE)
        audit.record(trainer, "case.guest_judge", f"case run {run.id}, guest {guest.handle}", "server command line")
        accounts.set_password(guest, DEMO_PASSWORD)  # instead of the one-time link
    runs.start(trainer, state)
    case_services.save_draft(state, teams["applicant"], users["lawyer-li"], MOOT_DRAFT, None)
    return cohort


def _finished_cohort(users: dict, course: Course) -> Cohort:
    """A cohort that started two months ago whose participants (RESULTS_PEOPLE) have completed
    every activity of the course, the surveys before and after it answered (quizzes/demo.py)."""
    trainer = users["trainer"]
    cohort = db.session.execute(select(Cohort).where(Cohort.invite_code == RESULTS_CODE)).scalar_one_or_none()
    if cohort is None:
        cohort = cohorts.create_cohort(trainer, course.id, RESULTS_COHORT, date.today() - timedelta(days=60), None)
        cohort.invite_code = RESULTS_CODE
        db.session.flush()
    for handle in RESULTS_PEOPLE:
        cohorts.join_cohort(users[handle], RESULTS_CODE, date.today())
        enrol(users[handle], course.id, cohort.id)
    for handle in RESULTS_PEOPLE:
        outline = course_services.course_outline(course, users[handle], "en")
        for module in outline.modules:
            _complete(course, module.activities, users[handle], trainer)
    return cohort


def _complete(course: Course, activities, user: User, trainer: User) -> None:
    """Complete these activities that are not done yet, each as its kind does (``ActivityKind.demo_complete``)."""
    for activity in activities:
        if not activity.done:
            activity_kinds.get(activity.kind).demo_complete(course, activity.slug, user, trainer)


def _reach_capstone(user: User, trainer: User, course: Course, capstone_id: int) -> None:
    """Complete the modules before the capstone's, as a participant of the cohort would (the course
    opens its modules one after another), each activity as its kind does (``demo_complete``)."""
    outline = course_services.course_outline(course, user, "en")
    module = next(m for m in outline.modules if any(a.id == capstone_id for a in m.activities))
    for earlier in outline.modules[:outline.modules.index(module)]:
        _complete(course, earlier.activities, user, trainer)
