"""Quick exit, and the site in Chinese: switch language, read a lesson, take a quiz."""
from playwright.sync_api import expect

from courses.package import read_packages
from courses.services import get_course
from courses.sync import sync_courses
from tests.conftest import PASSWORD, write_course
from tests.e2e.conftest import screenshot
from training import accounts
from training.extensions import db
from training.progress import enrol


def setup_course(tmp_path, slug):
    folder = write_course(tmp_path, slug=slug, modules=1, lessons=2, sequential=False, languages=("en", "zh"),
                          quiz="::Q:: 保护令最长有效期是多久？ {=六个月 ~一年}", quiz_settings="pass_mark: 50")
    sync_courses(read_packages([folder])[0])
    user = accounts.create_user(f"{slug}-user", PASSWORD)
    db.session.flush()
    enrol(user, get_course(slug).id)
    db.session.commit()


def log_in(page, handle):
    page.goto("/login")
    page.locator("#handle").fill(handle)
    page.locator("#password").fill(PASSWORD)
    page.locator("#submit").click()


def test_quick_exit_leaves_and_back_does_not_return(page_factory, live_server, tmp_path):
    setup_course(tmp_path, "exit-course")
    live_server.app.config["AMICUS_QUICK_EXIT_URL"] = "about:blank"
    page = page_factory()
    log_in(page, "exit-course-user")
    page.goto("/courses")
    page.goto("/courses/exit-course/lessons/001-lesson")
    page.get_by_role("link", name="Leave quickly").click()
    page.wait_for_url("about:blank")
    page.go_back()
    expect(page).to_have_url(f"{live_server.url}/courses")  # the lesson was replaced in the history


def test_the_site_in_chinese(page_factory, live_server, tmp_path):
    setup_course(tmp_path, "zh-course")
    page = page_factory()
    log_in(page, "zh-course-user")
    page.goto("/courses/zh-course/lessons/001-lesson")
    expect(page.get_by_role("heading", name="Lesson 1")).to_be_visible()
    screenshot(page, "lesson-english")
    page.get_by_label("Language").select_option("zh")
    page.get_by_role("button", name="Change").click()
    expect(page.get_by_role("heading", name="第1课")).to_be_visible()
    expect(page.get_by_role("button", name="标记为已完成")).to_be_visible()
    screenshot(page, "lesson-chinese")
    page.get_by_role("button", name="标记为已完成").click()
    page.get_by_role("link", name="我的学习").click()
    expect(page.get_by_role("heading", name="我的学习")).to_be_visible()
    page.goto("/courses/zh-course/quizzes/check")
    page.get_by_role("button", name="开始测验").click()
    page.get_by_label("六个月").check()
    page.get_by_role("button", name="提交并结束").click()
    expect(page.get_by_text("您已完成本测验")).to_be_visible()
    screenshot(page, "quiz-review-chinese")
