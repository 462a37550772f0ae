"""Benchmark respondent cards: 300 cards in one PDF (issue #18: under 3 s).

    .venv/bin/python bench/bench_cards.py [cards, default 300] [layout a4|a6, default a4]

Makes a course with a pre- and post-survey in both languages, a cohort and its cards on an
SQLite file in a temporary folder, logs its trainer in, and times GET /cohorts/ID/cards.pdf (the
whole request: the cards read, their numbers derived, one QR code each, the page rendered by
WeasyPrint) as the trainer's browser makes it. Median of 5 runs after 1 warm-up run; prints the
PDF's pages and size.
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RUNS, WARM = int(os.environ.get("BENCH_RUNS", 5)), 1
PASSWORD = "correct horse battery"


def main() -> None:
    how_many = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    layout = sys.argv[2] if len(sys.argv) > 2 else "a4"
    from courses.package import read_packages
    from courses.services import get_course
    from courses.sync import sync_courses
    from quizzes.surveys.cards import services as cards
    from tests.conftest import SURVEY_YAML, write_course
    from training import accounts, cohorts
    from training.app import create_app
    from training.extensions import db

    work = Path(tempfile.mkdtemp(prefix="amicus-bench-cards-"))
    app = create_app({"AMICUS_ENV": "development", "SECRET_KEY": "bench", "AMICUS_SURVEY_SECRET": "bench",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{work / 'bench.sqlite'}", "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False, "AMICUS_PASSWORD_PROFILE": "CHEAPEST",
                      "AMICUS_TWO_FACTOR_ROLES": []})
    with app.app_context():
        db.create_all()
        folder = write_course(work, slug="workshop", modules=1, lessons=1, languages=("zh", "en"),
                              sequential=False, surveys=SURVEY_YAML)
        sync_courses(read_packages([folder])[0])
        trainer = accounts.create_user("bench-coach", PASSWORD, role="trainer")
        db.session.flush()
        cohort = cohorts.create_cohort(trainer, get_course("workshop").id, "Sunday workshop", date.today(), None)
        for start in range(0, how_many, cards.MAX_BATCH):
            cards.make_cards(trainer, cohort, min(cards.MAX_BATCH, how_many - start))
        db.session.commit()
        cohort_id = cohort.id
    client = app.test_client()
    client.post("/login", data={"handle": "bench-coach", "password": PASSWORD})
    url = f"/cohorts/{cohort_id}/cards.pdf?layout={layout}"
    times, size, body = [], 0, b""
    for run in range(WARM + RUNS):
        started = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.status_code
        if run >= WARM:
            times.append(elapsed)
        size, body = len(response.data), response.data
    import io

    from pypdf import PdfReader

    pages = len(PdfReader(io.BytesIO(body)).pages)
    print(f"{how_many} cards ({layout}): median {statistics.median(times):.2f} s "
          f"(min {min(times):.2f}, max {max(times):.2f}) over {RUNS} runs; {size / 1e6:.2f} MB, {pages} pages")


if __name__ == "__main__":
    main()
