"""Paper questionnaires and keyboard data entry: digits read as the boxes on paper, a typo in the
card number or an answer refused with nothing saved, and double entry that counts a form only
when two people typed it alike, disagreements decided with the paper in hand."""
import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from quizzes.surveys.cards import entry, services
from quizzes.surveys.cards.models import PaperEntry
from quizzes.surveys.items import SurveyItem
from quizzes.surveys.models import SurveyResponse
from tests.conftest import csrf_token, login
from tests.quizzes.surveys.test_cards import coach_of
from tests.quizzes.surveys.test_survey_results import _pdf_text
from training.audit import AuditEntry
from training.extensions import db

KNOWLEDGE = SurveyItem(id="year", type="knowledge", text={}, choices=({"en": "2015"}, {"en": "2016"}), answer=1)
SCALE = SurveyItem(id="confidence", type="self", text={}, points=5)
MANY = SurveyItem(id="where", type="multiple", text={}, choices=({"en": "a"}, {"en": "b"}, {"en": "c"}))


def test_digits_typed_are_read_as_the_numbered_boxes():
    assert entry.read_typed(KNOWLEDGE, "2") == "1" and entry.read_typed(KNOWLEDGE, " 1 ") == "0"
    assert entry.read_typed(KNOWLEDGE, "") == "" and entry.read_typed(SCALE, "５") == "5"
    assert entry.read_typed(MANY, "13") == ["0", "2"] and entry.read_typed(MANY, "1, 3") == ["0", "2"]
    for kind, typed in ((KNOWLEDGE, "3"), (KNOWLEDGE, "0"), (SCALE, "6"), (MANY, "14"), (SCALE, "x")):
        with pytest.raises(ValueError):
            entry.read_typed(kind, typed)


def _numbers(cohort, n=3):
    services.make_cards(coach_of(cohort), cohort, n)
    db.session.commit()
    return [number for _s, number in services.printable(coach_of(cohort), cohort)]


def _form(**answers):
    return MultiDict({f"i-{key}": value for key, value in answers.items()})


def _counted():
    return db.session.execute(select(func.count(SurveyResponse.id)).where(
        SurveyResponse.state == "submitted", SurveyResponse.source == "card")).scalar_one()


def test_a_typed_form_counts_as_the_cards_answer_even_before_the_phase_opens(app, cohort):
    numbers = _numbers(cohort)
    done = entry.enter(coach_of(cohort), cohort, "post", numbers[0], _form(year="2", confidence="4"), "en")
    db.session.commit()
    assert done.outcome == "counted" and done.serial == 1 and _counted() == 1
    row = db.session.execute(select(SurveyResponse)).scalar_one()
    assert row.answers["year"] == 1 and row.answers["confidence"] == 4
    with pytest.raises(entry.EntryError, match="first answers stand"):
        entry.enter(coach_of(cohort), cohort, "post", numbers[0], _form(year="1"), "en")


def test_bad_input_saves_nothing_and_names_the_question(app, cohort):
    numbers = _numbers(cohort)
    typo = numbers[1][:-1] + str((int(numbers[1][-1]) + 1) % 10)
    with pytest.raises(entry.EntryError) as refused:
        entry.enter(coach_of(cohort), cohort, "pre", typo, _form(year="2"), "en")
    assert refused.value.field == "card"
    with pytest.raises(entry.EntryError) as refused:
        entry.enter(coach_of(cohort), cohort, "pre", numbers[1], _form(year="9", confidence="3"), "en")
    assert set(refused.value.fields) == {"year"} and "1, 2" in refused.value.fields["year"]
    db.session.rollback()
    assert _counted() == 0


def test_double_entry_counts_agreeing_forms_and_waits_for_a_decision_on_the_others(app, cohort, make_user):
    numbers = _numbers(cohort)
    second = make_user("second-coach", role="trainer")
    from training.cohorts import CohortMember

    db.session.add(CohortMember(cohort_id=cohort.id, user_id=second.id, role="trainer"))
    entry.set_double_entry(coach_of(cohort), cohort, True)
    db.session.commit()
    first = coach_of(cohort)
    assert entry.enter(first, cohort, "pre", numbers[0], _form(year="2", confidence="4"), "en").outcome == "waiting"
    with pytest.raises(entry.EntryError, match="second person"):
        entry.enter(first, cohort, "pre", numbers[0], _form(year="2", confidence="4"), "en")
    assert _counted() == 0
    assert entry.enter(second, cohort, "pre", numbers[0], _form(year="2", confidence="4"), "en").outcome == "counted"
    db.session.commit()
    assert _counted() == 1 and db.session.execute(select(func.count(PaperEntry.id))).scalar_one() == 0

    entry.enter(first, cohort, "pre", numbers[1], _form(year="1", confidence="4"), "en")
    assert entry.enter(second, cohort, "pre", numbers[1], _form(year="1", confidence="2"), "en").outcome == "disagreement"
    db.session.commit()
    ctx = next(c for c in services.cohort_surveys(cohort, cohort_course(cohort), "en") if c.activity.slug == "pre")
    assert entry.waiting_counts(cohort, ctx.survey.id) == (0, 1)
    [d] = entry.disagreements(cohort, ctx)
    assert d.serial == 2 and [(item.id, a, b) for item, a, b in d.differences] == [("confidence", 4, 2)]
    with pytest.raises(entry.EntryError, match="every answer"):
        entry.resolve(first, cohort, "pre", 2, {}, "en")
    entry.resolve(first, cohort, "pre", 2, {"confidence": "second"}, "en")
    db.session.commit()
    assert _counted() == 2 and db.session.execute(select(func.count(PaperEntry.id))).scalar_one() == 0
    stored = sorted((r.answers["year"], r.answers["confidence"])
                    for r in db.session.execute(select(SurveyResponse)).scalars())
    assert stored == [(0, 2), (1, 4)]  # card 2 as decided (the second typing's 2), card 1 as typed


def cohort_course(cohort):
    from courses.models import Course

    return db.session.get(Course, cohort.course_id)


def test_the_entry_page_is_keyboard_first_and_the_paper_prints_the_card(client, cohort):
    numbers = _numbers(cohort, 2)
    login(client, "coach")
    page = client.get(f"/cohorts/{cohort.id}/cards/entry/pre").get_data(as_text=True)
    assert 'id="card"' in page and "autofocus" in page and 'name="i-year"' in page and "boxes 1–2" in page
    token = csrf_token(page)
    bad = client.post(f"/cohorts/{cohort.id}/cards/entry/pre",
                      data={"csrf_token": token, "card": numbers[0], "i-year": "7", "i-confidence": "3"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "Type one of the numbers by its boxes: 1, 2." in html
    assert 'value="3"' in html and 'value="7"' in html  # what was typed stays in the boxes
    good = client.post(f"/cohorts/{cohort.id}/cards/entry/pre",
                       data={"csrf_token": token, "card": numbers[0], "i-year": "2", "i-confidence": "3"},
                       follow_redirects=True)
    assert "Card #1: saved, and it counts." in good.get_data(as_text=True)
    assert db.session.execute(select(AuditEntry.action).where(AuditEntry.action == "cards.enter")).first()

    pdf = client.get(f"/cohorts/{cohort.id}/cards/paper/pre.pdf")
    assert pdf.mimetype == "application/pdf"
    text = _pdf_text(pdf.data)
    from quizzes.surveys.cards import codes

    assert codes.grouped(numbers[0]) in text and codes.grouped(numbers[1]) in text
    assert "Which year?" in text and "#2" in text
    assert "Course test-course" not in text  # nothing on the paper names the course
    assert client.get(f"/cohorts/{cohort.id}/cards/paper/nope.pdf").status_code == 404
