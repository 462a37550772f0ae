"""Forms captured offline on a tablet and sent later: entered once by the device's id however
often they are sent, each refused one answered with its reason, the rest entered; only the
cohort's trainers; the page carries the offline panel, its worker is served under /cohorts/."""
import uuid

from sqlalchemy import func, select

from quizzes.surveys.cards import entry, services
from quizzes.surveys.models import SurveyResponse
from tests.conftest import login
from tests.quizzes.surveys.test_cards import coach_of
from training.extensions import db


def _numbers(cohort, n=4):
    services.make_cards(coach_of(cohort), cohort, n)
    db.session.commit()
    return [number for _s, number in services.printable(coach_of(cohort), cohort)]


def _record(card, **answers):
    return {"id": str(uuid.uuid4()), "card": card, "answers": {f"i-{k}": v for k, v in answers.items()}}


def _submitted():
    return db.session.execute(select(func.count(SurveyResponse.id)).where(
        SurveyResponse.state == "submitted")).scalar_one()


def test_a_queue_is_entered_once_however_often_it_is_sent(app, cohort):
    numbers = _numbers(cohort)
    services.void(coach_of(cohort), cohort, "4")
    db.session.commit()
    queue = [_record(numbers[0], year="2", confidence="4"), _record(numbers[1], year="1"),
             _record(numbers[3], year="1"),  # voided while the tablet was offline
             _record(numbers[2], year="9"), {"id": "x", "card": numbers[2], "answers": {}},
             {"id": str(uuid.uuid4()), "card": numbers[2], "answers": {"i-year": ["2"]}}]
    results = entry.sync(coach_of(cohort), cohort, "pre", queue, "en")
    db.session.commit()
    outcomes = [(r.outcome, r.serial) for r in results]
    assert outcomes[:2] == [("counted", 1), ("counted", 2)]
    assert results[2].outcome == "refused" and "can no longer be used" in results[2].message
    assert results[3].outcome == "refused" and "year" in results[3].message
    assert results[4].outcome == "refused" and results[5].outcome == "refused"
    assert _submitted() == 2
    # The connection dropped before the answer came: the tablet sends the same queue again.
    again = entry.sync(coach_of(cohort), cohort, "pre", queue[:2], "en")
    db.session.commit()
    assert [r.outcome for r in again] == ["already", "already"] and _submitted() == 2


def test_the_sync_endpoint_answers_each_form_and_checks_who_and_csrf(app, cohort, make_user):
    numbers = _numbers(cohort, 2)
    make_user("other-coach", role="trainer")
    client = app.test_client()
    login(client, "coach")
    app.config["WTF_CSRF_ENABLED"] = True
    page = client.get(f"/cohorts/{cohort.id}/cards/entry/pre").get_data(as_text=True)
    assert 'id="offline-panel"' in page and 'data-sync="/cohorts/' in page and "offline-entry.js" in page
    url = f"/cohorts/{cohort.id}/cards/entry/pre/sync"
    body = {"entries": [_record(numbers[0], year="2"), _record(numbers[1], year="1", confidence="3")]}
    assert client.post(url, json=body).status_code == 400  # no CSRF token: refused, nothing entered
    assert _submitted() == 0
    token = client.get(url).get_json()["csrf_token"]
    assert token
    response = client.post(url, json=body, headers={"X-CSRFToken": token})
    assert response.status_code == 200
    assert [r["outcome"] for r in response.get_json()["results"]] == ["counted", "counted"]
    assert client.post(url, json={"entries": "nope"}, headers={"X-CSRFToken": token}).status_code == 400
    assert client.post(url, json={"entries": [{}] * (entry.SYNC_BATCH + 1)},
                       headers={"X-CSRFToken": token}).status_code == 400
    assert client.post(f"/cohorts/{cohort.id}/cards/entry/nope/sync", json=body,
                       headers={"X-CSRFToken": token}).status_code == 404
    app.config["WTF_CSRF_ENABLED"] = False
    other = app.test_client()
    login(other, "other-coach")
    assert other.get(url).status_code == 403
    assert _submitted() == 2


def test_the_worker_is_served_under_cohorts_and_logging_out_clears_the_device(client, cohort):
    worker = client.get("/cohorts/offline-sw.js")
    assert worker.status_code == 200 and "javascript" in worker.mimetype
    assert worker.headers["Service-Worker-Allowed"] == "/cohorts/" and "amicus-offline" in worker.get_data(as_text=True)
    assert client.get("/courses/offline-sw.js").headers["Service-Worker-Allowed"] == "/courses/"
    assert client.get("/admin/offline-sw.js").status_code == 404
    login(client, "coach")
    out = client.post("/logout")
    assert out.headers["Clear-Site-Data"] == '"cache", "storage"'


def test_the_tablet_page_hides_the_menu_and_counts_her_own_answers(app, cohort):
    numbers = _numbers(cohort, 2)
    client = app.test_client()
    login(client, "coach")
    page = client.get(f"/cohorts/{cohort.id}/cards/tablet/pre").get_data(as_text=True)
    assert 'data-kind="answered"' in page and 'type="radio" name="i-year"' in page
    assert "/cohorts\"" not in page and ">Cohorts<" not in page and ">Log out<" not in page  # no menu
    bad = client.post(f"/cohorts/{cohort.id}/cards/tablet/pre", data={"card": "1234", "i-year": "1"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "That number is not right" in html and 'value="1" checked' in html
    assert _submitted() == 0
    good = client.post(f"/cohorts/{cohort.id}/cards/tablet/pre", data={"card": numbers[0], "i-year": "1",
                                                                       "i-confidence": "3"}, follow_redirects=True)
    assert "Thank you. Your answers are sent. Keep your card." in good.get_data(as_text=True)
    row = db.session.execute(select(SurveyResponse)).scalar_one()
    assert row.source == "card" and row.answers["year"] == 1 and row.answers["confidence"] == 3
    # Queued on the tablet while offline: the values as chosen, sent later.
    results = entry.sync(coach_of(cohort), cohort, "pre", [
        {"id": str(uuid.uuid4()), "kind": "answered", "card": numbers[1], "answers": {"i-year": "0"}},
        {"id": str(uuid.uuid4()), "kind": "answered", "card": numbers[0], "answers": {"i-year": "0"}},
        {"id": str(uuid.uuid4()), "kind": "answered", "card": numbers[1], "answers": {"i-year": ["0", 1]}}], "en")
    assert [r.outcome for r in results] == ["counted", "refused", "refused"]
    assert "first answers stand" in results[1].message
