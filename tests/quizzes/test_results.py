"""A cohort's quiz results on a fixed dataset."""
import csv
import io
from datetime import date
from zoneinfo import ZoneInfo

import pytest

from courses.services import get_course
from quizzes import services
from tests.conftest import login
from training import cohorts
from training.extensions import db
from training.progress import enrol

GIFT = """
::Court:: Which court? {=Supreme People's Court ~District court ~Police station}

::Hours:: Hours for an ordinary ruling? {#72}
"""


@pytest.fixture
def cohort(make_course, make_user):
    course = make_course(modules=1, lessons=1, sequential=False, quiz=GIFT, quiz_settings="pass_mark: 50\ngrading: highest")
    trainer = make_user("coach", role="trainer")
    cohort = cohorts.create_cohort(trainer, course.id, "Spring", date.today(), None)
    # (Court choice, Hours answer) per person; "dan" tries twice and the better attempt counts.
    plan = {"ada": [(0, "72")], "bob": [(1, "72")], "cyd": [(1, "24")], "dan": [(2, "1"), (0, "24")]}
    for handle, attempts in plan.items():
        user = make_user(handle)
        cohorts.join_cohort(user, cohort.invite_code, date.today())
        enrol(user, course.id, cohort.id)
        for court, hours in attempts:
            ctx = services.quiz_context(get_course("test-course"), "check", user, "en")
            attempt = services.start_attempt(ctx, user)
            db.session.flush()
            court_id, hours_id = attempt.question_ids
            services.save_answers(attempt, user, {court_id: court, hours_id: hours})
            services.finish(attempt, user)
    outsider = make_user("zed")  # not in the cohort: never counted
    enrol(outsider, course.id)
    db.session.commit()
    return cohort


def test_results_page_and_csv(client, cohort):
    login(client, "coach")
    page = client.get(f"/cohorts/{cohort.id}/quizzes/check").get_data(as_text=True)
    # Graded attempts: ada 100, bob 50, cyd 0, dan 50 (his best) -> mean 50, median 50, 3 of 4 pass.
    assert "4 of 4 participants have a graded attempt." in page
    assert "Mean 50.0%, median 50.0%." in page and "75% reached the pass mark." in page
    # Court: right for ada and dan -> facility 50%; wrong answers: District court (bob, cyd).
    assert "District court <span class=\"meta\">(2)</span>" in page
    rows = list(csv.reader(io.StringIO(client.get(f"/cohorts/{cohort.id}/quizzes/check.csv").get_data(as_text=True).lstrip("\ufeff"))))
    # Times in the reader's zone, named in the header: the coach has chosen none, so the site's.
    assert rows[0] == ["handle", "attempt", "submitted_at (Asia/Shanghai)", "score", "waiting_for_marking", "q1", "q2"]
    from quizzes.models import QuizAttempt

    first = db.session.execute(db.select(QuizAttempt).order_by(QuizAttempt.id)).scalars().first()
    shanghai = first.submitted_at.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M:%S")
    assert shanghai in [r[2] for r in rows[1:]]
    by_attempt = {(r[0], r[1]): (r[3], r[5], r[6]) for r in rows[1:]}
    assert by_attempt[("dan", "1")] == ("0.0", "0.0", "0.0")
    assert by_attempt[("dan", "2")] == ("50.0", "1.0", "0.0")
    assert len(rows) == 6  # five attempts; the outsider is not there


def test_results_need_the_cohorts_trainer(app, cohort, make_user):
    make_user("other-coach", role="trainer")
    client = app.test_client()
    login(client, "other-coach")
    assert client.get(f"/cohorts/{cohort.id}/quizzes/check").status_code == 403
    coach = app.test_client()
    login(coach, "coach")
    assert coach.get(f"/cohorts/{cohort.id}/quizzes/nope").status_code == 404
