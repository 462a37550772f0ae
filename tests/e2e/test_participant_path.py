"""A participant registers, joins a cohort, reads and completes lessons, sees her progress.

Run with JavaScript switched off: every page must work without it.
"""
from datetime import date

import pytest
from playwright.sync_api import expect

from courses.package import read_packages
from courses.sync import sync_courses
from tests.conftest import PASSWORD, write_course
from tests.e2e.conftest import screenshot
from training import accounts, cohorts
from training.extensions import db


@pytest.fixture(scope="module")
def cohort_code(live_server, tmp_path_factory):
    folder = write_course(tmp_path_factory.mktemp("course"), slug="path-course", modules=2, lessons=2)
    specs, errors, _ = read_packages([folder])
    assert not errors
    sync_courses(specs)
    trainer = accounts.create_user("trainer-e2e", PASSWORD, role="trainer")
    db.session.flush()
    from courses.services import get_course
    cohort = cohorts.create_cohort(trainer, get_course("path-course").id, "E2E cohort", date.today(), None)
    db.session.commit()
    return cohort.invite_code_display


def test_register_join_read_complete_and_resume(page_factory, cohort_code):
    page = page_factory(javascript=False, viewport=(390, 844))  # a phone
    page.goto("/")
    page.get_by_role("link", name="Create an account").first.click()
    page.get_by_label("Handle").fill("王小梅")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_label("Profession").select_option("lawyer")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("Welcome, 王小梅")).to_be_visible()

    page.get_by_role("link", name="I have an invite code").click()
    page.get_by_label("Invite code").fill("wrong-code")
    page.get_by_role("button", name="Join").click()
    expect(page.get_by_text("No cohort has that invite code")).to_be_visible()
    page.get_by_label("Invite code").fill(cohort_code.lower())
    page.get_by_role("button", name="Join").click()
    expect(page.get_by_text("You have joined E2E cohort")).to_be_visible()
    expect(page.get_by_role("heading", name="Course path-course")).to_be_visible()
    expect(page.get_by_text("Locked until you complete “Module 1”")).to_be_visible()

    page.get_by_role("link", name="Continue: Lesson 1").click()
    expect(page.get_by_role("heading", name="Lesson 1")).to_be_visible()
    expect(page.locator(".lesson-body strong")).to_have_text("1")
    screenshot(page, "lesson-en")
    page.get_by_role("button", name="Mark as complete").click()
    expect(page.get_by_role("heading", name="Lesson 2")).to_be_visible()
    expect(page.get_by_text("Course progress: 25%")).to_be_visible()

    page.get_by_role("link", name="My learning").click()
    expect(page.get_by_text("1 of 4 done (25%)")).to_be_visible()
    page.get_by_role("link", name="Resume: Lesson 2").click()
    page.get_by_role("button", name="Mark as complete").click()
    expect(page.get_by_role("heading", name="Lesson 3")).to_be_visible()  # module 2 is open now

    page.goto("/courses/path-course")
    expect(page.get_by_text("2 of 4 done (50%)")).to_be_visible()
    expect(page.locator("progress").first).to_have_attribute("value", "50")
    screenshot(page, "course-progress")


def test_log_out_and_back_in_and_change_password(page_factory, live_server):
    accounts.create_user("returning", PASSWORD)
    db.session.commit()
    page = page_factory()
    page.goto("/login")
    page.get_by_label("Handle").fill("returning")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("do not match an account")).to_be_visible()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="My learning")).to_be_visible()
    page.get_by_role("link", name="returning").click()
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill("a new long password")
    page.get_by_label("New password again").fill("a new long password")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Your password has been changed")).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You have logged out")).to_be_visible()
