"""Benchmark the Studio (issue #19): publishing the litigation course (14 lessons in two languages,
6 quizzes, a survey, a case exercise) under 2 s.

    .venv/bin/python bench/bench_studio.py          # SQLite in a temporary folder
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test .venv/bin/python bench/bench_studio.py

What is timed is what "Check and publish" does (courses.studio.packages.publish), committed: the
package read and checked as `courses sync` checks it, synced, and stored as a ZIP version. First
publication (the course is new), then a republication with one lesson changed (the usual case:
an author's edit); median of 5 runs each, on a new database each time for the first.
"""
from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
COURSE = ROOT / "courses" / "library" / "gbv-litigation"


def main() -> None:
    from courses.studio import packages
    from training.app import create_app
    from training.extensions import db

    work = Path(tempfile.mkdtemp(prefix="amicus-bench-studio-"))
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{work / 'bench.sqlite'}"
    app = create_app({"AMICUS_ENV": "development", "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url})
    first, again = [], []
    try:
        with app.app_context():
            for _run in range(5):
                db.session.remove()  # no transaction of the last run may hold a lock on the tables dropped
                db.drop_all()
                db.create_all()
                copy = work / "src" / COURSE.name
                shutil.rmtree(copy.parent, ignore_errors=True)
                shutil.copytree(COURSE, copy)
                start = time.perf_counter()
                packages.publish(None, copy, "import", force=True)
                db.session.commit()
                first.append(time.perf_counter() - start)
                lesson = sorted((copy / "lessons").glob("*.md"))[0]
                lesson.write_text(lesson.read_text(encoding="utf-8") + "\nOne more paragraph.\n", encoding="utf-8")
                start = time.perf_counter()
                row, _report = packages.publish(None, copy, "studio")
                db.session.commit()
                again.append(time.perf_counter() - start)
                size = len(row.archive)
            db.session.remove()
            db.drop_all()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"database: {url.split(':')[0]}")
    print(f"publish {COURSE.name} (new): median {statistics.median(first) * 1000:.0f} ms "
          f"(min {min(first) * 1000:.0f}, max {max(first) * 1000:.0f}) over {len(first)} runs")
    print(f"publish again, one lesson changed: median {statistics.median(again) * 1000:.0f} ms "
          f"(min {min(again) * 1000:.0f}, max {max(again) * 1000:.0f}); the stored version: {size / 1024:.0f} KB")


if __name__ == "__main__":
    main()
