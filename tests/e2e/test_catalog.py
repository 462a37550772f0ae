"""The catalog on a phone and on a wide screen, in English and Chinese: search, filter by audience
and language, read each course's length, languages and her progress; the home page and a course
page for a signed-out visitor."""
import pytest
from playwright.sync_api import expect

from courses.package import read_packages
from courses.services import complete_lesson, get_course
from courses.sync import sync_courses
from tests.conftest import PASSWORD, write_course
from tests.e2e.conftest import screenshot
from training import accounts
from training.extensions import db
from training.progress import enrol

COURSES = {
    "evidence-e2e": ("lawyers", ("en", "zh"), "Evidence in protection orders", "保护令中的证据",
                     "Warning letters and medical records.", "告诫书与病历。"),
    "headlines-e2e": ("journalists", ("en",), "Rewriting victim-blaming headlines", None,
                      "Name the act, in the active voice.", None),
}


@pytest.fixture(scope="module")
def catalog_world(live_server, tmp_path_factory):
    root = tmp_path_factory.mktemp("catalog")
    for slug, (track, languages, en, zh, summary_en, summary_zh) in COURSES.items():
        folder = write_course(root, slug=slug, modules=1, lessons=2, sequential=False, track=track,
                              languages=languages)
        yaml = (folder / "course.yaml").read_text(encoding="utf-8")
        in_zh = lambda text: f"\n  zh: {text}" if text else ""  # noqa: E731
        yaml = yaml.replace(f"title: Course {slug}", f"title:\n  en: {en}{in_zh(zh)}").replace(
            "summary: A course for tests.", f"summary:\n  en: {summary_en}{in_zh(summary_zh)}")
        (folder / "course.yaml").write_text(yaml, encoding="utf-8")
        specs, errors, _ = read_packages([folder])
        assert not errors, errors
        sync_courses(specs)
    user = accounts.create_user("catalog-mei", PASSWORD)
    db.session.flush()
    course = get_course("evidence-e2e")
    enrol(user, course.id)
    complete_lesson(course, "001-lesson", user, "en")
    db.session.commit()


def log_in(page, handle):
    page.goto("/login")
    page.locator("#handle").fill(handle)
    page.locator("#password").fill(PASSWORD)
    page.locator("#submit").click()


def no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth"), page.url


@pytest.mark.parametrize("width", [375, 1280])
def test_search_and_filter_in_english_and_chinese(page_factory, catalog_world, width):
    page = page_factory(viewport=(width, 900))
    log_in(page, "catalog-mei")
    page.goto("/courses")
    page.locator("#lang-select").select_option("en")  # she may have chosen Chinese at the other width
    page.locator(".language-form button").click()
    cards = page.locator(".course-card")
    expect(cards.filter(has_text="Evidence in protection orders")).to_contain_text("2 lessons · about 0.5 hours")
    expect(cards.filter(has_text="Evidence in protection orders")).to_contain_text("In English and 中文")
    expect(cards.filter(has_text="Evidence in protection orders")).to_contain_text("Enrolled")
    expect(cards.filter(has_text="Evidence in protection orders").locator("progress")).to_have_attribute("value", "50")
    expect(cards.filter(has_text="Rewriting victim-blaming headlines")).not_to_contain_text("Enrolled")
    no_sideways_scroll(page)

    page.get_by_label("Search the courses").fill("headlines")
    page.get_by_role("button", name="Search").click()
    expect(cards).to_have_count(1)
    expect(cards).to_contain_text("Rewriting victim-blaming headlines")
    expect(page.get_by_role("status")).to_have_text("1 course of 2 matches.")
    page.get_by_label("For", exact=True).select_option(label="For lawyers")
    page.get_by_role("button", name="Search").click()
    expect(cards).to_have_count(0)
    expect(page.get_by_text("No course matches “headlines” with these choices.")).to_be_visible()
    page.get_by_role("link", name="Show all courses").click()
    expect(cards).to_have_count(2)
    page.get_by_label("Course language").select_option("zh")
    page.get_by_role("button", name="Search").click()
    expect(cards).to_have_count(1)
    expect(cards).to_contain_text("Evidence in protection orders")
    screenshot(page, f"catalog-en-{width}")
    no_sideways_scroll(page)

    # In Chinese: a Chinese word finds the course by its Chinese summary; the filters keep working.
    page.goto("/courses")
    page.locator("#lang-select").select_option("zh")
    page.locator(".language-form button").click()
    expect(page.get_by_role("heading", name="课程", exact=True)).to_be_visible()
    expect(cards.filter(has_text="保护令中的证据")).to_contain_text("2 节课 · 约 0.5 小时")
    page.get_by_label("搜索课程").fill("病历")
    page.get_by_role("button", name="搜索", exact=True).click()
    expect(cards).to_have_count(1)
    expect(cards).to_contain_text("保护令中的证据")
    page.get_by_label("搜索课程").fill("")
    page.get_by_label("适合对象").select_option("journalists")
    page.get_by_role("button", name="搜索", exact=True).click()
    expect(cards).to_have_count(1)
    expect(cards).to_contain_text("Rewriting victim-blaming headlines")  # in English only
    screenshot(page, f"catalog-zh-{width}")
    no_sideways_scroll(page)


def test_a_visitor_reads_what_she_can_do_and_is_offered_an_account(page_factory, catalog_world):
    page = page_factory(viewport=(375, 800))
    page.goto("/")
    expect(page.locator(".who-does-what li")).to_have_count(2)
    expect(page.locator(".who-does-what")).to_contain_text("Trainers")
    page.get_by_role("link", name="Browse the courses").click()
    page.get_by_role("link", name="Evidence in protection orders").click()
    expect(page.get_by_role("link", name="Log in to enrol")).to_be_visible()
    page.get_by_role("link", name="Create an account").click()
    assert page.url.endswith("/register")
    no_sideways_scroll(page)
