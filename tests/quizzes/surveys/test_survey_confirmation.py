"""Submitting a survey with questions left empty is confirmed first, on a page that lists them
and carries the answers (#27)."""
import pytest
from sqlalchemy import select

from quizzes.surveys.models import SurveyResponse
from tests.conftest import SURVEY_YAML, login
from tests.quizzes.test_submit_confirmation import hidden_fields, multidict
from training.extensions import db
from training.progress import enrol

URL = "/courses/test-course/surveys/post"


@pytest.fixture
def mei(make_course, make_user):
    course = make_course(modules=1, lessons=1, sequential=False, surveys=SURVEY_YAML)
    user = make_user("mei")
    enrol(user, course.id)
    db.session.commit()
    return user


def response():
    db.session.expire_all()
    return db.session.execute(select(SurveyResponse).where(SurveyResponse.survey_id.is_not(None))
                              .order_by(SurveyResponse.id.desc())).scalars().first()


def test_empty_questions_are_listed_then_the_confirmed_answers_are_submitted(client, mei):
    login(client, "mei")
    page = client.post(URL, data={"action": "submit", "i-year": "1", "i-confidence": "4",
                                  "i-comment": "Line one\nline \"two\""})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Submit with unanswered questions?" in text
    assert "<strong>3.</strong> My confidence before" in text and "<strong>4.</strong> My knowledge increased" in text
    assert "Which year?" not in text and "Anything else?" not in text
    assert response().state == "draft" and response().answers["year"] == 1  # saved, not submitted
    fields = hidden_fields(text)
    assert ("confirmed", "1") in fields and ("i-comment", 'Line one\nline "two"') in fields
    # A save still under way with older answers arrives meanwhile; the confirmed ones are submitted.
    client.post(URL, data={"i-year": "0"}, headers={"X-Amicus-Autosave": "1"})
    done = client.post(URL, data={**multidict(fields), "action": "submit"})
    assert done.status_code == 302 and done.headers["Location"] == "/courses/test-course"
    submitted = response()
    assert submitted.state == "submitted"
    assert submitted.answers == {"year": 1, "confidence": 4, "confidence-before": None, "increased": None,
                                 "comment": 'Line one\nline "two"'}


def test_back_to_the_survey_keeps_the_answers_and_submits_nothing(client, mei):
    login(client, "mei")
    text = client.post(URL, data={"action": "submit", "i-confidence": "4"}).get_data(as_text=True)
    back = client.post(URL, data={**multidict(hidden_fields(text)), "action": "save"})
    assert back.headers["Location"] == URL and response().state == "draft"
    assert response().answers["confidence"] == 4


def test_a_complete_survey_is_submitted_at_once(client, mei):
    login(client, "mei")
    done = client.post(URL, data={"action": "submit", "i-year": "1", "i-confidence": "4", "i-confidence-before": "2",
                                  "i-increased": "5", "i-comment": "Thanks"})
    assert done.status_code == 302 and response().state == "submitted"
