"""GIFT import and export, the question bank, quizzes drawing from it, trainers' uploads."""
import io
from datetime import date

import pytest
from sqlalchemy import func, select

from courses.services import get_course
from quizzes import services
from quizzes.gift import parse_gift
from quizzes.models import QuizQuestion
from tests.conftest import login
from training import cohorts
from training.extensions import db
from training.progress import enrol

BANK_GIFT = """$CATEGORY: practice

::P1:: Orders last at most {=six months ~one year} in one go.

::P2:: How many hours for an urgent ruling? {#24}

::P3:: Police warning letters are called 告诫书 in Chinese. {T}
"""


def bank_count(category=None):
    query = select(func.count(QuizQuestion.id)).where(QuizQuestion.quiz_id.is_(None))
    if category:
        query = query.where(QuizQuestion.category == category)
    return db.session.execute(query).scalar_one()


def test_cli_import_then_export_round_trips(app, make_course, tmp_path):
    make_course(slug="source", modules=1, lessons=1)
    make_course(slug="target", modules=1, lessons=1)
    source = tmp_path / "bank.gift"
    source.write_text(BANK_GIFT, encoding="utf-8")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["quizzes", "import", str(source), "--course", "source"])
    assert result.exit_code == 0, result.output
    assert "Imported 3 question(s) into practice; 0 already there." in result.output
    again = runner.invoke(args=["quizzes", "import", str(source), "--course", "source"])
    assert "Imported 0 question(s)" in again.output and "3 already there" in again.output
    other = runner.invoke(args=["quizzes", "import", str(source), "--course", "source", "--category", "Week 1"])
    assert "Imported 3 question(s) into Week 1" in other.output
    assert bank_count("practice") == 3 and bank_count("Week 1") == 3

    exported = tmp_path / "out.gift"
    assert runner.invoke(args=["quizzes", "export", "--course", "source", str(exported)]).exit_code == 0
    first = [q.to_dict() for q in parse_gift(exported.read_text(encoding="utf-8"))]
    assert len(first) == 6
    runner.invoke(args=["quizzes", "import", str(exported), "--course", "target"])
    second = runner.invoke(args=["quizzes", "export", "--course", "target"]).output
    assert [q.to_dict() for q in parse_gift(second)] == first


def test_cli_import_errors_import_nothing(app, make_course, tmp_path):
    make_course(slug="c", modules=1, lessons=1)
    runner = app.test_cli_runner()
    broken = tmp_path / "broken.gift"
    broken.write_text("::A:: fine {T}\n\n::B:: broken {=a ~b\n", encoding="utf-8")
    result = runner.invoke(args=["quizzes", "import", str(broken), "--course", "c"])
    assert result.exit_code == 1 and "Line 3:" in result.output and "nothing was imported" in result.output
    latin = tmp_path / "latin.gift"
    latin.write_bytes("Café? {T}".encode("latin-1"))
    result = runner.invoke(args=["quizzes", "import", str(latin), "--course", "c"])
    assert result.exit_code == 1 and "not UTF-8" in result.output
    result = runner.invoke(args=["quizzes", "import", str(broken), "--course", "nope"])
    assert result.exit_code == 1 and "No course has the slug 'nope'" in result.output
    assert bank_count() == 0


def test_a_quiz_drawing_from_the_bank(app, make_course, make_user):
    from quizzes.bank import import_questions

    course = make_course(modules=1, lessons=1, sequential=False, quiz="::X:: placeholder {T}",
                         quiz_settings="from_bank: practice")
    user = make_user("mei")
    enrol(user, course.id)
    db.session.commit()
    ctx = services.quiz_context(get_course("test-course"), "check", user, "en")
    with pytest.raises(services.NotAllowed, match="no questions yet"):
        services.start_attempt(ctx, user)
    import_questions(course, BANK_GIFT)
    db.session.commit()
    attempt = services.start_attempt(ctx, user)
    titles = [s.question.title for s in services.shown_questions(attempt)]
    assert titles == ["P1", "P2", "P3"]


def test_trainer_uploads_previews_and_confirms(client, make_course, make_user):
    course = make_course(modules=1, lessons=1)
    trainer = make_user("coach", role="trainer")
    cohorts.create_cohort(trainer, course.id, "C", date.today(), None)
    db.session.commit()
    login(client, "coach")
    page = client.get("/courses/test-course/questions").get_data(as_text=True)
    assert "The bank is empty" in page

    bad = client.post("/courses/test-course/questions", data={"file": (io.BytesIO(b"::A:: {=x ~y"), "bad.gift")},
                      content_type="multipart/form-data")
    assert bad.status_code == 422 and "Line 1:" in bad.get_data(as_text=True)
    binary = client.post("/courses/test-course/questions", data={"file": (io.BytesIO(b"\x00\x01PK"), "x.docx")},
                         content_type="multipart/form-data")
    assert binary.status_code == 422 and "not a text file" in binary.get_data(as_text=True)
    missing = client.post("/courses/test-course/questions", data={}, content_type="multipart/form-data")
    assert missing.status_code == 422

    response = client.post("/courses/test-course/questions",
                           data={"file": (io.BytesIO(BANK_GIFT.encode()), "bank.gift"), "category": "Week 2"},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    preview = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "3 questions will be added" in preview and "Orders last at most" in preview and "告诫书" in preview
    assert bank_count() == 0  # nothing saved before the confirmation
    done = client.post(response.headers["Location"])
    assert done.status_code == 302
    assert bank_count("Week 2") == 3
    client.post(response.headers["Location"])  # confirming twice adds nothing
    assert bank_count() == 3
    page = client.get("/courses/test-course/questions").get_data(as_text=True)
    assert "Week 2" in page
    export = client.get("/courses/test-course/questions.gift")
    assert export.mimetype == "text/plain" and "$CATEGORY: Week 2" in export.get_data(as_text=True)
