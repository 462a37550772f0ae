"""Times in her own zone (#23): at her first log-in a participant whose device is in New York is
offered that zone, takes it in one click, and reads the case deadline in New York time; a
trainer in Shanghai reads the same deadline there."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime

from playwright.sync_api import expect
from sqlalchemy import select

from courses.cases import runs, services
from courses.cases.models import CaseExercise
from courses.package import read_packages
from courses.sync import sync_courses
from tests.conftest import PASSWORD, write_course
from tests.courses.cases.helpers import case_files
from tests.e2e.conftest import screenshot
from training import accounts, cohorts
from training.extensions import db
from training.progress import enrol

CASE = "/courses/tz-e2e/cases/moot"


def log_in(page, handle):
    page.goto("/login")
    page.get_by_label("Handle").fill(handle)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_the_device_zone_is_offered_at_first_log_in_and_deadlines_follow_it(page_factory, live_server, tmp_path):
    specs, errors, _ = read_packages([write_course(tmp_path, slug="tz-e2e", modules=1, lessons=1, case=case_files())])
    assert not errors, errors
    sync_courses(specs)
    trainer = accounts.create_user("tz-tess", PASSWORD, role="trainer")
    nina, li = accounts.create_user("tz-nina", PASSWORD), accounts.create_user("tz-li", PASSWORD)
    trainer.timezone = li.timezone = "Asia/Shanghai"
    db.session.flush()
    from courses.services import get_course

    course = get_course("tz-e2e")
    cohort = cohorts.create_cohort(trainer, course.id, "Zones", date(2026, 12, 1), None)
    for user in (nina, li):
        cohorts.join_cohort(user, cohort.invite_code, date(2026, 12, 1))
        enrol(user, course.id, cohort.id)
    run = runs.set_up(trainer, cohort, db.session.execute(select(CaseExercise)).scalar_one())
    state = services.run_state(run, "en")
    team = runs.add_team(trainer, state, "applicant")
    runs.assign_member(trainer, state, team, nina.id)
    runs.assign_member(trainer, state, team, li.id)
    runs.start(trainer, state)
    run.submissions_due = datetime(2026, 12, 12, 23, 59, tzinfo=UTC)
    db.session.commit()

    page = page_factory(timezone_id="America/New_York")
    log_in(page, "tz-nina")
    offer = page.locator("#timezone-offer")
    expect(offer).to_be_visible()
    expect(offer).to_contain_text("Times are shown in China (Shanghai) Time.")
    screenshot(page, "timezone-offer")
    offer.get_by_role("button", name=re.compile(r"Use my device's zone: Eastern (Standard|Daylight) Time")).click()
    expect(page.get_by_text("Times are now shown in United States (New York) Time.")).to_be_visible()
    expect(page.locator("#timezone-offer")).to_have_count(0)
    page.goto(CASE)
    expect(page.get_by_text("Written submissions are due Dec 12, 2026, 6:59:00\u202fPM Eastern Standard Time."))\
        .to_be_visible()
    page.goto("/account")
    expect(page.get_by_label("Time zone")).to_have_value("America/New_York")

    # Her teammate in Shanghai, who chose her zone, reads the same deadline the next morning.
    shanghai = page_factory(timezone_id="Asia/Shanghai")
    log_in(shanghai, "tz-li")
    expect(shanghai.locator("#timezone-offer")).to_have_count(0)
    shanghai.goto(CASE)
    expect(shanghai.get_by_text("Written submissions are due Dec 13, 2026, 7:59:00\u202fAM China Standard Time."))\
        .to_be_visible()
