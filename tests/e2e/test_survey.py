"""A participant answers the pre-survey, learns, answers the post-survey; the trainer reads what changed."""
from datetime import date

from playwright.sync_api import expect

from courses.package import read_packages
from courses.services import get_course
from courses.sync import sync_courses
from quizzes.surveys import services
from tests.conftest import PASSWORD, SURVEY_YAML, write_course
from tests.e2e.conftest import screenshot
from training import accounts, cohorts
from training.extensions import db
from training.progress import enrol


def test_pre_post_survey_and_results(page_factory, live_server, tmp_path):
    folder = write_course(tmp_path, slug="survey-course", modules=1, lessons=1, sequential=False, surveys=SURVEY_YAML)
    sync_courses(read_packages([folder])[0])
    course = get_course("survey-course")
    trainer = accounts.create_user("survey-coach", PASSWORD, role="trainer")
    db.session.flush()
    cohort = cohorts.create_cohort(trainer, course.id, "Survey cohort", date.today(), None)
    # Four others already answered both, so that with her the results pass the threshold of five.
    for n in range(4):
        other = accounts.create_user(f"earlier-{n}", PASSWORD)
        db.session.flush()
        cohorts.join_cohort(other, cohort.invite_code, date.today())
        enrol(other, course.id, cohort.id)
        services.submit(services.survey_context(course, "pre", other, "en"), other, {"year": "0", "confidence": "2"})
        services.submit(services.survey_context(course, "post", other, "en"), other,
                        {"year": "1", "confidence": "4", "confidence-before": "2", "increased": "5", "comment": f"Note {n}"})
    me = accounts.create_user("survey-taker", PASSWORD)
    db.session.flush()
    cohorts.join_cohort(me, cohort.invite_code, date.today())
    enrol(me, course.id, cohort.id)
    db.session.commit()

    page = page_factory()
    page.goto("/login")
    page.get_by_label("Handle").fill("survey-taker")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto("/courses/survey-course")
    page.get_by_role("link", name="Pre survey").click()
    expect(page.get_by_text("Your answers are anonymous")).to_be_visible()
    page.get_by_label("2015").check()
    page.get_by_label("2", exact=True).check()
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_text("Your answers are submitted")).to_be_visible()

    page.goto("/courses/survey-course/lessons/001-lesson")
    page.get_by_role("button", name="Mark as complete").click()
    page.goto("/courses/survey-course/surveys/post")
    page.get_by_label("2016").check()
    page.locator("fieldset", has_text="My confidence").first.get_by_label("4", exact=True).check()
    page.locator("fieldset", has_text="My confidence before").get_by_label("2", exact=True).check()
    page.locator("fieldset", has_text="My knowledge increased").get_by_label("5 – very high").check()
    page.get_by_label("Your answer").fill("I will ask the court to collect evidence.")
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_text("Your answers are submitted")).to_be_visible()
    expect(page.get_by_text("3 of 3 done (100%)")).to_be_visible()

    coach = page_factory()
    coach.goto("/login")
    coach.get_by_label("Handle").fill("survey-coach")
    coach.get_by_label("Password").fill(PASSWORD)
    coach.get_by_role("button", name="Log in").click()
    coach.goto(f"/cohorts/{cohort.id}")
    coach.get_by_role("link", name="What changed: pre- and post-survey").click()
    expect(coach.get_by_role("row", name="Matched (both) 5")).to_be_visible()
    expect(coach.get_by_text("100% of 5 respondents agreed")).to_be_visible()
    expect(coach.get_by_text("I will ask the court to collect evidence.")).to_be_visible()
    screenshot(coach, "survey-results")
    with coach.expect_download() as csv_download:
        coach.get_by_role("link", name="Download the results (CSV)").click()
    assert "counts,matched,,5" in csv_download.value.path().read_text(encoding="utf-8-sig")
    with coach.expect_download() as pdf_download:
        coach.get_by_role("link", name="Download the report for funders (PDF)").click()
    pdf = pdf_download.value.path().read_bytes()
    assert pdf.startswith(b"%PDF")
    import io

    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Matched (both)" in text and "I will ask the court to collect evidence." in text
