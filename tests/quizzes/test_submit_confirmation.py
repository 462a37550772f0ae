"""Submitting a quiz: unanswered questions are confirmed first, answers sent with the submit are
never lost to a save still under way, a failed quiz says what to do next (#23, #27)."""
import html
import re

import pytest
from sqlalchemy import select

from quizzes.models import QuizAttempt, QuizResponse
from tests.conftest import login
from tests.quizzes.test_attempts import GIFT, ids
from training.extensions import db
from training.progress import enrol


@pytest.fixture
def mei(make_user, make_course):
    course = make_course(modules=1, lessons=1, sequential=False, quiz=GIFT,
                         quiz_settings="pass_mark: 60\nattempts: 2\nshuffle_answers: false")
    user = make_user("mei")
    enrol(user, course.id)
    db.session.commit()
    return user


def start(client):
    login(client, "mei")
    attempt_id = int(client.post("/courses/test-course/quizzes/check/start").headers["Location"].rsplit("/", 1)[1])
    return db.session.get(QuizAttempt, attempt_id)


def hidden_fields(page: str) -> list[tuple[str, str]]:
    """The hidden inputs of the confirmation form, as the browser would post them."""
    return [(html.unescape(n), html.unescape(v)) for n, v in
            re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page) if n != "csrf_token"]


def multidict(pairs):
    out = {}
    for name, value in pairs:
        out.setdefault(name, []).append(value)
    return out


def saved(question_id):
    return db.session.execute(select(QuizResponse.value).where(QuizResponse.question_id == question_id)).scalar_one_or_none()


def test_unanswered_questions_are_listed_and_the_confirmed_answers_are_the_ones_graded(client, mei):
    attempt = start(client)
    q = ids(attempt)
    shown = [str(i) for i in attempt.question_ids]
    page = client.post(f"/quizzes/attempts/{attempt.id}/submit",
                       data={"shown": shown, f"q{q['Court']}": "0", f"q{q['Hours']}": " 72 "})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Submit with unanswered questions?" in text
    listed = re.search(r'<ul class="unanswered" id="unanswered">(.*?)</ul>', text, re.S).group(1)
    assert "Question 3" in listed and "Which are evidence?" in listed
    assert "Question 1" not in listed and "Question 2" not in listed
    db.session.refresh(attempt)
    assert attempt.state == "in_progress" and saved(q["Court"]) == 0  # saved, not yet submitted
    fields = hidden_fields(text)
    assert ("confirmed", "1") in fields and (f"q{q['Court']}", "0") in fields and (f"q{q['Hours']}", " 72 ") in fields

    # An autosave sent before the submit, with older values, arrives while she reads the page.
    stale = client.post(f"/quizzes/attempts/{attempt.id}/save", data={"shown": shown},
                        headers={"X-Amicus-Autosave": "1"})
    assert stale.status_code == 200 and saved(q["Court"]) is None
    done = client.post(f"/quizzes/attempts/{attempt.id}/submit", data=multidict(fields))
    assert done.headers["Location"] == f"/quizzes/attempts/{attempt.id}/review"
    db.session.refresh(attempt)
    assert attempt.state == "finished" and saved(q["Court"]) == 0 and attempt.score == pytest.approx(200 / 3, abs=0.01)
    # And one arriving after the submit is refused.
    late = client.post(f"/quizzes/attempts/{attempt.id}/save", data={"shown": shown},
                       headers={"X-Amicus-Autosave": "1"})
    assert late.status_code == 409 and saved(q["Court"]) == 0
    review = client.get(f"/quizzes/attempts/{attempt.id}/review").get_data(as_text=True)
    assert "Your answer:</strong> Supreme People" in review and "<strong>Your answer:</strong>  72 " in review, review


def test_back_to_the_quiz_keeps_the_answers(client, mei):
    attempt = start(client)
    q = ids(attempt)
    text = client.post(f"/quizzes/attempts/{attempt.id}/submit", data={
        "shown": [str(i) for i in attempt.question_ids], f"q{q['Evidence']}": ["0", "1"]}).get_data(as_text=True)
    back = client.post(f"/quizzes/attempts/{attempt.id}/save", data=multidict(hidden_fields(text)))
    assert back.headers["Location"] == f"/quizzes/attempts/{attempt.id}"
    page = client.get(back.headers["Location"]).get_data(as_text=True)
    assert page.count("checked") == 2 and saved(q["Evidence"]) == [0, 1]
    db.session.refresh(attempt)
    assert attempt.state == "in_progress"


def test_a_fully_answered_attempt_is_submitted_at_once(client, mei):
    attempt = start(client)
    q = ids(attempt)
    response = client.post(f"/quizzes/attempts/{attempt.id}/submit", data={
        "shown": [str(i) for i in attempt.question_ids], f"q{q['Court']}": "0", f"q{q['Hours']}": "72",
        f"q{q['Evidence']}": ["0"]})
    assert response.headers["Location"] == f"/quizzes/attempts/{attempt.id}/review"
    db.session.refresh(attempt)
    assert attempt.state == "finished"


def test_a_save_sent_as_the_page_closes_gets_no_message_for_later_pages(client, mei):
    attempt = start(client)
    q = ids(attempt)
    form = {"shown": [str(i) for i in attempt.question_ids], f"q{q['Court']}": "0", f"q{q['Hours']}": "72",
            f"q{q['Evidence']}": ["0"]}
    client.post(f"/quizzes/attempts/{attempt.id}/submit", data=form)
    beacon = client.post(f"/quizzes/attempts/{attempt.id}/save", data={**form, f"q{q['Court']}": "1", "autosave": "1"})
    assert beacon.status_code == 409 and beacon.is_json
    review = client.get(f"/quizzes/attempts/{attempt.id}/review").get_data(as_text=True)
    assert "answers can no longer change" not in review and saved(q["Court"]) == 0


def submit_all(client, attempt, court):
    q = ids(attempt)
    client.post(f"/quizzes/attempts/{attempt.id}/submit", data={
        "shown": [str(i) for i in attempt.question_ids], f"q{q['Court']}": court, f"q{q['Hours']}": "1",
        f"q{q['Evidence']}": ["2"]})
    return client.get(f"/quizzes/attempts/{attempt.id}/review").get_data(as_text=True)


def test_a_failed_quiz_says_not_passed_and_what_to_do_next(client, mei):
    review = submit_all(client, start(client), "1")
    assert "Not passed yet." in review and "You can try again: 1 attempt left." in review
    assert 'action="/courses/test-course/quizzes/check/start"' in review and "Try again" in review
    review = submit_all(client, start(client), "1")
    assert "Not passed yet." in review and "You have used all the attempts this quiz allows." in review
    assert "Try again" not in review


def test_a_passed_quiz_says_nothing_of_the_kind(client, make_course, make_user):
    course = make_course(modules=1, lessons=1, sequential=False, quiz=GIFT, quiz_settings="pass_mark: 30")
    enrol(make_user("mei"), course.id)
    db.session.commit()
    review = submit_all(client, start(client), "0")
    assert "You have completed this quiz." in review and "Not passed" not in review and "Try again" not in review


def test_the_review_lists_each_right_answer_once(client, make_course, make_user):
    course = make_course(modules=1, lessons=1, sequential=False, quiz="""
::Letter:: What does the police give the abuser? {=warning letter =Warning Letter =warning  letter =告诫书 =warning letter}

::Hours:: How many hours? {#=72:0 =72 =72.0}
""")
    enrol(make_user("mei"), course.id)
    db.session.commit()
    attempt = start(client)
    q = ids(attempt)
    client.post(f"/quizzes/attempts/{attempt.id}/submit", data={
        "shown": [str(i) for i in attempt.question_ids], f"q{q['Letter']}": "a letter", f"q{q['Hours']}": "24"})
    review = client.get(f"/quizzes/attempts/{attempt.id}/review").get_data(as_text=True)
    lines = re.findall(r"<strong>Right answer:</strong>(.*?)</p>", review, re.S)
    assert [line.strip() for line in lines] == ["warning letter · 告诫书", "72"]
