"""Demo accounts and a demo cohort, for `make run`. The passwords are public: demo only."""
from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import select

from courses.models import Course
from training import accounts, cohorts
from training.cohorts import Cohort
from training.extensions import db
from training.progress import enrol
from training.support import Helpline, save_helpline

DEMO_PASSWORD = "amicus-demo-2026"
DEMO_USERS = [
    # handle, role, profession, region
    ("admin", "admin", "other", None),
    ("trainer", "trainer", "ngo", None),
    ("lawyer-li", "participant", "lawyer", "Sichuan"),
    ("reporter-wang", "participant", "journalist", "Guangdong"),
    ("ngo-zhang", "participant", "ngo", "Beijing"),
]
DEMO_COHORT = "Demo cohort"
# Public national numbers in China, as a starting point: admins check and edit them (Helplines).
DEMO_HELPLINES = [
    ({"en": "Police", "zh": "报警电话"}, "110", {"en": "Emergencies, at any hour", "zh": "紧急情况，全天候"}),
    ({"en": "Women's rights hotline (All-China Women's Federation)", "zh": "全国妇联妇女维权公益服务热线"}, "12338",
     {"en": "Advice and referral for women facing violence", "zh": "为遭受暴力的妇女提供咨询和转介"}),
    ({"en": "Public legal services hotline (legal aid)", "zh": "公共法律服务热线（法律援助）"}, "12348",
     {"en": "Legal advice and legal aid applications", "zh": "法律咨询和法律援助申请"}),
]
DEMO_CODE = "DEMO2026"


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
    db.session.commit()
    if not db.session.execute(select(Helpline)).first():
        admin = users["admin"]
        for position, (names, contact, notes) in enumerate(DEMO_HELPLINES):
            save_helpline(admin, None, region="", names=names, contact=contact, notes=notes, position=position, active=True)
        db.session.commit()
    lines.append(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
    lines += [f"  {handle:<14} {role}" for handle, role, _p, _r in DEMO_USERS]
    return lines
