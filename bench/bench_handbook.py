"""Benchmark the handbook: the litigation course in both languages as one PDF or EPUB (issue #20:
under 10 s on 2 CPUs and under 3 MB).

    .venv/bin/python bench/bench_handbook.py [slug: gbv-litigation] [lang: both] [paper: a4|a5|epub] [edition: applicant]

Syncs the shipped library into an SQLite file in a temporary folder and times
``courses.handbook.make`` (every lesson read, its images resolved, the page rendered by
WeasyPrint and the pages counted, or the EPUB written), as the background job runs it. Median of 3 runs after 1 warm-up
run (the first loads Pango and the fonts); prints the pages, the size and what was not included.
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RUNS, WARM = int(os.environ.get("BENCH_RUNS", 3)), 1


def main() -> None:
    slug = sys.argv[1] if len(sys.argv) > 1 else "gbv-litigation"
    lang = sys.argv[2] if len(sys.argv) > 2 else "both"
    paper = sys.argv[3] if len(sys.argv) > 3 else "a4"
    edition = sys.argv[4] if len(sys.argv) > 4 else "applicant"
    from courses import handbook
    from courses.package import read_packages
    from courses.services import get_course
    from courses.sync import sync_courses
    from training.app import create_app
    from training.extensions import db

    work = Path(tempfile.mkdtemp(prefix="amicus-bench-handbook-"))
    app = create_app({"AMICUS_ENV": "development", "SECRET_KEY": "bench",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{work / 'bench.sqlite'}"})
    with app.app_context(), app.test_request_context():
        db.create_all()
        specs, errors, _warnings = read_packages([ROOT / "courses" / "library"])
        assert not errors, errors
        sync_courses(specs)
        db.session.commit()
        course = get_course(slug)
        if edition not in handbook.editions_for(course, trainer=True):
            edition = ""  # a course without a case exercise has one edition
        times = []
        for run in range(WARM + RUNS):
            started = time.perf_counter()
            data, pages, notes = handbook.make(course, lang, paper, edition)
            elapsed = time.perf_counter() - started
            if run >= WARM:
                times.append(elapsed)
    print(f"{slug} handbook ({lang}, {paper}, {edition or 'one edition'}): median {statistics.median(times):.2f} s "
          f"(min {min(times):.2f}, max {max(times):.2f}) over {RUNS} runs; {len(data) / 1e6:.2f} MB, "
          f"{f'{pages} pages' if pages else 'reflowable'}; "
          f"not included: {notes or 'nothing'}")


if __name__ == "__main__":
    main()
