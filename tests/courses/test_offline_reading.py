"""A course kept on her device for reading offline: what it downloads (the course page, every
lesson, the page past a lesson's warning, the lessons' images, the site's own files) and how
much; only for someone enrolled; keeping a lesson is not reading it."""
from pathlib import Path

from sqlalchemy import select

from courses.models import Activity, LessonContent
from courses.package import read_packages
from courses.services import get_course
from courses.sync import sync_courses
from tests.conftest import login
from training.extensions import db
from training.progress import Enrolment, enrol

LIBRARY = Path(__file__).resolve().parents[2] / "courses" / "library"


def test_the_manifest_lists_the_lessons_their_images_and_the_size(app, make_user):
    specs, errors, _ = read_packages([LIBRARY / "gbv-litigation"])
    assert not errors
    sync_courses(specs)
    course = get_course("gbv-litigation")
    mei = make_user("mei")
    make_user("lan")
    enrol(mei, course.id)
    db.session.commit()
    client = app.test_client()
    login(client, "mei")
    lessons = db.session.execute(select(Activity).where(Activity.course_id == course.id, Activity.kind == "lesson")
                                 .order_by(Activity.position)).scalars().all()
    # A sequential course: only what is open to her now; the rest is kept when it opens.
    first = client.get("/courses/gbv-litigation/offline.json").get_json()
    opened = [a for a in lessons if f"/courses/gbv-litigation/lessons/{a.slug}" in first["urls"]]
    assert opened and len(opened) + first["locked"] == len(lessons) and first["locked"] > 0
    assert opened == lessons[:len(opened)]
    from sqlalchemy import update

    from courses.models import Module

    db.session.execute(update(Module).where(Module.course_id == course.id).values(requires_previous=False))
    db.session.commit()
    from courses import structure

    structure.clear()
    data = client.get("/courses/gbv-litigation/offline.json").get_json()
    urls = data["urls"]
    assert data["locked"] == 0
    assert urls[0] == "/courses/gbv-litigation"
    assert all(f"/courses/gbv-litigation/lessons/{a.slug}" in urls for a in lessons)
    warned = [a for a in lessons if a.content_warnings]
    assert warned and all(f"/courses/gbv-litigation/lessons/{a.slug}?continue=1" in urls for a in warned)
    assert "/courses/gbv-litigation/assets/po-timeline.svg" in urls and "/static/css/amicus.css" in urls
    assert not any("/quizzes/" in u or "/cases/" in u or "/surveys/" in u for u in urls)
    html = sum(len(c.html.encode()) for c in db.session.execute(select(LessonContent).where(
        LessonContent.activity_id.in_([a.id for a in lessons]), LessonContent.lang == "en")).scalars())
    assert html < data["bytes"] < 1_000_000  # issue #20: under 1 MB
    assert data["csrf_token"]
    other = app.test_client()
    login(other, "lan")
    assert other.get("/courses/gbv-litigation/offline.json").status_code == 403


def test_keeping_a_lesson_is_not_reading_it(app, make_user, make_course):
    course = make_course(modules=1, lessons=3, sequential=False)
    mei = make_user("mei")
    enrol(mei, course.id)
    db.session.commit()
    client = app.test_client()
    login(client, "mei")
    first, second = db.session.execute(select(Activity).where(Activity.course_id == course.id)
                                       .order_by(Activity.position)).scalars().all()[:2]
    client.get(f"/courses/{course.slug}/lessons/{first.slug}")
    kept = client.get(f"/courses/{course.slug}/lessons/{second.slug}", headers={"X-Amicus-Offline": "keep"})
    assert kept.status_code == 200
    enrolment = db.session.execute(select(Enrolment).where(Enrolment.user_id == mei.id)).scalar_one()
    assert enrolment.last_activity_id == first.id  # her place is still the lesson she read
    page = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert 'id="reader-panel"' in page and "reader.js" in page and "/courses/offline-sw.js" in page
