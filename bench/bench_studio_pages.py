"""The Studio's editor pages against the reading pages (issue #19: "the editor pages as light as
the reading pages"): time and size of each page an author opens on the litigation course (14
lessons in two languages, 6 quizzes, a survey, a case), beside the lesson and course pages a
participant reads.

    .venv/bin/python bench/bench_studio_pages.py [runs, default 30]

The library course is imported as a Studio course into SQLite in a temporary folder; an author
(an admin, so one account reads both sides, enrolled) opens each page through Flask's test client
(no network): median and slowest of ``runs`` requests after one warm-up, and the HTML's size.
The preview pages read the whole package as publishing would (read_package), which is their cost.
"""
from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PASSWORD = "correct horse battery"
SLUG = "gbv-litigation"
LESSON = "01-anti-dv-law"


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    from courses.services import get_course
    from courses.studio import packages
    from training import accounts
    from training.app import create_app
    from training.extensions import db
    from training.progress import enrol

    work = Path(tempfile.mkdtemp(prefix="amicus-bench-studio-pages-"))
    app = create_app({"AMICUS_ENV": "development", "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{work / 'bench.sqlite'}", "RATELIMIT_ENABLED": False,
                      "AMICUS_PASSWORD_PROFILE": "CHEAPEST", "AMICUS_TWO_FACTOR_ROLES": []})
    try:
        with app.app_context():
            db.create_all()
            shutil.copytree(ROOT / "courses" / "library" / SLUG, work / SLUG)
            author = accounts.create_user("bench-author", PASSWORD, role="admin")
            db.session.flush()
            packages.publish(None, work / SLUG, "import", force=True)
            db.session.commit()
            enrol(author, get_course(SLUG).id)
            db.session.commit()
        client = app.test_client()
        client.post("/login", data={"handle": "bench-author", "password": PASSWORD})
        base = f"/studio/{SLUG}"
        pages = [
            ("reading: the course page", f"/courses/{SLUG}"),
            ("reading: a lesson", f"/courses/{SLUG}/lessons/{LESSON}"),
            ("studio: the files", f"{base}/files"),
            ("studio: a lesson as text", f"{base}/edit/lessons/{LESSON}.md"),
            ("studio: a lesson, both languages", f"{base}/lesson/{LESSON}"),
            ("studio: a quiz's questions", f"{base}/quiz/quizzes/03-evidence-check.gift"),
            ("studio: a question", f"{base}/quiz-question/1/quizzes/03-evidence-check.gift"),
            ("studio: the survey's items", f"{base}/survey/surveys/knowledge-and-confidence.yaml"),
            ("studio: a survey item", f"{base}/survey-item/surveys/knowledge-and-confidence.yaml?item=0"),
            ("studio: the case", f"{base}/case/cases/protection-order-hearing/case.yaml"),
            ("studio: the outline", f"{base}/outline"),
            ("studio: preview, the course", f"{base}/preview"),
            ("studio: preview, a lesson", f"{base}/preview/{LESSON}"),
        ]
        rows = []
        for name, url in pages:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            size = len(response.data)
            times = []
            for _ in range(runs):
                start = time.perf_counter()
                client.get(url)
                times.append(time.perf_counter() - start)
            rows.append((name, statistics.median(times) * 1000, max(times) * 1000, size / 1024))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{runs} requests per page after a warm-up (SQLite, Flask test client)")
    print(f"{'page':<36} {'median ms':>10} {'max ms':>8} {'HTML KB':>8}")
    for name, median, slowest, kb in rows:
        print(f"{name:<36} {median:>10.1f} {slowest:>8.1f} {kb:>8.1f}")


if __name__ == "__main__":
    main()
