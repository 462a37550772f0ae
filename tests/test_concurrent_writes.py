"""Requests that race to write the first row: every one gets an answer, never a server error.

Each request runs in its own thread, with its own app context and database connection, as
gunicorn's threads do. PostgreSQL only: it runs writers side by side with row locks, where SQLite
lets one writer into the whole database at a time (so these races cannot happen there).
"""
from __future__ import annotations

import threading
from functools import partial

import pytest
from sqlalchemy import func, select

from courses.models import Activity
from tests.conftest import DATABASE_URL, login
from training.accounts import User
from training.extensions import db
from training.progress import ActivityCompletion, derived_done, enrol

pytestmark = pytest.mark.skipif(not DATABASE_URL or not DATABASE_URL.startswith("postgresql"),
                                reason="racing writers need PostgreSQL's row locks")

GIFT = """
::Court:: Which court issued the 2022 provisions? {=Supreme People's Court ~A district court ~A police station}

::Hours:: How many hours for an ordinary ruling? {#72}

::Word:: The order that keeps him away is a protection {=order}
"""
ROUNDS = 4
TABS = 6


def race(calls) -> list:
    """Run each call in its own thread, released together; their results (or exceptions)."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        try:
            results[index] = call()
        except Exception as problem:  # noqa: BLE001 - reported by the test
            results[index] = problem

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def logged_in_clients(app, handle: str, count: int) -> list:
    clients = [app.test_client() for _ in range(count)]
    for client in clients:
        login(client, handle)
    return clients


def statuses(results) -> list:
    return [r if isinstance(r, Exception) else r.status_code for r in results]


def test_autosaves_and_the_submit_of_a_quiz_attempt_race(app, make_course, make_user):
    """Tabs autosave the first answers while one submits: no 500, the attempt is finished with
    the answers sent with the submit, one row per answer; again for a fresh attempt each round."""
    from quizzes.models import QuizAttempt, QuizQuestion, QuizResponse

    course = make_course(modules=1, lessons=1, sequential=False, quiz=GIFT, quiz_settings="pass_mark: 60")
    enrol(make_user("mei"), course.id)
    db.session.commit()
    clients = logged_in_clients(app, "mei", TABS + 1)
    for round_ in range(ROUNDS):
        location = clients[0].post("/courses/test-course/quizzes/check/start").headers["Location"]
        attempt_id = int(location.rsplit("/", 1)[1])
        attempt = db.session.get(QuizAttempt, attempt_id)
        q = {row.data["title"]: row.id for row in db.session.execute(
            select(QuizQuestion).where(QuizQuestion.id.in_(attempt.question_ids))).scalars()}
        shown = [str(i) for i in attempt.question_ids]
        autosave = {"shown": shown, f"q{q['Court']}": "1", f"q{q['Hours']}": "71", f"q{q['Word']}": "ord"}
        final = {"shown": shown, f"q{q['Court']}": "0", f"q{q['Hours']}": "72", f"q{q['Word']}": f"order {round_}"}

        # partial() binds this round's attempt and answers now, not when the thread runs.
        calls = [partial(c.post, f"/quizzes/attempts/{attempt_id}/save", data=autosave,
                         headers={"X-Amicus-Autosave": "1"}) for c in clients[1:]]
        calls.insert(TABS // 2, partial(clients[0].post, f"/quizzes/attempts/{attempt_id}/submit", data=final))
        codes = statuses(race(calls))
        # Autosaves before the submit are saved (200); after it they are refused with a message (409).
        assert all(code in (200, 302, 409) for code in codes), codes
        assert codes[TABS // 2] == 302
        db.session.expire_all()
        attempt = db.session.get(QuizAttempt, attempt_id)
        assert attempt.state == "finished"
        rows = db.session.execute(select(QuizResponse).where(QuizResponse.attempt_id == attempt_id)).scalars().all()
        assert sorted(r.question_id for r in rows) == sorted(q.values())  # one row per answer
        # The submit came last among the writes that counted: its answers are the attempt's.
        assert {r.question_id: r.value for r in rows}[q["Word"]] == f"order {round_}"
        review = clients[0].get(f"/quizzes/attempts/{attempt_id}/review").get_data(as_text=True)
        assert f"order {round_}" in review


def test_racing_first_submits_of_a_survey_count_once(app, make_course, make_user):
    """Several tabs submit a person's first answers to a survey at once: no 500, one response,
    counted once, one completion."""
    from courses.services import get_course
    from quizzes.surveys import tallies
    from quizzes.surveys.models import SurveyAnswer, SurveyResponse
    from tests.conftest import SURVEY_YAML

    course = make_course(modules=1, lessons=1, sequential=False, surveys=SURVEY_YAML)
    for n in range(ROUNDS):
        enrol(make_user(f"person-{n}"), course.id)
    db.session.commit()
    tallies.ensure_current(tallies.instrument(course.id, "instrument"))
    db.session.commit()
    for n in range(ROUNDS):
        clients = logged_in_clients(app, f"person-{n}", TABS)
        data = {"i-year": "1", "i-confidence": "4", "action": "submit", "confirmed": "1"}  # items left empty
        codes = statuses(race([partial(c.post, "/courses/test-course/surveys/pre", data=data) for c in clients]))
        assert codes == [302] * TABS, codes
    db.session.expire_all()
    assert db.session.execute(select(func.count()).select_from(SurveyResponse)
                              .where(SurveyResponse.state == "submitted")).scalar_one() == ROUNDS
    assert db.session.execute(select(func.count()).select_from(SurveyResponse)).scalar_one() == ROUNDS
    # Surveys store no completion row (docs/surveys.md): each person's is derived from her pseudonym.
    assert db.session.execute(select(func.count(ActivityCompletion.id))).scalar_one() == 0
    people = db.session.execute(select(User.id).where(User.handle.like("person-%"))).scalars().all()
    survey = db.session.execute(select(Activity).where(Activity.kind == "survey", Activity.slug == "pre")).scalar_one()
    assert derived_done(people, [(survey.id, "survey")]) == {(person, survey.id) for person in people}
    assert db.session.execute(select(func.count()).select_from(SurveyAnswer)
                              .where(SurveyAnswer.item == "year")).scalar_one() == ROUNDS
    found = tallies.instrument(get_course("test-course").id, "instrument")
    assert tallies.ensure_current(found) is False  # the tallies counted each person once


def test_teammates_racing_to_save_a_draft_number_their_versions_in_turn(app, make_user, make_course):
    """Both members of a team (each in several tabs) save the team's first draft at once: no 500,
    one submission; the first saver's text is the team's (her other tabs update it), the other's is
    kept as a version of its own (a conflict he merges), neither replacing the other unseen."""
    from courses.cases.models import CaseSubmission, CaseSubmissionVersion
    from tests.courses.cases.helpers import setup_moot

    moot = setup_moot(make_user, make_course)
    base = "/courses/moot-course/cases/moot/submission"
    clients = logged_in_clients(app, "ana1", TABS // 2) + logged_in_clients(app, "bob", TABS // 2)
    texts = [f"Draft from tab {i}." for i in range(TABS)]
    codes = statuses(race([lambda c=c, t=t: c.post(base, data={"text": t, "version": "0"})
                           for c, t in zip(clients, texts, strict=True)]))
    assert codes == [302] * TABS, codes
    db.session.expire_all()
    submission = db.session.execute(select(CaseSubmission).where(CaseSubmission.team_id == moot["t1"].id)).scalar_one()
    versions = db.session.execute(select(CaseSubmissionVersion).where(
        CaseSubmissionVersion.submission_id == submission.id)).scalars().all()
    current = next(v for v in versions if v.number == submission.version)
    assert submission.text == current.text and submission.text in texts
    # One version each: the team's text by one, the other's kept (each one's tabs update her own).
    assert sorted(v.author_id for v in versions) == sorted([moot["ana1"].id, moot["bob"].id])
    assert all(v.text in texts for v in versions) and len({v.number for v in versions}) == 2
