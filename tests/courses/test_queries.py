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


def test_quiz_pages_do_not_grow_with_questions(app, make_user, tmp_path):
    from courses.package import read_packages
    from courses.services import get_course
    from courses.sync import sync_courses
    from quizzes import services as quiz_services
    from tests.conftest import write_course

    results = []
    for slug, count in (("few", 5), ("many", 60)):
        gift = "\n\n".join(f"::Q{i}:: Question {i}? {{=right ~wrong ~other}}" for i in range(count))
        folder = write_course(tmp_path / slug, slug=slug, modules=1, lessons=1, sequential=False, quiz=gift)
        sync_courses(read_packages([folder])[0])
        user = make_user(f"{slug}-taker")
        enrol(user, get_course(slug).id)
        db.session.commit()
        attempt = quiz_services.start_attempt(quiz_services.quiz_context(get_course(slug), "check", user, "en"), user)
        db.session.flush()
        quiz_services.save_answers(attempt, user, {qid: 0 for qid in attempt.question_ids[: count // 2]})
        db.session.commit()
        client = app.test_client()
        login(client, f"{slug}-taker")
        counts = statements_for(app, client, [f"/quizzes/attempts/{attempt.id}", f"/courses/{slug}/quizzes/check"])
        client.post(f"/quizzes/attempts/{attempt.id}/submit", data={"shown": [str(i) for i in attempt.question_ids], "confirmed": "1"})
        counts.update(statements_for(app, client, [f"/quizzes/attempts/{attempt.id}/review"]))
        results.append(list(counts.values()))
    assert results[0] == results[1], f"5 questions: {results[0]}, 60 questions: {results[1]}"
