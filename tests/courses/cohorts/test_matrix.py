"""The cohort matrix's cells: what each participant has done of each kind of activity, read for the
whole cohort in a fixed number of statements; and the cohort page's links to its case runs."""
from datetime import date, timedelta

from sqlalchemy import select

from courses import services
from tests.conftest import QUIZ_GIFT, SURVEY_YAML, login
from tests.courses.cases.helpers import case_files
from tests.courses.test_queries import count_statements
from training import cohorts
from training.extensions import db
from training.progress import enrol, mark_complete


def _quiz_attempt(course, person, q2=None, essay_mark=None, trainer=None, submit=True):
    """An attempt at the quiz: Q2 answered ``q2``, the essay answered and marked ``essay_mark``."""
    from quizzes import services as quiz_services
    from quizzes.models import QuizQuestion, QuizResponse

    attempt = quiz_services.start_attempt(quiz_services.quiz_context(course, "check", person, "en"), person)
    db.session.flush()
    kinds = dict(db.session.execute(select(QuizQuestion.id, QuizQuestion.kind).where(
        QuizQuestion.id.in_(attempt.question_ids))).all())
    answers = {qid: "My essay." for qid, kind in kinds.items() if kind == "essay"}
    if q2 is not None:
        answers |= {qid: q2 for qid, kind in kinds.items() if kind == "numerical"}
    quiz_services.save_answers(attempt, person, answers)
    if submit:
        quiz_services.finish(attempt, person)
        if essay_mark is not None:
            essay = db.session.execute(select(QuizResponse.id).join(QuizQuestion).where(
                QuizResponse.attempt_id == attempt.id, QuizQuestion.kind == "essay")).scalar_one()
            quiz_services.mark_response(trainer, essay, essay_mark, None)
    db.session.commit()
    return attempt


def _world(make_course, make_user):
    from courses.cases import runs
    from courses.cases import services as case_services
    from courses.cases.models import CaseExercise

    course = make_course(modules=1, lessons=1, sequential=False, quiz=QUIZ_GIFT, surveys=SURVEY_YAML,
                         survey_phases=("pre",), case=case_files())
    coach = make_user("coach", role="trainer")
    cohort = cohorts.create_cohort(coach, course.id, "Spring", date.today() - timedelta(days=1), None)
    people = {h: make_user(h) for h in ("ada", "bob", "cyd", "dee", "eve")}
    for person in people.values():
        cohorts.join_cohort(person, cohort.invite_code, date.today())
        enrol(person, course.id, cohort.id)
    db.session.commit()
    return course, coach, cohort, people, runs, case_services, db.session.execute(select(CaseExercise)).scalar_one()


def test_cells_show_each_kinds_state(app, make_course, make_user):
    course, coach, cohort, people, runs, case_services, exercise = _world(make_course, make_user)
    lesson, pre, quiz, case = (services.course_outline(course, people["ada"], "en").find(slug, kind)
                               for slug, kind in (("001-lesson", "lesson"), ("pre", "survey"),
                                                  ("check", "quiz"), ("moot", "case")))
    mark_complete(people["ada"], lesson.id)
    mark_complete(people["ada"], pre.id)
    _quiz_attempt(course, people["ada"], submit=False)  # in progress
    _quiz_attempt(course, people["bob"], q2="72")  # the essay waits for a mark
    _quiz_attempt(course, people["cyd"], q2="1", essay_mark=0.0, trainer=coach)  # 0%: not passed
    _quiz_attempt(course, people["dee"], q2="1", essay_mark=0.0, trainer=coach)  # failed, then passed
    _quiz_attempt(course, people["dee"], q2="72", essay_mark=1.0, trainer=coach)
    run = runs.set_up(coach, cohort, exercise)
    state = case_services.run_state(run, "en")
    team = runs.add_team(coach, state, "applicant")
    runs.add_team(coach, state, "respondent")
    runs.assign_member(coach, state, team, people["bob"].id)
    runs.assign_member(coach, state, team, people["cyd"].id)
    runs.start(coach, state)
    case_services.save_draft(state, team, people["bob"], "Our submission.", 0)
    case_services.submit(state, team, people["bob"], 1)
    db.session.commit()

    matrix = services.cohort_matrix(cohort, "en")
    index = {c.id: i for i, c in enumerate(matrix.columns)}
    cells = {row.user.handle: {name: row.cells[index[a.id]].state for name, a in
                               (("lesson", lesson), ("pre", pre), ("quiz", quiz), ("case", case))}
             for row in matrix.rows}
    assert cells == {
        "ada": {"lesson": "done", "pre": "done", "quiz": "in_progress", "case": "not_started"},
        "bob": {"lesson": "not_started", "pre": "not_started", "quiz": "submitted", "case": "submitted"},
        "cyd": {"lesson": "not_started", "pre": "not_started", "quiz": "failed", "case": "submitted"},
        "dee": {"lesson": "not_started", "pre": "not_started", "quiz": "passed", "case": "not_started"},
        "eve": {"lesson": "not_started", "pre": "not_started", "quiz": "not_started", "case": "not_started"},
    }
    # Only completions count: ada's lesson and survey, dee's quiz, out of four activities.
    assert {row.user.handle: row.done for row in matrix.rows} == {"ada": 2, "bob": 0, "cyd": 0, "dee": 1, "eve": 0}
    assert [cell.state for cell in matrix.legend] == [
        "not_started", "in_progress", "submitted", "failed", "passed", "done"]
    assert [str(c.label) for c in matrix.columns] == ["Lesson", "Quiz", "Survey", "Case exercise"]


def test_the_cohort_page_names_columns_and_states_in_a_fixed_number_of_statements(app, make_course, make_user):
    course, coach, cohort, people, runs, case_services, exercise = _world(make_course, make_user)
    client = app.test_client()
    login(client, "coach")
    client.get(f"/cohorts/{cohort.id}")  # courses and structures cached, as on a running site
    with count_statements() as before:
        page = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    assert "with this cohort" in page and f"/cohorts/{cohort.id}/cases/moot" in page
    assert "open the exercise" not in page
    for handle in ("ada", "bob", "cyd", "dee"):
        _quiz_attempt(course, people[handle], submit=handle != "ada", q2="72")
    run = runs.set_up(coach, cohort, exercise)
    db.session.commit()
    with count_statements() as after:
        page = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    assert len(after) == len(before)
    # The case runs for the cohort: a link to its run instead of a button to set up another.
    assert f'href="/case-runs/{run.id}"' in page and "is running for this cohort" in page
    assert f"/cohorts/{cohort.id}/cases/moot" not in page
    # Columns name their activity (the full title for screen readers and on hover), cells their state.
    assert 'data-full="Check"' in page and '<span class="visually-hidden">Check</span>' in page
    assert page.count('<span class="visually-hidden">Submitted, awaiting a mark</span>') == 3
    assert page.count('<span class="visually-hidden">In progress</span>') == 1
