"""Staff journeys in the browser: an admin's reset link, a trainer's GIFT import and essay marking,
an admin making a trainer's account that the trainer sets up and finds her tools with."""
from datetime import date

import pyotp
from playwright.sync_api import expect

from courses.package import read_packages
from courses.services import get_course
from courses.sync import sync_courses
from quizzes import services as quiz_services
from tests.conftest import PASSWORD, write_course
from training import accounts, cohorts
from training.extensions import db
from training.progress import enrol


def log_in(page, handle, password=PASSWORD):
    page.goto("/login")
    page.get_by_label("Handle").fill(handle)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_admin_reset_link_lets_a_locked_out_participant_back_in(page_factory, live_server):
    accounts.create_user("staff-admin", PASSWORD, role="admin")
    accounts.create_user("forgetful", PASSWORD)
    db.session.commit()
    admin = page_factory()
    log_in(admin, "staff-admin")
    admin.get_by_role("link", name="Users").click()
    admin.get_by_label("Handle contains").fill("forget")
    admin.get_by_role("button", name="Filter").click()
    admin.get_by_role("row", name="forgetful").get_by_role("button", name="Make reset link").click()
    link = admin.locator("#reset-link").input_value()
    assert "/reset/" in link

    person = page_factory()
    person.goto(link.replace(live_server.url, ""))
    person.get_by_label("New password", exact=True).fill("my brand new password")
    person.get_by_label("New password again").fill("my brand new password")
    person.get_by_role("button", name="Set password").click()
    expect(person.get_by_text("Your new password is set")).to_be_visible()
    log_in(person, "forgetful", "my brand new password")
    expect(person.get_by_role("heading", name="My learning")).to_be_visible()
    person.goto(link.replace(live_server.url, ""))
    expect(person.get_by_role("heading", name="This link is not valid any more")).to_be_visible()


def test_trainer_imports_gift_and_marks_an_essay(page_factory, live_server, tmp_path):
    folder = write_course(tmp_path, slug="staff-course", modules=1, lessons=1, sequential=False,
                          quiz="::Essay:: Explain survivor-centred interviewing. {}\n\n::Q:: Free of fees? {T}\n",
                          quiz_settings="pass_mark: 50")
    sync_courses(read_packages([folder])[0])
    course = get_course("staff-course")
    trainer = accounts.create_user("staff-coach", PASSWORD, role="trainer")
    learner = accounts.create_user("essay-writer", PASSWORD)
    db.session.flush()
    cohort = cohorts.create_cohort(trainer, course.id, "Staff cohort", date.today(), None)
    cohorts.join_cohort(learner, cohort.invite_code, date.today())
    enrol(learner, course.id, cohort.id)
    attempt = quiz_services.start_attempt(quiz_services.quiz_context(course, "check", learner, "en"), learner)
    db.session.flush()
    essay_id, tf_id = attempt.question_ids
    quiz_services.save_answers(attempt, learner, {essay_id: "Let her lead; explain confidentiality.", tf_id: 0})
    quiz_services.finish(attempt, learner)
    db.session.commit()
    gift = tmp_path / "week1.gift"
    gift.write_text("$CATEGORY: week-1\n\n::W1:: Orders can last up to {=six months ~one year}.\n", encoding="utf-8")

    coach = page_factory()
    log_in(coach, "staff-coach")
    coach.goto("/courses/staff-course/questions")
    coach.get_by_label("GIFT file").set_input_files(str(gift))
    coach.get_by_role("button", name="Preview").click()
    expect(coach.get_by_text("1 question will be added.")).to_be_visible()
    expect(coach.get_by_text("Orders can last up to")).to_be_visible()
    coach.get_by_role("button", name="Import these questions").click()
    expect(coach.get_by_text("1 question added to week-1; 0 already there.")).to_be_visible()
    expect(coach.get_by_role("cell", name="week-1")).to_be_visible()

    coach.get_by_role("link", name="Marking").click()
    expect(coach.get_by_text("Let her lead; explain confidentiality.")).to_be_visible()
    coach.get_by_label("Mark").select_option("0.5")
    coach.get_by_label("Comment for the participant (optional)").fill("Good; add safety planning.")
    coach.get_by_role("button", name="Save mark").click()
    expect(coach.get_by_text("Mark saved.")).to_be_visible()
    expect(coach.get_by_text("Nothing to mark")).to_be_visible()

    learner_page = page_factory()
    log_in(learner_page, "essay-writer")
    learner_page.goto(f"/quizzes/attempts/{attempt.id}/review")
    expect(learner_page.get_by_text("Score: 75")).to_be_visible()
    expect(learner_page.get_by_text("Good; add safety planning.")).to_be_visible()


def test_admin_adds_a_helpline_that_a_participant_finds(page_factory, live_server):
    accounts.create_user("helpline-admin", PASSWORD, role="admin")
    accounts.create_user("yunnan-reader", PASSWORD, region="Yunnan")
    db.session.commit()
    admin = page_factory()
    log_in(admin, "helpline-admin")
    admin.get_by_role("link", name="Helplines").click()
    admin.get_by_label("Region").select_option(label="Yunnan")
    admin.get_by_label("Name (English)").fill("Kunming women's shelter")
    admin.get_by_label("Phone or how to reach it").fill("0871-0000000")
    admin.get_by_role("button", name="Save").click()
    expect(admin.get_by_role("cell", name="Yunnan")).to_be_visible()

    reader = page_factory()
    log_in(reader, "yunnan-reader")
    reader.get_by_role("link", name="Get support").click()
    expect(reader.get_by_role("heading", name="Yunnan")).to_be_visible()
    expect(reader.get_by_text("0871-0000000")).to_be_visible()


def test_admin_makes_a_trainer_who_sets_up_and_finds_her_tools(page_factory, live_server, tmp_path):
    folder = write_course(tmp_path, slug="tools-course", modules=1, lessons=1, sequential=False)
    sync_courses(read_packages([folder])[0])
    accounts.create_user("tools-admin", PASSWORD, role="admin")
    db.session.commit()
    live_server.app.config["AMICUS_TWO_FACTOR_ROLES"] = ["trainer", "admin"]
    try:
        admin = page_factory()
        log_in(admin, "tools-admin")
        # The admin has no two-factor yet: she sets it up first, then lands on the overview.
        totp = pyotp.TOTP(admin.locator("code.secret").inner_text().replace(" ", ""))
        admin.get_by_label("Code from the app").fill(totp.now())
        admin.get_by_role("button", name="Turn on two-factor log-in").click()
        admin.get_by_role("link", name="I have kept them").click()
        expect(admin.get_by_role("heading", name="Administration")).to_be_visible()
        admin.get_by_role("link", name="Create a trainer or admin account").click()
        admin.get_by_label("Handle").fill("tools-coach")
        admin.get_by_label("Role").select_option("trainer")
        admin.get_by_role("button", name="Create account and set-up link").click()
        expect(admin.get_by_role("heading", name="One-time set-up link for tools-coach")).to_be_visible()
        link = admin.locator("#setup-link").input_value()

        coach = page_factory()
        coach.goto(link.replace(live_server.url, ""))
        coach.get_by_label("New password", exact=True).fill("violet river cotton lamp")
        coach.get_by_label("New password again").fill("violet river cotton lamp")
        coach.get_by_role("button", name="Set password").click()
        log_in(coach, "tools-coach", "violet river cotton lamp")
        expect(coach.get_by_role("heading", name="Set up two-factor log-in")).to_be_visible()
        totp = pyotp.TOTP(coach.locator("code.secret").inner_text().replace(" ", ""))
        coach.get_by_label("Code from the app").fill(totp.now())
        coach.get_by_role("button", name="Turn on two-factor log-in").click()
        coach.get_by_role("link", name="I have kept them").click()
        expect(coach.get_by_role("heading", name="Your cohorts")).to_be_visible()

        # Once she runs a cohort of the course, its page leads her to the GIFT import.
        cohorts.create_cohort(accounts.find_user("tools-coach"), get_course("tools-course").id, "Tools cohort",
                              date.today(), None)
        db.session.commit()
        coach.goto("/courses/tools-course")
        coach.get_by_role("link", name="Question bank: import questions from a GIFT file").click()
        expect(coach.get_by_role("heading", name="Question bank")).to_be_visible()
        expect(coach.get_by_label("GIFT file")).to_be_visible()

        admin.goto("/admin/audit")
        expect(admin.get_by_role("cell", name="Created a staff account")).to_be_visible()
        expect(admin.get_by_role("cell", name="the account tools-coach").first).to_be_visible()
    finally:
        live_server.app.config["AMICUS_TWO_FACTOR_ROLES"] = []
