"""A trainer's cohorts and participants joining them, through HTTP."""
import csv
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import login
from training import cohorts
from training.cohorts import Cohort, CohortMember
from training.extensions import db
from training.progress import Enrolment


@pytest.fixture
def course(make_course):
    return make_course(modules=2, lessons=2, sequential=True)


def count(model):
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_trainer_creates_a_cohort_and_sees_progress(client, app, course, make_user):
    make_user("coach", role="trainer")
    login(client, "coach")
    assert "New cohort" in client.get("/cohorts").get_data(as_text=True)
    response = client.post("/cohorts/new", data={"course_id": course.id, "name": "Chengdu spring",
                                                 "starts_on": "2026-03-01", "ends_on": ""})
    assert response.status_code == 302
    cohort = db.session.execute(select(Cohort)).scalar_one()
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert cohort.invite_code_display in page and "Nobody has joined yet" in page

    mei = app.test_client()
    make_user("mei", profession="journalist", region="Yunnan")
    login(mei, "mei")
    response = mei.post("/join", data={"code": cohort.invite_code_display.lower().replace("-", " ")})
    assert response.headers["Location"] == "/courses/test-course"
    mei.post("/courses/test-course/lessons/001-lesson/complete")
    assert db.session.execute(select(Enrolment.cohort_id)).scalar_one() == cohort.id

    page = client.get(f"/cohorts/{cohort.id}?sort=progress&dir=desc").get_data(as_text=True)
    assert ">mei<" in page and "25%" in page and 'aria-sort="descending"' in page
    response = client.get(f"/cohorts/{cohort.id}/progress.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:5] == ["handle", "profession", "region", "percent", "done"]
    assert rows[1] == ["mei", "journalist", "Yunnan", "25", "1", "1", "0", "0", "0"]


def test_cohort_form_errors(client, course, make_user):
    make_user("coach", role="trainer")
    login(client, "coach")
    response = client.post("/cohorts/new", data={"course_id": course.id, "name": "X",
                                                 "starts_on": "2026-03-01", "ends_on": "2026-02-01"})
    assert response.status_code == 422 and "end date is before the start" in response.get_data(as_text=True)
    response = client.post("/cohorts/new", data={"course_id": 999, "name": "X", "starts_on": "2026-03-01"})
    assert response.status_code == 422
    response = client.post("/cohorts/new", data={"course_id": course.id, "name": "\u200b ", "starts_on": "2026-03-01"})
    assert response.status_code == 422
    response = client.post("/cohorts/new", data={"course_id": course.id, "name": "X", "starts_on": "not a date"})
    assert response.status_code == 422
    assert count(Cohort) == 0


def test_joining_with_bad_codes(client, course, make_user):
    trainer = make_user("coach", role="trainer")
    ended = cohorts.create_cohort(trainer, course.id, "Old", date.today() - timedelta(days=60),
                                  date.today() - timedelta(days=1))
    db.session.commit()
    make_user("mei")
    login(client, "mei")
    for code, message in [("", "This field is required"), ("ZZZZ-ZZZZ", "No cohort has that invite code"),
                          ("💥" * 10, "No cohort has that invite code"), ("A" * 40, "Field cannot be longer"),
                          (ended.invite_code, "That cohort ended")]:
        response = client.post("/join", data={"code": code})
        assert response.status_code == 422 and message in response.get_data(as_text=True), code
    assert count(CohortMember) == 1 and count(Enrolment) == 0  # only the trainer


def test_new_invite_code_replaces_the_old(client, course, make_user):
    trainer = make_user("coach", role="trainer")
    cohort = cohorts.create_cohort(trainer, course.id, "Spring", date.today(), None)
    db.session.commit()
    old = cohort.invite_code
    login(client, "coach")
    client.post(f"/cohorts/{cohort.id}/code")
    db.session.refresh(cohort)
    assert cohort.invite_code != old
    assert cohorts.find_by_code(old) is None


def test_join_link_prefills_the_code(client, course, make_user):
    make_user("mei")
    login(client, "mei")
    assert 'value="ABCD-2345"' in client.get("/join?code=ABCD-2345").get_data(as_text=True)
