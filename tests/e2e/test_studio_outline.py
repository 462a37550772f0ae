"""The outline editor in the browser (issue #19): an author creates a course, renames it, adds a
module with a new lesson, moves an activity with the buttons (no JavaScript needed), is told why a
step that would empty a module is refused, sets a quiz's pass mark, writes the new lesson and
publishes the drafts; a participant sees the new outline. The pages pass axe."""
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import screenshot
from tests.e2e.test_accessibility import scan
from tests.e2e.test_confirmations_zh import log_in
from training import accounts
from training.extensions import db


def test_an_author_reshapes_a_course_in_the_outline_editor_and_publishes_it(page_factory, live_server):
    accounts.create_user("outline-tess", PASSWORD, role="trainer").locale = "en"
    accounts.create_user("outline-mei", PASSWORD).locale = "en"
    db.session.commit()

    author = page_factory(javascript=False)  # every step is a form and a button
    log_in(author, "outline-tess")
    author.goto("/studio")
    author.get_by_label("Short name for the address").fill("outline-e2e")
    author.get_by_label("Title in English").fill("Safety planning")
    author.get_by_label("Title in Chinese (optional: leave empty for an English-only course)").fill("安全计划")
    author.get_by_label("Who it is for").select_option("ngos")
    author.get_by_role("button", name="Create the course").click()
    expect(author.get_by_text("“Safety planning” is created.")).to_be_visible()

    author.goto("/studio/outline-e2e/outline")
    expect(author.get_by_role("heading", name="Outline of Safety planning")).to_be_visible()
    expect(author.get_by_text("its comments are not kept")).to_be_visible()
    author.get_by_label("Title in English", exact=True).first.fill("Safety planning with survivors")
    author.get_by_label("Sequential: each module opens when the one before is complete").check()
    author.get_by_role("button", name="Save the course settings").click()
    expect(author.get_by_text("The course settings are saved as a draft of course.yaml.")).to_be_visible()

    author.get_by_label("Short name of the new module").fill("going-further")
    author.locator("#new-title_en").fill("Going further")
    author.locator("#new-title_zh").fill("深入学习")
    author.get_by_label("Its first lesson's file name").fill("02-further")
    author.get_by_role("button", name="Add the module").click()
    expect(author.get_by_text("The module is added, with a draft of its first lesson.")).to_be_visible()
    expect(author.get_by_role("heading", name="Going further (going-further)")).to_be_visible()

    # The lesson is alone in its module: moving it out would leave the module empty.
    author.get_by_role("button", name="Move to the previous module 02-further", exact=True).click()
    expect(author.get_by_text("The outline would have problems; nothing was saved.")).to_be_visible()
    expect(author.locator(".problems li").first).to_contain_text("non-empty 'activities' list")
    # The survey before the course goes after the first lesson.
    author.get_by_role("button", name="Move down before", exact=True).click()
    expect(author.get_by_text("The activity is moved down.")).to_be_visible()
    first_module = author.locator("#module-0 tbody tr")
    expect(first_module.nth(0)).to_contain_text("01-introduction")
    expect(first_module.nth(1)).to_contain_text("before")

    author.get_by_role("link", name="Edit 01-check", exact=True).click()
    author.get_by_label("Pass mark, percent (optional)").fill("150")
    author.get_by_role("button", name="Save the activity").click()
    expect(author.get_by_text("Number must be between 0 and 100.")).to_be_visible()
    author.get_by_label("Pass mark, percent (optional)").fill("50")
    author.get_by_role("button", name="Save the activity").click()
    expect(author.get_by_text("The activity is saved as a draft of course.yaml.")).to_be_visible()

    # The new lesson's draft, written in the text editor; then everything is published together.
    author.goto("/studio/outline-e2e/edit/lessons/02-further.md")
    author.get_by_label("Text", exact=True).fill("# Going further\n\nA plan is **reviewed** with her each month.\n")
    author.get_by_role("button", name="Save draft").click()
    expect(author.get_by_text("Draft saved.")).to_be_visible()
    author.get_by_role("link", name="Files").click()
    expect(author.locator("tr", has_text="course.yaml")).to_contain_text("Draft")
    expect(author.locator("tr", has_text="lessons/02-further.zh.md")).to_contain_text("Draft")
    author.get_by_role("button", name="Check and publish the drafts").click()
    expect(author.get_by_text("Published “outline-e2e” as version 2.")).to_be_visible()

    checker = page_factory(bypass_csp=True)  # axe is a script: the outline pages, with scripts on
    log_in(checker, "outline-tess")
    for path in ("/studio/outline-e2e/outline", "/studio/outline-e2e/outline/modules/1",
                 "/studio/outline-e2e/outline/modules/0/activities/2"):
        checker.goto(path)
        assert scan(checker) == [], path
    checker.goto("/studio/outline-e2e/outline")
    screenshot(checker, "studio-outline")

    mei = page_factory()
    log_in(mei, "outline-mei")
    mei.goto("/courses/outline-e2e")
    expect(mei.get_by_role("heading", name="Safety planning with survivors", exact=True)).to_be_visible()
    mei.get_by_role("button", name="Enrol in this course").click()
    mei.goto("/courses/outline-e2e")
    modules = mei.locator("ol.modules > li")
    expect(modules).to_have_count(2)
    expect(modules.nth(0).locator(".activity").first).to_contain_text("Introduction")  # moved above the survey
    expect(modules.nth(1).locator("h2")).to_contain_text("Going further")
    expect(modules.nth(1).locator(".lock-note")).to_be_visible()  # the course is sequential now
    expect(modules.nth(1).locator(".activity")).to_contain_text("Going further")
