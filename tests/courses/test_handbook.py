"""Handbooks: a course version as one PDF (cover, contents, modules and lessons in order, bookmarks,
both languages), made once in the background and served from storage to those who may read the
course; what it could not include is said; the operators' command."""
import io
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import delete, func, select
from sqlalchemy.orm import selectinload

from courses import handbook as handbooks
from courses.models import Activity, Course, Handbook, LessonContent
from courses.package import read_packages
from courses.services import get_course
from courses.sync import sync_courses
from tests.conftest import QUIZ_GIFT, csrf_token, login
from training.extensions import db
from training.progress import enrol

LIBRARY = Path(__file__).resolve().parents[2] / "courses" / "library"


def _library(slug: str):
    specs, errors, _ = read_packages([LIBRARY / slug])
    assert not errors, errors
    sync_courses(specs)
    db.session.commit()
    return get_course(slug)


def _modules(course) -> list:
    """The course's modules in order: ``Course.modules``, loaded when asked for (never lazily)."""
    return db.session.execute(select(Course).where(Course.id == course.id)
                              .options(selectinload(Course.modules))).scalar_one().modules


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _outline(pdf: bytes) -> list:
    reader = PdfReader(io.BytesIO(pdf))

    def walk(items):
        out = []
        for item in items:
            if isinstance(item, list):
                out[-1][1].extend(walk(item))
            else:
                out.append((item.title, []))
        return out

    return walk(reader.outline)


def test_a_bilingual_handbook_has_its_modules_and_lessons_in_order_with_bookmarks(app):
    course = _library("know-your-rights")
    with app.test_request_context():
        pdf, pages, notes = handbooks.render(course, "both", "a5")
    text = " ".join(_text(pdf).split())
    assert notes == [] and pages > 10 and len(pdf) < 3_000_000
    assert "Know your rights at work and at home" in text and "了解你的权利" in text.replace(" ", "")
    modules = [m.titles["en"] for m in _modules(course)]
    positions = [text.index(title) for title in modules]
    assert positions == sorted(positions)  # in course order (each also in the contents, before)
    outline = _outline(pdf)
    assert [title.split(" / ")[0] for title, _children in outline] == [*modules, "Answers"]
    printed = db.session.execute(select(Activity).where(Activity.course_id == course.id,
                                                        Activity.kind.in_(("lesson", "quiz")))
                                 .order_by(Activity.position)).scalars().all()
    assert [t for _m, children in outline for t, _c in children] == [
        f"{a.titles['en']} / {a.titles['zh']}" for a in printed]
    assert "done on the site" in text  # the surveys are listed, not printed
    assert "answers at the end of the book" in text


QUIZ = QUIZ_GIFT + """
::Q4:: The order lasts at most six months. {TRUE}

::Q5:: Which are protection measures? {~%50%No contact ~%50%Stay away from the home ~%-100%A fine}

::Q6:: Match the deadlines. {=Urgent case -> 24 hours =Ordinary case -> 72 hours =Order in force -> 6 months}

::Q7:: A police warning is called a {=gaoji shu =告诫书}.
"""


def test_a_quiz_prints_as_review_exercises_with_its_key_at_the_end(app, make_course):
    course = make_course(modules=1, lessons=1, quiz=QUIZ)
    with app.test_request_context():
        pdf, _pages, _notes = handbooks.render(course, "en", "a4")
    text = " ".join(_text(pdf).split())
    start = text.index("Answers", text.index("A police warning is called a"))  # after the last exercise
    exercises, key = text[:start], text[start:]
    assert "Which court issued the 2022 provisions?" in exercises and "Choose every right answer." in exercises
    assert "Match the deadlines." in exercises and "Supreme People's Court" in exercises
    assert "A (Supreme People's Court)" in key
    assert "72" in key and "marked by a trainer" in key and "True" in key
    assert "A (No contact), B (Stay away from the home)" in key
    assert "1–A, 2–C, 3–B" in key  # answers lettered in alphabetical order: A 24 hours, B 6 months, C 72 hours
    assert "gaoji shu / 告诫书" in key


def test_the_author_can_leave_the_key_out(app, make_course):
    course = make_course(modules=1, lessons=1, quiz=QUIZ, extra_yaml="handbook: {answer_key: false}\n")
    assert course.handbook == {"answer_key": False}
    with app.test_request_context():
        pdf, _pages, _notes = handbooks.render(course, "en", "a4")
    text = " ".join(_text(pdf).split())
    assert "Which court issued the 2022 provisions?" in text and "Answers" not in text
    assert "marked by a trainer" not in text


def test_what_cannot_be_included_is_said_and_the_rest_builds(app, make_course):
    course = make_course(modules=1, lessons=2, languages=("en", "zh"))
    first, second = db.session.execute(select(Activity.id).where(Activity.course_id == course.id)
                                       .order_by(Activity.position)).scalars().all()
    db.session.execute(delete(LessonContent).where(LessonContent.activity_id == first, LessonContent.lang == "zh"))
    row = db.session.execute(select(LessonContent).where(LessonContent.activity_id == second,
                                                         LessonContent.lang == "en")).scalar_one()
    row.html += (f'<p><img src="/courses/{course.slug}/assets/gone.png" alt="A chart"></p>'
                 '<p><a href="/courses/other">another course</a> and <a href="https://example.org/law">the law</a></p>')
    db.session.commit()
    from courses import structure

    structure.clear()
    with app.test_request_context():
        pdf, _pages, notes = handbooks.render(course, "both", "a4")
    assert any("has no Chinese version" in n for n in notes) and any("gone.png" in n for n in notes)
    text = " ".join(_text(pdf).split())
    assert "[A chart]" in text and "Not included" in text and "第2课的内容" in text.replace(" ", "")


def test_an_arabic_and_khmer_title_a_long_table_and_an_unreadable_image_still_make_the_pdf(app, make_course):
    from courses.models import CourseAsset

    course = make_course(modules=1, lessons=2, languages=("en", "zh"))
    second = db.session.execute(select(Activity.id).where(Activity.course_id == course.id)
                                .order_by(Activity.position.desc()).limit(1)).scalar_one()
    db.session.add(CourseAsset(course_id=course.id, path="assets/chart.bmp", mimetype="image/bmp", sha256="0" * 64,
                               data=b"BM"))
    row = db.session.execute(select(LessonContent).where(LessonContent.activity_id == second,
                                                         LessonContent.lang == "en")).scalar_one()
    row.html += ("<table><thead><tr><th>n</th><th>text</th></tr></thead><tbody>" + "".join(
        f"<tr><td>row {n}</td><td>{'a long cell of the table ' * 4}</td></tr>" for n in range(300))
                 + f'</tbody></table><p><img src="/courses/{course.slug}/assets/chart.bmp" alt="A broken chart"></p>')
    course.titles = {"en": "حقوق المرأة · សិទ្ធិស្ត្រី", "zh": "妇女权利"}
    db.session.commit()
    from courses import structure

    structure.clear()
    with app.test_request_context():
        pdf, pages, notes = handbooks.render(course, "both", "a5")
    assert any("chart.bmp" in n for n in notes)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == pages and pages > 10  # the long table runs over pages, the book is whole
    text = " ".join(_text(pdf).split())
    assert "row 0" in text and "row 299" in text and "Not included" in text
    assert "حقوق" in reader.metadata.title or "妇女权利" in reader.metadata.title


def test_a_participant_makes_it_once_and_everyone_downloads_the_same(app, make_user):
    course = _library("know-your-rights")
    mei, lan = make_user("mei"), make_user("lan")
    make_user("stranger")  # enrolled in nothing
    enrol(mei, course.id)
    enrol(lan, course.id)
    db.session.commit()
    client = app.test_client()
    login(client, "mei")
    page = client.get("/courses/know-your-rights/handbook")
    assert page.status_code == 200 and "English and Chinese" in page.get_data(as_text=True)
    token = csrf_token(page.get_data(as_text=True))
    bad = client.post("/courses/know-your-rights/handbook", data={"csrf_token": token, "lang": "fr", "paper": "a4"})
    assert bad.status_code == 422 and db.session.execute(select(func.count(Handbook.id))).scalar_one() == 0
    made = client.post("/courses/know-your-rights/handbook", data={"csrf_token": token, "lang": "zh", "paper": "a4"})
    assert made.status_code == 302
    status = client.get(made.headers["Location"]).get_data(as_text=True)
    assert "The handbook is ready" in status
    row = db.session.execute(select(Handbook)).scalar_one()
    assert row.status == "done" and row.version == course.version and row.pages > 5
    pdf = client.get(f"/courses/know-your-rights/handbook/{row.id}.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data == row.data

    other = app.test_client()
    login(other, "lan")
    again = other.post("/courses/know-your-rights/handbook", data={"lang": "zh", "paper": "a4"})
    assert again.headers["Location"].endswith(f"/handbook/{row.id}")  # the one made: not made twice
    assert other.get(f"/courses/know-your-rights/handbook/{row.id}.pdf").data == row.data
    assert db.session.execute(select(func.count(Handbook.id))).scalar_one() == 1

    outsider = app.test_client()
    login(outsider, "stranger")
    assert outsider.get("/courses/know-your-rights/handbook").status_code == 403
    assert outsider.get(f"/courses/know-your-rights/handbook/{row.id}.pdf").status_code == 403
    assert app.test_client().get(f"/courses/know-your-rights/handbook/{row.id}.pdf").status_code == 302  # log in


def test_a_new_version_gets_its_own_handbook(app, make_user):
    course = _library("know-your-rights")
    with app.test_request_context():
        first = handbooks.request_handbook(course, "en", "a4")
        db.session.commit()
        handbooks.build(first.id)
    course.version += 1
    db.session.commit()
    assert handbooks.current(course, "en", "a4") is None
    with pytest.raises(handbooks.HandbookError):
        handbooks.request_handbook(course, "en", "letter")


def test_the_operators_command_writes_the_pdf(app, tmp_path):
    _library("know-your-rights")
    out = tmp_path / "handbook.pdf"
    result = app.test_cli_runner().invoke(args=["courses", "handbook", "know-your-rights", "--lang", "zh",
                                                "--paper", "a5", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF") and "pages" in result.output
    wrong = app.test_cli_runner().invoke(args=["courses", "handbook", "know-your-rights", "--lang", "fr",
                                               "--out", str(out)])
    assert wrong.exit_code != 0 and "choose one of them" in wrong.output


def test_a_case_prints_one_sides_file_and_only_trainers_get_the_bench_memo(app, make_user):
    course = _library("gbv-litigation")
    from courses.cases.handbook import case_file
    from courses.cases.models import CaseDocument

    case = db.session.execute(select(Activity).where(Activity.course_id == course.id, Activity.kind == "case")).scalar_one()
    with app.test_request_context():
        a, r, t = (case_file(case, "en", edition) for edition in ("applicant", "respondent", "trainer"))
    titles = {d.slug: d.titles["en"] for d in db.session.execute(select(CaseDocument)).scalars()}
    memo, intake, instructions = titles["bench-memo"], titles["applicant-intake"], titles["respondent-instructions"]
    assert intake in a and instructions not in a and memo not in a
    assert instructions in r and intake not in r and memo not in r
    assert memo in t and intake in t and instructions in t and "Rubric for the written submissions" in t
    assert "judges and trainers only" in t and "judges and trainers only" not in a

    participant = make_user("mei")
    make_user("coach", role="trainer")
    enrol(participant, course.id)
    db.session.commit()
    with app.test_request_context():
        with pytest.raises(handbooks.HandbookError, match="editions offered"):
            handbooks.request_handbook(course, "en", "a4", "trainer", trainer=False)
        with pytest.raises(handbooks.HandbookError, match="editions offered"):
            handbooks.request_handbook(course, "en", "a4", "", trainer=True)  # a case: choose a side
        row = handbooks.request_handbook(course, "en", "a5", "trainer", trainer=True)
        db.session.commit()
        handbooks.build(row.id)
    text = " ".join(_text(row.data).split())  # the whole book: the memo and the warning on its cover
    assert memo in text and "Do not give it to participants" in text
    mine = app.test_client()
    login(mine, "mei")
    page = mine.get("/courses/gbv-litigation/handbook").get_data(as_text=True)
    assert "the applicant&#39;s team" in page or "the applicant's team" in page
    assert 'value="trainer"' not in page
    assert mine.get(f"/courses/gbv-litigation/handbook/{row.id}.pdf").status_code == 403  # never by URL
    assert mine.get(f"/courses/gbv-litigation/handbook/{row.id}").status_code == 403
    assert mine.post("/courses/gbv-litigation/handbook", data={"lang": "en", "paper": "a4",
                                                               "edition": "trainer"}).status_code == 422
    theirs = app.test_client()
    login(theirs, "coach")
    assert 'value="trainer"' in theirs.get("/courses/gbv-litigation/handbook").get_data(as_text=True)
    assert theirs.get(f"/courses/gbv-litigation/handbook/{row.id}.pdf").data == row.data


def test_the_page_count_is_stable_and_the_text_comes_out_in_course_order(app):
    course = _library("know-your-rights")
    with app.test_request_context():
        first, pages, _notes = handbooks.render(course, "en", "a5")
        again, pages_again, _notes = handbooks.render(course, "en", "a5")
    assert pages == pages_again == len(PdfReader(io.BytesIO(again)).pages)
    assert _text(first) == _text(again)  # the same book each time it is made (but the day it was printed)
    lessons = db.session.execute(select(Activity).where(Activity.course_id == course.id, Activity.kind == "lesson")
                                 .order_by(Activity.position)).scalars().all()
    body = " ".join(_text(first).split())
    body = body[body.index(lessons[0].titles["en"], body.index(lessons[-1].titles["en"])):]  # after the contents
    at = 0
    for lesson in lessons:  # each found after the one before it
        at = body.index(lesson.titles["en"], at) + 1
