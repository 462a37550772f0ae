"""Catalog, course, lesson, completion and My learning, through HTTP (cohorts: tests/courses/cohorts/)."""

import pytest
from sqlalchemy import func, select

from tests.conftest import login
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
