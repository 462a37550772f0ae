"""A trainer adds a session and takes attendance on her phone: participants tapped, a walk-in
without an account added, the list downloaded."""
from datetime import date

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect
from sqlalchemy import select

from courses.package import read_packages
from courses.services import get_course
from courses.sync import sync_courses
from courses.workshops import services as workshops
from courses.workshops.models import CohortSession
from tests.conftest import PASSWORD, write_course
from tests.e2e.conftest import screenshot
from training import accounts, cohorts
from training.extensions import db
from training.progress import enrol


def test_attendance_on_a_phone(page_factory, live_server, tmp_path):
    folder = write_course(tmp_path, slug="room-course", modules=1, lessons=1, sequential=False)
    sync_courses(read_packages([folder])[0])
    course = get_course("room-course")
    trainer = accounts.create_user("room-coach", PASSWORD, role="trainer")
    db.session.flush()
    cohort = cohorts.create_cohort(trainer, course.id, "Sunday room", date.today(), None)
    for handle in ("room-amy", "room-bea"):
        user = accounts.create_user(handle, PASSWORD)
        db.session.flush()
        cohorts.join_cohort(user, cohort.invite_code, date.today())
        enrol(user, course.id, cohort.id)
    db.session.commit()

    phone = page_factory(viewport=(375, 740))
    phone.goto("/login")
    phone.get_by_label("Handle").fill("room-coach")
    phone.get_by_label("Password").fill(PASSWORD)
    phone.get_by_role("button", name="Log in").click()
    phone.goto(f"/cohorts/{cohort.id}")
    phone.get_by_role("link", name="Sessions: dates, places and who attended").click()
    phone.get_by_label("Title").fill("Rights at work")
    phone.get_by_label("Starts").fill("2026-12-13T14:00")
    phone.get_by_label("Ends").fill("2026-12-13T13:00")
    phone.get_by_role("button", name="Add the session").click()
    expect(phone.get_by_text("The session must end after it starts.")).to_be_visible()
    phone.get_by_label("Ends").fill("2026-12-13T17:00")
    phone.get_by_label("Place", exact=True).fill("Community centre, room 2")
    phone.get_by_label("Hide the place from participants").check()
    phone.get_by_role("button", name="Add the session").click()
    expect(phone.get_by_text("The session is added.")).to_be_visible()
    phone.get_by_role("link", name="Rights at work").click()

    amy = phone.locator(".roster-row", has_text="room-amy")
    amy.get_by_role("button", name="Present").click()
    expect(phone.locator(".roster-row", has_text="room-amy").get_by_role("button", name="Present")).to_have_attribute(
        "aria-pressed", "true")
    phone.locator(".roster-row", has_text="room-bea").get_by_role("button", name="Excused").click()
    phone.get_by_label("Or a first name or nickname (optional)").fill("Lan")
    phone.get_by_role("button", name="Add, marked present").click()
    expect(phone.get_by_text("#1 Lan is on the list, marked present.")).to_be_visible()
    expect(phone.locator("#attendance-counts")).to_have_text("Present: 2 · Late: 0 · Absent: 0 · Excused: 1")
    screenshot(phone, "attendance-phone")

    # Self check-in: the trainer shows the code; room-cyd, who joined the cohort today, scans it
    # on her own phone (the test reads the code the QR holds) and logs in on the way.
    cyd = accounts.create_user("room-cyd", PASSWORD)
    db.session.flush()
    cohorts.join_cohort(cyd, cohort.invite_code, date.today())
    enrol(cyd, course.id, cohort.id)
    db.session.commit()
    phone.get_by_role("link", name="Show the check-in code").click()
    expect(phone.get_by_role("heading", name="Scan to check in")).to_be_visible()
    expect(phone.get_by_role("img", name="Check-in code for this session")).to_be_visible()
    session = db.session.execute(select(CohortSession)).scalar_one()
    code, _left = workshops.check_in_code(session)
    participant = page_factory(viewport=(375, 740))
    participant.goto(f"/check-in/{code}")
    participant.get_by_label("Handle").fill("room-cyd")
    participant.get_by_label("Password").fill(PASSWORD)
    participant.get_by_role("button", name="Log in").click()
    participant.get_by_role("button", name="Check in").click()
    expect(participant.get_by_text("You are checked in for “Rights at work”.")).to_be_visible()
    # She lands on My learning, which lists the session (its place hidden) and a neutral calendar.
    upcoming = participant.locator("section", has=participant.get_by_role("heading", name="Upcoming sessions"))
    expect(upcoming.get_by_text("Rights at work")).to_be_visible()
    expect(upcoming.get_by_text("Place: your trainer tells you", exact=False)).to_be_visible()
    with participant.expect_download() as ics:
        upcoming.get_by_role("link", name="Add to my calendar (.ics)").click()
    calendar = ics.value.path().read_text(encoding="utf-8")
    assert "SUMMARY:Amicus session" in calendar and "Community centre" not in calendar
    participant.goto(f"/check-in/{code[:-1]}{'0' if code[-1] != '0' else '1'}")
    expect(participant.get_by_text("This is not a check-in code.")).to_be_visible()
    # The check-in screen reloads itself when its code changes (a meta refresh): a navigation
    # that meets that reload is aborted, so it is made again.
    try:
        phone.goto(f"/cohorts/{cohort.id}/sessions/{session.id}")
    except PlaywrightError as error:
        if "ERR_ABORTED" not in str(error):
            raise
        phone.goto(f"/cohorts/{cohort.id}/sessions/{session.id}")
    expect(phone.locator(".roster-row", has_text="room-cyd").get_by_role("button", name="Present")).to_have_attribute(
        "aria-pressed", "true")
    phone.get_by_role("link", name="Sessions").click()
    with phone.expect_download() as download:
        phone.get_by_role("link", name="Download attendance (CSV)").click()
    text = download.value.path().read_text(encoding="utf-8-sig")
    assert "Rights at work,2026-12-13 14:00:00,#1 Lan,yes,present" in text


def test_attendance_completes_the_rule_and_the_workshop_report_says_so(page_factory, live_server, tmp_path):
    """The trainer asks for half the sessions before the cohort starts, marks a participant at the
    session held, the participant finds her certificate waiting; the funder report, in Chinese."""
    from datetime import datetime, timedelta

    from courses.models import Activity
    from training.progress import mark_complete

    folder = write_course(tmp_path, slug="rule-course", modules=1, lessons=1, sequential=False)
    sync_courses(read_packages([folder])[0])
    course = get_course("rule-course")
    trainer = accounts.create_user("rule-coach", PASSWORD, role="trainer")
    mei = accounts.create_user("rule-mei", PASSWORD)
    db.session.flush()
    # Two days on: "today" on the page is the site's (Asia/Shanghai), a day ahead of UTC's evening.
    cohort = cohorts.create_cohort(trainer, course.id, "Evening room", date.today() + timedelta(days=2), None)
    cohorts.join_cohort(mei, cohort.invite_code, date.today())
    enrol(mei, course.id, cohort.id)
    for days in (-1, 6):
        day = date.today() + timedelta(days=days)
        workshops.add_session(trainer, cohort, workshops.SessionSpec(
            title=f"Evening {days}", starts=datetime(day.year, day.month, day.day, 19),
            ends=datetime(day.year, day.month, day.day, 21)))
    db.session.commit()

    page = page_factory()
    page.goto("/login")
    page.get_by_label("Handle").fill("rule-coach")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"/cohorts/{cohort.id}")
    page.get_by_role("link", name="Completion rule").click()
    page.get_by_label("Sessions to attend (percent)").fill("half")
    page.get_by_role("button", name="Save the rule").click()
    expect(page.get_by_text("Attendance is a share of the sessions from 1 to 100 percent")).to_be_visible()
    page.get_by_label("Sessions to attend (percent)").fill("50")
    page.get_by_role("button", name="Save the rule").click()
    expect(page.get_by_text("The completion rule of this cohort is saved.")).to_be_visible()
    expect(page.get_by_label("Sessions to attend (percent)")).to_have_value("50")
    mark_complete(mei, db.session.execute(select(Activity.id).where(Activity.course_id == course.id)).scalar_one())
    db.session.commit()  # her lesson is done: only the attendance is missing

    learner = page_factory()
    learner.goto("/login")
    learner.get_by_label("Handle").fill("rule-mei")
    learner.get_by_label("Password").fill(PASSWORD)
    learner.get_by_role("button", name="Log in").click()
    learner.goto("/courses/rule-course/certificate")
    expect(learner.get_by_text("you have attended 0 of 2")).to_be_visible()

    page.goto(f"/cohorts/{cohort.id}/sessions")
    page.get_by_role("link", name="Evening -1").click()
    page.locator(".roster-row", has_text="rule-mei").get_by_role("button", name="Present").click()
    expect(page.locator(".roster-row", has_text="rule-mei").get_by_role("button", name="Present")).to_have_attribute(
        "aria-pressed", "true")
    learner.goto("/courses/rule-course/certificate")
    expect(learner.get_by_label("The name to print on your certificate")).to_be_visible()

    page.goto(f"/cohorts/{cohort.id}")
    page.get_by_role("link", name="Workshop report for funders").click()
    expect(page.get_by_text("Sessions held: 1. Planned: 1.")).to_be_visible()
    expect(page.get_by_text("Participants with an account attended 100% of the sessions held (1 of 1).")).to_be_visible()
    screenshot(page, "workshop-report")
    with page.expect_download() as download:
        page.get_by_role("link", name="PDF in Chinese").click()
    pdf = download.value.path().read_bytes()
    assert pdf.startswith(b"%PDF")
    from tests.quizzes.surveys.test_survey_results import _pdf_text

    text = "".join(_pdf_text(pdf).split())
    assert "工作坊报告" in text and "有账号的学员出席了已举办场次的100%" in text
