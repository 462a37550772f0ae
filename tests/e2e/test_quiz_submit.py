"""Submitting a quiz in the browser (#23, #27): an answer typed just before "Submit and finish",
on a slow network with autosaves still under way, is in the review; unanswered questions are
listed for confirmation first, with and without JavaScript, in English and Chinese."""
import pytest
from playwright.sync_api import expect

from courses.package import read_packages
from courses.services import get_course
from courses.sync import sync_courses
from tests.conftest import PASSWORD, write_course
from tests.e2e.conftest import screenshot
from training import accounts
from training.extensions import db
from training.progress import enrol

GIFT = """
::Court:: Which court issued the 2022 provisions? {=Supreme People's Court ~A district court}

::Hours:: How many hours may a court take to rule in an ordinary case? {#72}

::Letter:: What does the police give the abuser to warn him? {=warning letter =告诫书}
"""


def set_up(tmp_path, slug, handle):
    folder = write_course(tmp_path, slug=slug, modules=1, lessons=1, sequential=False, quiz=GIFT,
                          quiz_settings="pass_mark: 60\nshuffle_answers: false")
    sync_courses(read_packages([folder])[0])
    user = accounts.create_user(handle, PASSWORD)
    db.session.flush()
    enrol(user, get_course(slug).id)
    db.session.commit()


def log_in(page, handle, language="en"):
    page.goto("/login")
    page.locator("#handle").fill(handle)
    page.locator("#password").fill(PASSWORD)
    page.locator("#submit").click()
    if language != "en":
        page.get_by_label("Language").select_option(language)
        page.get_by_role("button", name="Change").click()


def test_an_answer_typed_just_before_submit_is_in_the_review(page_factory, tmp_path):
    set_up(tmp_path, "race-course", "racer")
    page = page_factory()
    log_in(page, "racer")
    page.goto("/courses/race-course/quizzes/check")
    page.get_by_role("button", name="Start the quiz").click()
    page.wait_for_load_state("load")  # quiz.js listening before the network slows (else no autosave starts)
    attempt_url = page.url

    # A slow network, and autosaves held on the way: they are still under way at the submit.
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 400,
                                                   "downloadThroughput": 20_000, "uploadThroughput": 20_000})
    held = []

    def hold_autosaves(route):
        if route.request.headers.get("x-amicus-autosave") == "1":
            held.append(route)
        else:
            route.continue_()

    page.route("**/quizzes/attempts/*/save", hold_autosaves)
    page.get_by_label("Supreme People's Court").check()
    expect(page.locator("#save-status")).to_have_text("Saving…")
    page.locator("input[name^=q]").nth(2).fill("72")
    page.locator("input[name^=q]").nth(3).fill("warning letter")
    page.get_by_role("button", name="Submit and finish").click()

    expect(page.get_by_role("heading", name="Review: Check")).to_be_visible()
    letter = page.locator("section.question").nth(2)
    expect(letter).to_contain_text("Your answer: warning letter")
    expect(page.locator("section.question").nth(1)).to_contain_text("Your answer: 72")
    expect(page.get_by_text("Score: 100")).to_be_visible()
    assert held, "no autosave was under way at the submit"

    # The saves under way, with older values, reach the server after the submit: refused.
    for route in held:
        request = route.request
        late = page.request.post(request.url, data=request.post_data_buffer, headers={
            "Content-Type": request.headers["content-type"], "X-Amicus-Autosave": "1"})
        assert late.status == 409
        try:
            route.abort()
        except Exception:  # noqa: BLE001 - the page that sent it is gone
            pass
    page.unroute("**/quizzes/attempts/*/save")
    page.reload()
    expect(page.locator("section.question").nth(2)).to_contain_text("Your answer: warning letter")
    page.goto(attempt_url)  # the attempt is over: its page leads to the review
    expect(page.get_by_role("heading", name="Review: Check")).to_be_visible()


WORDS = {
    "en": {"start": "Start the quiz", "submit": "Submit and finish", "confirm": "Submit with unanswered questions?",
           "back": "Back to the quiz", "q2": "Question 2", "q3": "Question 3", "review": "Review: Check",
           "no_answer": "no answer"},
    "zh": {"start": "开始测验", "submit": "提交并结束", "confirm": "还有未作答的题目，仍要提交吗？",
           "back": "返回测验", "q2": "第2题", "q3": "第3题", "review": "查看作答：Check", "no_answer": "未作答"},
}


@pytest.mark.parametrize(("language", "javascript"), [("en", True), ("zh", False)])
def test_unanswered_questions_are_confirmed_before_finishing(page_factory, tmp_path, language, javascript):
    handle = f"confirmer-{language}"
    set_up(tmp_path, f"confirm-{language}", handle)
    words = WORDS[language]
    page = page_factory(javascript=javascript)
    log_in(page, handle, language)
    page.goto(f"/courses/confirm-{language}/quizzes/check")
    page.get_by_role("button", name=words["start"]).click()
    page.get_by_label("Supreme People's Court").check()
    page.get_by_role("button", name=words["submit"]).click()

    expect(page.get_by_role("heading", name=words["confirm"])).to_be_visible()
    unanswered = page.locator("#unanswered li")
    expect(unanswered).to_have_count(2)
    expect(unanswered.nth(0)).to_contain_text(words["q2"])
    expect(unanswered.nth(0)).to_contain_text("How many hours may a court take")
    expect(unanswered.nth(1)).to_contain_text(words["q3"])
    screenshot(page, f"quiz-confirm-{language}")
    page.get_by_role("button", name=words["back"]).click()

    expect(page.get_by_label("Supreme People's Court")).to_be_checked()
    page.locator("input[name^=q]").nth(2).fill("72")
    page.get_by_role("button", name=words["submit"]).click()
    expect(unanswered).to_have_count(1)
    expect(unanswered.nth(0)).to_contain_text(words["q3"])
    page.locator("form").filter(has=page.locator("input[name=confirmed]")).get_by_role(
        "button", name=words["submit"]).click()

    expect(page.get_by_role("heading", name=words["review"])).to_be_visible()
    expect(page.locator("section.question").nth(1)).to_contain_text("72")
    expect(page.locator("section.question").nth(2)).to_contain_text(words["no_answer"])
