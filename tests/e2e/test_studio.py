"""The Studio in the browser: a trainer publishes a new course from a ZIP of its package, sees
its version and downloads it; a package with a problem is listed and nothing is published; the
pages in Chinese pass axe."""
import io
import re
import zipfile

from playwright.sync_api import expect

from tests.conftest import PASSWORD, write_course
from tests.e2e.conftest import screenshot
from tests.e2e.test_accessibility import scan
from tests.e2e.test_confirmations_zh import choose_chinese, log_in
from training import accounts
from training.extensions import db


def _zip(folder) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            archive.writestr(f"{folder.name}/{path.relative_to(folder).as_posix()}", path.read_bytes())
    return buffer.getvalue()


def test_a_trainer_publishes_a_course_from_a_zip(page_factory, live_server, tmp_path):
    accounts.create_user("studio-tess", PASSWORD, role="trainer").locale = "en"
    db.session.commit()
    good = write_course(tmp_path / "good", slug="studio-e2e", modules=1, lessons=2)
    bad = write_course(tmp_path / "bad", slug="studio-e2e-bad", modules=1, lessons=1)
    (bad / "course.yaml").write_text((bad / "course.yaml").read_text().replace("track: lawyers", "track: pilots"))

    page = page_factory(viewport=(390, 844), bypass_csp=True)
    log_in(page, "studio-tess")
    page.get_by_role("link", name="Studio", exact=True).click()
    expect(page.get_by_role("heading", name="Studio", exact=True)).to_be_visible()
    page.get_by_label("Course package (a ZIP of its folder)").set_input_files(
        {"name": "studio-e2e-bad.zip", "mimeType": "application/zip", "buffer": _zip(bad)})
    page.get_by_role("button", name="Check and publish").click()
    expect(page.get_by_text("The package has problems; nothing was published.")).to_be_visible()
    expect(page.locator(".problems li").first).to_contain_text("studio-e2e-bad/course.yaml")

    page.get_by_label("Course package (a ZIP of its folder)").set_input_files(
        {"name": "studio-e2e.zip", "mimeType": "application/zip", "buffer": _zip(good)})
    page.get_by_role("button", name="Check and publish").click()
    expect(page.get_by_text("Published “studio-e2e” as version 1.")).to_be_visible()
    expect(page.locator("table tbody tr")).to_have_count(1)
    expect(page.locator("table tbody tr").first).to_contain_text("studio-tess")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download (ZIP)").click()
    assert download.value.suggested_filename == "studio-e2e-v1.zip"
    assert zipfile.ZipFile(download.value.path()).namelist()[0].startswith("studio-e2e/")
    assert scan(page) == []
    screenshot(page, "studio-course")

    # Edit a lesson in the browser: preview, save a draft, publish it as version 2.
    page.get_by_role("link", name="Edit the course's files").click()
    page.get_by_role("link", name="lessons/001-lesson.md").click()
    editor = page.get_by_label("Text", exact=True)
    editor.fill("# Protection orders, revised\n\nA **court** may order the respondent to stay away.\n")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator(".preview strong")).to_have_text("court")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved. Publish the drafts when they are ready.")).to_be_visible()
    expect(page.get_by_text("A draft: not published yet.")).to_be_visible()
    page.get_by_role("link", name="Files").click()
    expect(page.locator("tr", has_text="lessons/001-lesson.md")).to_contain_text("Draft")
    assert scan(page) == []
    # A chapter from Word, as a new lesson's Chinese... and English text: drafts to check.
    from tests.courses.test_studio_drafts import _docx

    page.get_by_label("Word document (.docx)").set_input_files({
        "name": "chapter.docx", "mimeType": "application/octet-stream",
        "buffer": _docx("Collecting evidence", "Courts accept many kinds of proof.")})
    page.get_by_label("Lesson file name").fill("003-evidence")
    page.get_by_label("Language of the document").select_option("en")
    page.get_by_role("button", name="Import as a draft").click()
    expect(page.get_by_text("Imported as a draft of lessons/003-evidence.md, with 1 image.")).to_be_visible()
    expect(page.get_by_label("Text", exact=True)).to_have_value(re.compile(r"^# Collecting evidence\n"))
    page.get_by_role("button", name="Preview").click()
    expect(page.locator(".preview table")).to_be_visible()
    page.get_by_role("link", name="Files").click()
    page.locator("tr", has_text="lessons/003-evidence.md").get_by_role("button", name="Discard").click()
    page.locator("tr", has_text="assets/003-evidence-en-1.png").get_by_role("button", name="Discard").click()
    expect(page.get_by_text("The draft is discarded.")).to_be_visible()
    page.get_by_role("button", name="Check and publish the drafts").click()
    expect(page.get_by_text("Published “studio-e2e” as version 2.")).to_be_visible()
    expect(page.locator("table tbody tr")).to_have_count(2)
    page.get_by_role("link", name="Compare versions").click()
    expect(page.locator(".diff ins", has_text="court")).to_be_visible()
    assert scan(page) == []
    page.go_back()
    page.get_by_role("link", name="Open the course").click()
    expect(page).to_have_url(live_server.url + "/courses/studio-e2e")
    page.get_by_role("link", name="Protection orders, revised").click()
    expect(page.locator("main strong", has_text="court")).to_be_visible()

    choose_chinese(page)
    page.goto("/studio")
    expect(page.get_by_role("heading", name="课程工作室", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Course studio-e2e")).to_be_visible()
    assert scan(page) == []


def test_an_author_creates_a_course_from_nothing_and_a_participant_completes_it(page_factory, live_server):
    """Issue #19's journey: an author creates a bilingual course in the browser (a lesson, a quiz, a
    pre/post survey, a certificate), writes its lesson, publishes; a participant completes it and
    gets the certificate; the author edits the lesson and publishes again; her progress stays."""
    accounts.create_user("maker-tess", PASSWORD, role="trainer").locale = "en"
    accounts.create_user("maker-mei", PASSWORD).locale = "en"
    db.session.commit()

    author = page_factory(bypass_csp=True)
    log_in(author, "maker-tess")
    author.goto("/studio")
    author.get_by_label("Short name for the address").fill("safety-planning")
    author.get_by_label("Title in English").fill("Safety planning with survivors")
    author.get_by_label("Title in Chinese (optional: leave empty for an English-only course)").fill("与幸存者一起制定安全计划")
    author.get_by_label("Who it is for").select_option("ngos")
    author.get_by_role("button", name="Create the course").click()
    expect(author.get_by_text("“Safety planning with survivors” is created.")).to_be_visible()
    # Both languages of the lesson side by side, previewed, saved together.
    author.get_by_role("link", name="Both languages side by side").first.click()
    author.get_by_label("English").fill("# Why plan\n\nA plan names **safe places** and people to call.\n")
    author.get_by_label("中文").fill("# 为什么要做计划\n\n计划里写明**安全的地方**和可以求助的人。\n")
    author.get_by_role("button", name="Preview").click()
    expect(author.locator(".preview strong", has_text="安全的地方")).to_be_visible()
    assert scan(author) == []
    author.get_by_role("button", name="Save drafts").click()
    expect(author.get_by_text("Drafts saved.")).to_be_visible()
    author.get_by_role("link", name="Files").click()
    # The whole course as a participant will see it, before anything is published.
    author.get_by_role("link", name="Preview the course as participants will see it").click()
    author.get_by_role("link", name="Why plan").click()
    expect(author.locator(".lesson strong", has_text="safe places")).to_be_visible()
    assert scan(author) == []
    author.get_by_role("link", name="Safety planning with survivors").click()
    author.get_by_role("link", name="中文").click()
    expect(author.get_by_role("link", name="为什么要做计划")).to_be_visible()
    author.goto("/studio/safety-planning/files")
    author.get_by_role("button", name="Check and publish the drafts").click()
    expect(author.get_by_text("Published “safety-planning” as version 2.")).to_be_visible()

    mei = page_factory()
    log_in(mei, "maker-mei")
    mei.goto("/courses/safety-planning")
    mei.get_by_role("button", name="Enrol in this course").click()
    mei.goto("/courses/safety-planning/lessons/01-introduction")
    expect(mei.locator("main strong", has_text="safe places")).to_be_visible()
    mei.get_by_role("button", name="Mark as complete").click()
    mei.goto("/courses/safety-planning/quizzes/01-check")
    mei.get_by_role("button", name="Start the quiz").click()
    mei.get_by_label("The right answer").check()
    mei.get_by_role("button", name="Submit and finish").click()
    expect(mei.get_by_text("Score: 100")).to_be_visible()
    mei.goto("/courses/safety-planning")
    expect(mei.get_by_role("progressbar")).to_have_accessible_name("2 of 4 done (50%)")  # the surveys are voluntary
    mei.get_by_role("link", name="Get your certificate").click()
    mei.get_by_label("The name to print on your certificate").fill("Chen Mei")
    mei.get_by_label("I have checked the spelling").check()
    mei.get_by_role("button", name="Make my certificate").click()
    expect(mei.get_by_text("Your certificate is ready")).to_be_visible()

    # The author rewrites the lesson and publishes again: the participant's progress stays.
    author.goto("/studio/safety-planning/edit/lessons/01-introduction.md")
    author.get_by_label("Text", exact=True).fill("# Why plan\n\nA plan names **safe places**, people to call and a bag to keep ready.\n")
    author.get_by_role("button", name="Save draft").click()
    author.get_by_role("link", name="Files").click()
    author.get_by_role("button", name="Check and publish the drafts").click()
    expect(author.get_by_text("Published “safety-planning” as version 3.")).to_be_visible()
    mei.goto("/courses/safety-planning/lessons/01-introduction")
    expect(mei.get_by_text("a bag to keep ready")).to_be_visible()
    mei.goto("/courses/safety-planning")
    expect(mei.get_by_role("progressbar")).to_have_accessible_name("2 of 4 done (50%)")
    mei.goto("/courses/safety-planning/certificate")
    expect(mei.get_by_role("link", name="Download the certificate (PDF)")).to_be_visible()
