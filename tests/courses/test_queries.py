"""Pages issue a fixed number of SQL statements, whatever the size of the course (no N+1)."""
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import event

from tests.conftest import login
from training import cohorts
from training.extensions import db
from training.progress import enrol, mark_complete


@contextmanager
def count_statements():
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def statements_for(app, client, paths):
    counts = {}
    for path in paths:
        with count_statements() as statements:
            response = client.get(path)
        assert response.status_code == 200, path
        counts[path.split("/")[-1] if "lessons" in path else path] = len(statements)
    return counts


@pytest.mark.parametrize("big", [200])
def test_course_lesson_learning_and_cohort_pages_do_not_grow_with_lessons(app, make_course, make_user, big):
    trainer = make_user("coach", role="trainer")
    results = []
    for slug, lessons in (("small", 5), ("large", big)):
        course = make_course(slug=slug, modules=5, lessons=lessons // 5, sequential=True)
        cohort = cohorts.create_cohort(trainer, course.id, slug, date.today(), None)
        people = []
        for i in range(3):
            person = make_user(f"{slug}-person-{i}")
            cohorts.join_cohort(person, cohort.invite_code, date.today())
            enrol(person, course.id, cohort.id)
            people.append(person)
        from courses.services import course_outline
        for a in course_outline(course, people[0], "en").activities[: lessons // 5]:
            mark_complete(people[0], a.id)
        db.session.commit()
        participant = app.test_client()
        login(participant, f"{slug}-person-0")
        counts = statements_for(app, participant, [f"/courses/{slug}", f"/courses/{slug}/lessons/001-lesson", "/learning"])
        coach = app.test_client()
        login(coach, "coach")
        counts.update(statements_for(app, coach, [f"/cohorts/{cohort.id}", "/courses"]))
        results.append(list(counts.values()))
    small, large = results
    assert large == small, f"5 lessons: {small}, {big} lessons: {large}"
