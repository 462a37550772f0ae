"""Take a quiz in the browser: answers survive a reload, a double submit gives one attempt."""
from playwright.sync_api import expect
from sqlalchemy import func, select

from courses.package import read_packages
from courses.sync import sync_courses
from quizzes.models import QuizAttempt
from tests.conftest import PASSWORD, write_course
from tests.e2e.conftest import screenshot
from training import accounts
from training.extensions import db
from training.progress import enrol

GIFT = """
::Court:: Which court issued the 2022 provisions? {=Supreme People's Court#Right. ~A district court#No, it was the highest court. ~A police station}

::Hours:: How many hours may a court take to rule in an ordinary case? {#72}

::Evidence:: Which of these are evidence? {~%50%Medical records ~%50%Police call-out records ~%-100%Rumours}

::Match:: Match. {=24 h -> urgent ruling =72 h -> ordinary ruling =6 months -> longest order}
"""


def test_take_a_quiz_reload_submit_twice_and_review(page_factory, live_server, tmp_path):
    folder = write_course(tmp_path, slug="quiz-course", modules=1, lessons=1, sequential=False, quiz=GIFT,
                          quiz_settings="pass_mark: 75\nshuffle_answers: false")
    sync_courses(read_packages([folder])[0])
    user = accounts.create_user("quiz-taker", PASSWORD)
    db.session.flush()
    from courses.services import get_course
    enrol(user, get_course("quiz-course").id)
    db.session.commit()

    page = page_factory()
    page.goto("/login")
    page.get_by_label("Handle").fill("quiz-taker")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto("/courses/quiz-course")
    page.get_by_role("link", name="Check").click()
    page.get_by_role("button", name="Start the quiz").click()

    # Answer half, each saved as it is given (no Save button pressed).
    page.get_by_label("A district court").check()
    expect(page.locator("#save-status")).to_contain_text("Saved at")
    with page.expect_response(lambda r: r.url.endswith("/save") and r.status == 200):
        page.get_by_label("Your answer").fill("72")

    page.reload()
    expect(page.get_by_label("A district court")).to_be_checked()
    expect(page.get_by_label("Your answer")).to_have_value("72")

    page.get_by_label("Supreme People's Court").check()
    page.get_by_label("Medical records").check()
    page.get_by_label("Police call-out records").check()
    page.get_by_label("24 h").select_option(label="urgent ruling")
    page.get_by_label("72 h").select_option(label="ordinary ruling")
    with page.expect_response(lambda r: r.url.endswith("/save") and r.status == 200):
        page.get_by_label("6 months").select_option(label="longest order")

    # The same attempt open in a second tab, and a double click on Submit.
    second_tab = page.context.new_page()
    second_tab.goto(page.url)
    page.get_by_role("button", name="Submit and finish").dblclick()
    expect(page.get_by_text("Score: 100")).to_be_visible()
    expect(page.get_by_text("You have completed this quiz")).to_be_visible()
    second_tab.get_by_role("button", name="Submit and finish").click()
    expect(second_tab.get_by_text("Score: 100")).to_be_visible()
    assert db.session.execute(select(func.count(QuizAttempt.id))).scalar_one() == 1
    screenshot(page, "quiz-review")

    page.get_by_role("link", name="Back to the course").click()
    expect(page.get_by_text("1 of 2 done (50%)")).to_be_visible()  # the quiz, not the lesson
