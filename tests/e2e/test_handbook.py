"""A participant downloads her course as a handbook: she asks for it in Chinese, waits while it is
made, and downloads the PDF (its text is the course's, its bookmarks its modules), then the EPUB."""
import io
import zipfile
from pathlib import Path

from playwright.sync_api import expect
from pypdf import PdfReader

from courses.package import read_packages
from courses.services import get_course
from courses.sync import sync_courses
from tests.conftest import PASSWORD
from tests.courses.test_handbook import _modules
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
    module_titles = [m.titles["zh"] for m in _modules(course)]
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
    page.get_by_role("link", name="手册（PDF 或 EPUB）").click()
    page.get_by_role("button", name="制作手册：中文，A5").click()
    expect(page.get_by_text("手册已经做好")).to_be_visible(timeout=30_000)
    screenshot(page, "handbook-ready")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载手册（PDF）").click()
    reader_pdf = PdfReader(io.BytesIO(download.value.path().read_bytes()))
    text = "".join("".join(p.extract_text() for p in reader_pdf.pages).split())
    assert "了解你的权利" in text and "目录" in text
    assert [item.title for item in reader_pdf.outline if not isinstance(item, list)] == [
        *module_titles, "答案"]  # the modules, then the practice checks' answers

    # The same book for her phone: an EPUB, whose contents are the course's modules.
    page.get_by_role("link", name="手册", exact=True).click()
    page.get_by_role("button", name="制作手册：中文，EPUB").click()
    expect(page.get_by_text("手册已经做好")).to_be_visible(timeout=30_000)
    with page.expect_download() as download:
        page.get_by_role("link", name="下载手册（EPUB）").click()
    assert download.value.suggested_filename.endswith(".epub")
    book = zipfile.ZipFile(io.BytesIO(download.value.path().read_bytes()))
    nav = book.read("EPUB/nav.xhtml").decode()
    assert book.read("mimetype") == b"application/epub+zip"
    assert all(title in nav for title in module_titles)


def test_a_course_kept_offline_is_read_and_marked_then_synced(page_factory, live_server, tmp_path):
    """She keeps a course on her phone, goes offline (Playwright's offline mode), reads two lessons
    and marks one complete; back online her progress reaches the server; Leave quickly removes
    everything the phone kept."""
    from sqlalchemy import select

    from courses.models import Activity
    from tests.conftest import write_course
    from training.progress import ActivityCompletion

    folder = write_course(tmp_path, slug="train-course", modules=1, lessons=3, sequential=False)
    sync_courses(read_packages([folder])[0])
    course = get_course("train-course")
    reader = accounts.create_user("train-reader", PASSWORD)
    db.session.flush()
    enrol(reader, course.id)
    db.session.commit()

    phone = page_factory(viewport=(390, 844))
    phone.goto("/login")
    phone.get_by_label("Handle").fill("train-reader")
    phone.get_by_label("Password").fill(PASSWORD)
    phone.get_by_role("button", name="Log in").click()
    phone.goto("/courses/train-course")
    expect(phone.get_by_text("KB: the lessons and their images.")).to_be_visible()
    phone.get_by_role("button", name="Keep this course on this device").click()
    expect(phone.locator("#reader-status")).to_have_attribute("data-ready", "true")
    expect(phone.get_by_role("button", name="Remove it from this device")).to_be_visible()

    phone.context.set_offline(True)
    phone.goto("/courses/train-course/lessons/001-lesson")
    expect(phone.get_by_role("heading", name="Lesson 1")).to_be_visible()
    phone.get_by_role("link", name="Lesson 2 →").click()
    expect(phone.get_by_role("heading", name="Lesson 2")).to_be_visible()
    phone.get_by_role("button", name="Mark as complete").click()
    expect(phone.get_by_text("Marked as complete on this device: it is sent when you are online.")).to_be_visible()
    second = db.session.execute(select(Activity.id).where(Activity.course_id == course.id,
                                                          Activity.slug == "002-lesson")).scalar_one()
    assert db.session.execute(select(ActivityCompletion).where(ActivityCompletion.activity_id == second)).first() is None

    phone.context.set_offline(False)  # the page hears "online" and sends what waits
    for _ in range(50):
        db.session.expire_all()
        if db.session.execute(select(ActivityCompletion).where(ActivityCompletion.activity_id == second)).first():
            break
        phone.wait_for_timeout(100)
    assert db.session.execute(select(ActivityCompletion).where(ActivityCompletion.activity_id == second)).first()
    phone.goto("/courses/train-course")
    expect(phone.get_by_text("1 of 3 done")).to_be_visible()

    phone.evaluate("document.getElementById('quick-exit').href = 'about:blank'")  # no outside site in tests
    phone.get_by_role("link", name="Leave quickly").click()
    phone.wait_for_url("about:blank")
    phone.goto("/r")
    left = phone.evaluate("""async () => ({
      databases: (await indexedDB.databases()).map(d => d.name),
      caches: await caches.keys(),
      workers: (await navigator.serviceWorker.getRegistrations()).length,
      kept: localStorage.getItem('amicus-offline-courses')})""")
    assert left == {"databases": [], "caches": [], "workers": 0, "kept": None}
