"""The Studio's quiz editor in the browser: an author changes a question in English and Chinese,
adds one, tries a broken paste, publishes the drafts; a participant then takes the new quiz."""
from playwright.sync_api import expect
from sqlalchemy import select

from courses.models import Course
from courses.studio import packages
from tests.conftest import PASSWORD, write_course
from tests.e2e.conftest import screenshot
from tests.e2e.test_accessibility import scan
from tests.e2e.test_confirmations_zh import log_in
from tests.quizzes.test_studio_quiz import GIFT_EN, GIFT_ZH
from training import accounts
from training.extensions import db
from training.progress import enrol


def test_an_author_edits_a_quiz_as_questions_and_a_participant_takes_it(page_factory, live_server, tmp_path):
    folder = write_course(tmp_path / "src", slug="quiz-e2e", modules=1, lessons=1, sequential=False,
                          languages=("en", "zh"), quiz=GIFT_EN)
    (folder / "quizzes" / "check.zh.gift").write_text(GIFT_ZH, encoding="utf-8")
    assert live_server.app.test_cli_runner().invoke(args=["courses", "import", str(folder)]).exit_code == 0
    admin = accounts.create_user("quiz-root", PASSWORD, role="admin")
    accounts.create_user("quiz-tess", PASSWORD, role="trainer").locale = "en"
    mei = accounts.create_user("quiz-mei", PASSWORD)
    mei.locale = "en"
    db.session.flush()
    course = db.session.execute(select(Course).where(Course.slug == "quiz-e2e")).scalar_one()
    packages.grant(admin, course, "quiz-tess")
    enrol(mei, course.id)
    db.session.commit()

    page = page_factory(bypass_csp=True)
    log_in(page, "quiz-tess")
    page.goto("/studio/quiz-e2e/quiz/quizzes/check.gift")
    expect(page.get_by_role("heading", name="Quiz quizzes/check.gift")).to_be_visible()
    expect(page.get_by_text("earlier attempts keep the questions they answered")).to_be_visible()
    assert scan(page) == []

    # Question 1, in both languages side by side.
    page.get_by_role("link", name="Edit question 1").click()
    expect(page.get_by_role("heading", name="Question 1: Multiple choice")).to_be_visible()
    page.get_by_label("Question in English").fill("Which court issued the provisions on protection orders?")
    page.get_by_label("Question in Chinese").fill("哪个法院发布了关于保护令的规定？")
    answer = page.get_by_role("group", name="Answer 2")
    answer.get_by_label("Feedback in English").fill("No: a district court hears the application.")
    assert scan(page) == []
    screenshot(page, "studio-quiz-question")
    # A right answer with no weight: refused on its field, nothing saved.
    page.get_by_role("group", name="Answer 1").get_by_label("Weight (%)").fill("0")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("none of the choices is right")).to_be_visible()
    expect(page.get_by_label("Question in English")).to_have_value("Which court issued the provisions on protection orders?")
    page.get_by_role("group", name="Answer 1").get_by_label("Weight (%)").fill("100")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Question 1 saved as a draft.")).to_be_visible()
    expect(page.locator("#question-1")).to_contain_text("Which court issued the provisions on protection orders?")

    # A new true/false question, left untranslated.
    page.get_by_role("link", name="True or false").click()
    page.get_by_label("Question in English").fill("A warning letter can later serve as evidence.")
    page.get_by_label("The statement is").select_option("true")
    page.get_by_label("Feedback to the answer True in English").fill("Right.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Question 4 saved as a draft.")).to_be_visible()
    expect(page.locator("#question-4")).to_contain_text("Not translated yet")
    page.get_by_role("button", name="Move up question 4").click()
    expect(page.get_by_text("Question 4 moved up.")).to_be_visible()
    expect(page.locator("#question-3")).to_contain_text("A warning letter")

    # A broken paste is refused with its line; nothing is added.
    page.get_by_label("GIFT to add at the end").fill("::A::Fine? {=yes ~no}\n\n::B::Broken {=yes ~no")
    page.get_by_role("button", name="Add these questions").click()
    expect(page.get_by_text("Line 3 of the pasted text")).to_be_visible()
    expect(page.locator("tbody tr")).to_have_count(4)
    assert scan(page) == []
    screenshot(page, "studio-quiz")

    page.get_by_role("link", name="Back to the files, to publish the drafts").click()
    page.get_by_role("button", name="Check and publish the drafts").click()
    expect(page.get_by_text("Published “quiz-e2e” as version 2.")).to_be_visible()

    participant = page_factory()
    log_in(participant, "quiz-mei")
    participant.goto("/courses/quiz-e2e/quizzes/check")
    participant.get_by_role("button", name="Start the quiz").click()
    expect(participant.get_by_text("Which court issued the provisions on protection orders?")).to_be_visible()
    expect(participant.get_by_text("A warning letter can later serve as evidence.")).to_be_visible()
