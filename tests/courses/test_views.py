"""Catalog, course, lesson, completion, My learning, cohorts and joining, through HTTP."""
import csv
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import login
from training import cohorts
from training.cohorts import Cohort, CohortMember
from training.extensions import db
from training.progress import ActivityCompletion, Enrolment


@pytest.fixture
def course(make_course):
    return make_course(modules=2, lessons=2, sequential=True)


def count(model):
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_catalog_is_public_and_grouped(client, make_course):
    make_course(slug="lit", track="lawyers")
    make_course(slug="rep", track="journalists")
    page = client.get("/courses").get_data(as_text=True)
    assert page.index("For lawyers") < page.index("For journalists")
    assert "Course lit" in page and "Course rep" in page


def test_participant_path(client, course, make_user):
    make_user("mei")
    login(client, "mei")
    page = client.get("/courses/test-course").get_data(as_text=True)
    assert "Enrol in this course" in page
    # Not enrolled: lessons redirect to the course page with a message.
    response = client.get("/courses/test-course/lessons/001-lesson")
    assert response.status_code == 302 and response.headers["Location"] == "/courses/test-course"

    response = client.post("/courses/test-course/enrol")
    assert response.headers["Location"] == "/courses/test-course/lessons/001-lesson"
    client.post("/courses/test-course/enrol")  # a double submit does nothing more
    assert count(Enrolment) == 1

    page = client.get("/courses/test-course/lessons/001-lesson").get_data(as_text=True)
    assert "Body of lesson <strong>1</strong>" in page and "Mark as complete" in page

    # Module 2 is locked until module 1 is done.
    response = client.get("/courses/test-course/lessons/003-lesson")
    assert response.status_code == 403 and "Complete “Module 1” first" in response.get_data(as_text=True)
    assert client.post("/courses/test-course/lessons/003-lesson/complete").status_code == 403
    assert count(ActivityCompletion) == 0

    response = client.post("/courses/test-course/lessons/001-lesson/complete")
    assert response.headers["Location"] == "/courses/test-course/lessons/002-lesson"
    client.post("/courses/test-course/lessons/001-lesson/complete")  # double submit
    assert count(ActivityCompletion) == 1
    client.post("/courses/test-course/lessons/002-lesson/complete")
    assert client.get("/courses/test-course/lessons/003-lesson").status_code == 200

    page = client.get("/learning").get_data(as_text=True)
    assert "2 of 4 done (50%)" in page and 'value="50"' in page and "Resume: Lesson 3" in page

    for slug in ("003-lesson", "004-lesson"):
        response = client.post(f"/courses/test-course/lessons/{slug}/complete")
    assert response.headers["Location"] == "/courses/test-course"
    page = client.get("/courses/test-course").get_data(as_text=True)
    assert "You have completed this course" in page


def test_unknown_course_and_lesson(client, course, make_user):
    make_user("mei")
    login(client, "mei")
    assert client.get("/courses/nope").status_code == 404
    client.post("/courses/test-course/enrol")
    assert client.get("/courses/test-course/lessons/nope").status_code == 404
    assert client.post("/courses/test-course/lessons/nope/complete").status_code == 404


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


def test_a_content_warning_comes_before_the_lesson(client, make_course, make_user):
    make_course(modules=1, lessons=2, sequential=False)
    from courses.models import Activity

    activity = db.session.execute(select(Activity).where(Activity.slug == "001-lesson")).scalar_one()
    activity.content_warnings = {"en": "Describes an assault."}
    db.session.commit()
    from courses import structure

    structure.clear()
    make_user("mei")
    login(client, "mei")
    client.post("/courses/test-course/enrol")
    page = client.get("/courses/test-course/lessons/001-lesson").get_data(as_text=True)
    assert "Before you read" in page and "Describes an assault." in page and "Body of lesson" not in page
    assert 'href="/courses/test-course/lessons/002-lesson"' in page  # skip to the next lesson
    assert db.session.execute(select(Enrolment.last_activity_id)).scalar_one() is None  # not "opened" yet
    page = client.get("/courses/test-course/lessons/001-lesson?continue=1").get_data(as_text=True)
    assert "Body of lesson" in page
    db.session.expire_all()
    assert db.session.execute(select(Enrolment.last_activity_id)).scalar_one() == activity.id  # opened now


def test_quick_exit_and_neutral_titles(client):
    page = client.get("/courses").get_data(as_text=True)
    assert 'id="quick-exit"' in page and "<title>Courses · Amicus</title>" in page
    client.post("/privacy/neutral-titles", data={"on": "1", "next": "/courses"})
    assert "<title>Notes</title>" in client.get("/courses").get_data(as_text=True)
    client.post("/privacy/neutral-titles", data={"on": "0"})
    assert "<title>Courses · Amicus</title>" in client.get("/courses").get_data(as_text=True)
