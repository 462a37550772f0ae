"""Benchmark the survey results dashboard over 100,000 answers.

    .venv/bin/python bench/bench_surveys.py [participants, default 2000]

Makes a course whose pre- and post-survey ask 25 items each (both: 12 knowledge, 6 Likert,
5 self-assessment; the pre-survey 2 more Likert items; the post-survey a retrospective "before
the training" item and the self-reported "my knowledge increased"), two cohorts sharing the
participants, and 2,000 participants who answered both: 2,000 x 25 x 2 = 100,000 answers in
`survey_answers` (inserted in bulk, as `submit` would store them). Then times, in the same run
and on the same connection pool:

- the first page, which counts the tallies from `survey_answers` (the answers were inserted in
  bulk, not submitted one by one);
- what one submission adds to its transaction (its tallies; rolled back);
- `SELECT count(*) FROM survey_answers` (the baseline the goal is measured against);
- the dashboard page of one cohort, as its trainer sees it (GET .../results?cohort=ID);
- the dashboard page of the whole course, as an admin sees it (GET .../results).

Each is the median of 15 runs after 2 warm-up runs. Goal (issue #4): each page under 5 times the
count. Drops and creates every table of BENCH_DATABASE_URL: give it a database of its own.
"""
from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RUNS, WARM = 15, 2

ITEMS = (
    [f"""  - id: k{n}
    type: knowledge
    text: Knowledge question {n}
    choices: [A, B, C, D]
    answer: {n % 4}""" for n in range(12)]
    + [f"""  - id: l{n}
    type: likert
    text: Attitude {n}""" + ("\n    phases: [pre]" if n >= 6 else "") for n in range(8)]
    + [f"""  - id: s{n}
    type: self
    text: My skill {n}""" for n in range(5)]
    + ["""  - id: r0
    type: retro
    of: s0
    phases: [post]
    text: My skill 0 before the training""",
       """  - id: increased
    type: likert
    headline: self_report
    phases: [post]
    text: My knowledge increased"""]
)


def median_ms(fn) -> float:
    for _ in range(WARM):
        fn()
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    participants = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    from sqlalchemy import insert, select, text

    from quizzes.surveys.models import Survey, SurveyAnswer, SurveyResponse
    from tests.conftest import IsolatedClient, write_course
    from training import accounts, cohorts
    from training.app import create_app
    from training.extensions import db

    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{folder}/bench.sqlite"
        app = create_app({"AMICUS_ENV": "development", "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                          "RATELIMIT_ENABLED": False, "AMICUS_TWO_FACTOR_ROLES": [], "WTF_CSRF_ENABLED": False,
                          "AMICUS_PASSWORD_PROFILE": "CHEAPEST"})
        app.test_client_class = IsolatedClient  # each request in its own app context, as in production
        with app.app_context():
            db.drop_all()
            db.create_all()
            from courses.package import read_packages
            from courses.services import get_course
            from courses.sync import sync_courses

            course_dir = write_course(Path(folder), slug="bench-survey", modules=1, lessons=1, sequential=False,
                                      surveys="items:\n" + "\n".join(ITEMS) + "\n")
            specs, errors, _ = read_packages([course_dir])
            assert not errors, errors
            sync_courses(specs)
            course = get_course("bench-survey")
            trainer = accounts.create_user("bench-trainer", "bench-password-1", role="trainer")
            accounts.create_user("bench-admin", "bench-password-1", role="admin")
            db.session.flush()
            groups = [cohorts.create_cohort(trainer, course.id, f"Cohort {n}", date(2026, 1, 1), None) for n in (1, 2)]
            db.session.commit()
            surveys = {s.phase: s for s in db.session.query(Survey)}
            rng = random.Random(2026)
            responses, answers = [], []
            for person in range(participants):
                key = uuid.uuid4().hex + uuid.uuid4().hex
                cohort = groups[person % 2]
                skill = rng.random()
                for phase in ("pre", "post"):
                    rid = uuid.uuid4().hex
                    responses.append({"id": rid, "survey_id": surveys[phase].id, "respondent_key": key,
                                      "cohort_id": cohort.id, "profession": rng.choice(["lawyer", "journalist", "ngo"]),
                                      "region": rng.choice(["Sichuan", "Beijing", "Yunnan", "Guangdong"]),
                                      "state": "submitted", "submitted_on": date(2026, 3, 1), "answers": {}})
                    given = responses[-1]["answers"]
                    gain = 0.3 if phase == "post" else 0.0
                    for item in surveys[phase].items:
                        if item.type == "knowledge":
                            value = item.answer if rng.random() < 0.4 + gain + skill * 0.2 else rng.randrange(4)
                        else:
                            points = item.points or 5
                            value = max(1, min(points, round(1 + (points - 1) * (skill * 0.6 + gain + rng.random() * 0.3))))
                        given[item.id] = value
                        answers.append({"response_id": rid, "item": item.id, "position": 0, "value": value,
                                        "text": None})
            for start in range(0, len(responses), 2000):
                db.session.execute(insert(SurveyResponse), responses[start:start + 2000])
            for start in range(0, len(answers), 10000):
                db.session.execute(insert(SurveyAnswer), answers[start:start + 10000])
            db.session.commit()
            if db.engine.dialect.name == "postgresql":
                db.session.execute(text("ANALYZE"))
                db.session.commit()
            total = db.session.execute(text("SELECT count(*) FROM survey_answers")).scalar_one()

            def count():
                db.session.execute(text("SELECT count(*) FROM survey_answers")).scalar_one()
                db.session.rollback()

            clients = {}
            for handle in ("bench-trainer", "bench-admin"):
                client = app.test_client()
                response = client.post("/login", data={"handle": handle, "password": "bench-password-1"})
                assert response.status_code == 302, response.status_code
                clients[handle] = client

            def page(handle, path):
                def get():
                    response = clients[handle].get(path)
                    assert response.status_code == 200, response.status_code
                return get

            base = "/courses/bench-survey/surveys/pre/results"
            # The answers were inserted in bulk, not submitted: the first page counts the tallies
            # from survey_answers (what happens once after an upgrade, a purge or a re-sync).
            start = time.perf_counter()
            page("bench-trainer", f"{base}?cohort={groups[0].id}")()
            first_ms = (time.perf_counter() - start) * 1000
            # What a submission adds to its transaction: one response's tallies (rolled back).
            from quizzes.surveys import tallies
            post = db.session.execute(select(SurveyResponse).where(
                SurveyResponse.survey_id == surveys["post"].id)).scalars().first()
            db.session.expunge(post)  # kept as loaded across the rollbacks
            course_id = course.id

            def increment():
                tallies.count_submitted(post, course_id, "instrument")
                db.session.rollback()

            increment_ms = median_ms(increment)
            count_ms = median_ms(count)
            cohort_ms = median_ms(page("bench-trainer", f"{base}?cohort={groups[0].id}"))
            course_ms = median_ms(page("bench-admin", base))
            count_after = median_ms(count)
            baseline = statistics.mean([count_ms, count_after])
            print(f"database: {db.engine.dialect.name}; {participants} participants; {total} answers")
            print(f"SELECT count(*) FROM survey_answers: {count_ms:.2f} ms (again after the pages: {count_after:.2f} ms)")
            print(f"cohort dashboard (trainer, {participants // 2} people): {cohort_ms:.1f} ms = "
                  f"{cohort_ms / baseline:.1f}x the count")
            print(f"course dashboard (admin, {participants} people): {course_ms:.1f} ms = {course_ms / baseline:.1f}x the count")
            print(f"first page after a bulk load (tallies counted from the answers): {first_ms:.0f} ms")
            print(f"a submission's tally increments: {increment_ms:.2f} ms")
            db.session.remove()
            if not os.environ.get("BENCH_KEEP"):  # BENCH_KEEP=1 leaves the data for EXPLAIN
                db.drop_all()
            db.engine.dispose()


if __name__ == "__main__":
    main()
