"""Benchmark the offline queue's sync: 200 forms typed on a tablet without a connection, sent when
it is back online (issue #18: under 5 s).

    .venv/bin/python bench/bench_offline_sync.py [forms, default 200]

Makes a course with a pre- and post-survey, a cohort and as many cards as forms on an SQLite file
in a temporary folder (BENCH_DATABASE_URL: another database, which it fills; give it one of its
own), logs the trainer in, and times what static/js/offline-entry.js does with its queue: POSTs
to /cohorts/ID/cards/entry/post/sync in batches of entry.SYNC_BATCH, each form with its device
id, the card's number and five answers, until all are answered. Every form must come back
"counted". Median of 5 runs (each on fresh cards, so every run enters every form) after 1
warm-up run.
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RUNS, WARM = int(os.environ.get("BENCH_RUNS", 5)), 1
PASSWORD = "correct horse battery"


def main() -> None:
    how_many = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    from courses.package import read_packages
    from courses.services import get_course
    from courses.sync import sync_courses
    from quizzes.surveys.cards import entry
    from quizzes.surveys.cards import services as cards
    from tests.conftest import SURVEY_YAML, write_course
    from training import accounts, cohorts
    from training.app import create_app
    from training.extensions import db

    work = Path(tempfile.mkdtemp(prefix="amicus-bench-sync-"))
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{work / 'bench.sqlite'}"
    sys.path.insert(0, str(ROOT / "bench"))
    from seed import ensure_database

    ensure_database(url)  # a PostgreSQL database is created if missing
    app = create_app({"AMICUS_ENV": "development", "SECRET_KEY": "bench", "AMICUS_SURVEY_SECRET": "bench",
                      "SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False, "AMICUS_PASSWORD_PROFILE": "CHEAPEST",
                      "AMICUS_TWO_FACTOR_ROLES": []})
    runs = []
    with app.app_context():
        db.drop_all()
        db.create_all()
        folder = write_course(work, slug="workshop", modules=1, lessons=1, languages=("zh", "en"),
                              sequential=False, surveys=SURVEY_YAML)
        sync_courses(read_packages([folder])[0])
        trainer = accounts.create_user("bench-coach", PASSWORD, role="trainer")
        db.session.flush()
        course = get_course("workshop")
        for _run in range(WARM + RUNS):
            cohort = cohorts.create_cohort(trainer, course.id, "Sunday workshop", date.today(), None)
            for start in range(0, how_many, cards.MAX_BATCH):
                cards.make_cards(trainer, cohort, min(cards.MAX_BATCH, how_many - start))
            db.session.commit()
            numbers = [number for _s, number in cards.printable(trainer, cohort)]
            queue = [{"id": str(uuid.uuid4()), "card": number,
                      "answers": {"i-year": "2", "i-confidence": "4", "i-confidence-before": "2", "i-increased": "5",
                                  "i-comment": "Useful"}} for number in numbers]
            runs.append((cohort.id, queue))
    client = app.test_client()
    client.post("/login", data={"handle": "bench-coach", "password": PASSWORD})
    times = []
    for run, (cohort_id, queue) in enumerate(runs):
        started = time.perf_counter()
        outcomes = []
        for start in range(0, len(queue), entry.SYNC_BATCH):
            response = client.post(f"/cohorts/{cohort_id}/cards/entry/post/sync",
                                   json={"entries": queue[start:start + entry.SYNC_BATCH]})
            assert response.status_code == 200, response.status_code
            outcomes += [r["outcome"] for r in response.get_json()["results"]]
        elapsed = time.perf_counter() - started
        assert outcomes == ["counted"] * how_many, set(outcomes)
        if run >= WARM:
            times.append(elapsed)
    database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"{how_many} queued forms synced in batches of {entry.SYNC_BATCH} ({database}): median "
          f"{statistics.median(times):.2f} s (min {min(times):.2f}, max {max(times):.2f}) over {RUNS} runs")


if __name__ == "__main__":
    main()
