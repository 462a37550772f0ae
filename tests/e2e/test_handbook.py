"""A participant downloads her course as a handbook: she asks for it in Chinese, waits while it is
made, and downloads the PDF; its text is the course's, its bookmarks its modules."""
import io
from pathlib import Path

from playwright.sync_api import expect
from pypdf import PdfReader

from courses.package import read_packages
from courses.services import get_course
from courses.sync import sync_courses
from tests.conftest import PASSWORD
from tests.e2e.conftest import screenshot
from training import accounts
from training.extensions import db
from training.progress import enrol

LIBRARY = Path(__file__).resolve().parents[2] / "courses" / "library"


def test_a_participant_downloads_the_handbook_in_chinese(page_factory, live_server):
    specs, errors, _ = read_packages([LIBRARY / "know-your-rights"])
    assert not errors
    sync_courses(specs)
    course = get_course("know-your-rights")
    reader = accounts.create_user("handbook-reader", PASSWORD)
    db.session.flush()
    enrol(reader, course.id)
    db.session.commit()

    page = page_factory(viewport=(390, 844))
    page.goto("/login")
    page.get_by_label("Handle").fill("handbook-reader")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("Language").select_option("zh")
    page.get_by_role("button", name="Change").click()
    page.goto("/courses/know-your-rights")
    page.get_by_role("link", name="手册（PDF）").click()
    page.get_by_role("button", name="制作手册：中文，A5").click()
    expect(page.get_by_text("手册已经做好")).to_be_visible(timeout=30_000)
    screenshot(page, "handbook-ready")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载手册（PDF）").click()
    reader_pdf = PdfReader(io.BytesIO(download.value.path().read_bytes()))
    text = "".join("".join(p.extract_text() for p in reader_pdf.pages).split())
    assert "了解你的权利" in text and "目录" in text
    assert [item.title for item in reader_pdf.outline if not isinstance(item, list)] == [
        *(m.titles["zh"] for m in course.modules), "答案"]  # the modules, then the practice checks' answers
