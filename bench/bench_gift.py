"""Benchmark the GIFT reader and writer on a large file made in memory.

    .venv/bin/python bench/bench_gift.py [number of questions, default 10000]

Builds a GIFT file of mixed kinds (single and multiple choice, true/false, short answer,
numerical, matching, missing word, essay, description; titles, feedback, weights, escapes,
Chinese text and a $CATEGORY change every 500 questions), then times ``parse_gift`` on it
and ``write_gift`` on the result: best of 3 runs each, with ``time.perf_counter``. Nothing
touches the disk or the database. Goal: importing 10,000 questions well under a few seconds.
"""
from __future__ import annotations

import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from quizzes.gift import parse_gift, write_gift  # noqa: E402

RUNS = 3
TEMPLATES = [
    # single choice, answers on several lines, feedback, general feedback
    "::Q{n} single::Which article of the Anti-Domestic Violence Law covers case {n}? {{\n"
    "\t~Article 2#Not quite.\n\t=Article 23#Right: protection orders.\n\t~Article 33\n"
    "\t####See chapter 4.\n}}",
    # multiple response with weights
    "::Q{n} multi::Which of these are forms of domestic violence? {{\n"
    "\t~%50%Physical harm\n\t~%50%Psychological abuse\n\t~%-100%A disagreement\n}}",
    # true/false with both feedbacks
    "::Q{n} tf::A protection order can be requested by a close relative.{{TRUE#Read article 23 again.#Yes.}}",
    # short answer with weights
    "::Q{n} short::Which court issues a protection order? {{=people's court =%50%court#Be more precise.}}",
    # numerical, tolerance and several graded answers
    "::Q{n} numerical::Within how many hours must a court decide in urgent cases? {{#\n"
    "\t=%100%24:0#Correct.\n\t=%50%24:24#Close.\n}}",
    "::Q{n} range::The law took effect in which year? {{#2015..2016}}",
    # matching
    "::Q{n} matching::Match the institution with its role. {{\n"
    "\t=Court -> issues orders\n\t=Police -> enforces orders\n\t=Women's federation -> supports victims\n}}",
    # missing word, escapes
    "::Q{n} missing::The order lasts up to {{~3 months =6 months ~1 year}} and can be renewed \\{{see art. 30\\}}.",
    # Chinese
    "::问题{n}::《反家庭暴力法》自哪一年起施行？{{\n\t~2014年\n\t=2016年#正确！\n\t~2018年\n}}",
    # essay and description
    "::Q{n} essay::[markdown]Describe **two** kinds of evidence of psychological abuse. {{}}",
    "::Q{n} note::The next questions are about evidence\\: read section 3 first.",
]


def make_file(count: int) -> str:
    rng = random.Random(2026)
    parts = ["// A generated GIFT file for bench/bench_gift.py"]
    for n in range(count):
        if n % 500 == 0:
            parts.append(f"$CATEGORY: $course$/top/Bench/part {n // 500 + 1}")
        parts.append(rng.choice(TEMPLATES).format(n=n + 1))
    return "\n\n".join(parts) + "\n"


def best_of(runs: int, function, argument):
    times = []
    result = None
    for _ in range(runs):
        start = time.perf_counter()
        result = function(argument)
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    source = make_file(count)
    parse_time, questions = best_of(RUNS, parse_gift, source)
    assert len(questions) == count, (len(questions), count)
    write_time, written = best_of(RUNS, write_gift, questions)
    assert len(parse_gift(written)) == count
    kinds: dict[str, int] = {}
    for q in questions:
        kinds[q.kind] = kinds.get(q.kind, 0) + 1
    print(f"GIFT file: {count:,} questions, {len(source.encode()):,} bytes, {source.count(chr(10)):,} lines")
    print("kinds: " + ", ".join(f"{kind} {number}" for kind, number in sorted(kinds.items())))
    print(f"parse_gift: {parse_time * 1000:8.1f} ms  ({parse_time / count * 1e6:.1f} us per question), best of {RUNS}")
    print(f"write_gift: {write_time * 1000:8.1f} ms  ({write_time / count * 1e6:.1f} us per question), best of {RUNS}")
    import_time = time_import(source)
    print(f"import into the question bank (parse, render, insert, commit; {database_label()}): "
          f"{import_time * 1000:8.1f} ms  ({import_time / count * 1e6:.1f} us per question), one run")


def database_label() -> str:
    import os

    return os.environ.get("BENCH_DATABASE_URL", "SQLite in a temporary file")


def time_import(source: str) -> float:
    """The whole import a trainer or `flask quizzes import` does, into a fresh database.

    Drops and creates every table of BENCH_DATABASE_URL: give it a database of its own.
    """
    import os
    import tempfile

    from courses.models import Course
    from quizzes.bank import import_questions
    from training.app import create_app
    from training.extensions import db

    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{folder}/bench.sqlite"
        app = create_app({"AMICUS_ENV": "development", "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
        with app.app_context():
            db.drop_all()
            db.create_all()
            course = Course(slug="bench", titles={"en": "Bench"}, track="general", languages=["en"], content_hash="x")
            db.session.add(course)
            db.session.commit()
            start = time.perf_counter()
            report = import_questions(course, source, None)
            db.session.commit()
            elapsed = time.perf_counter() - start
            assert report.added > 0
            db.drop_all()
            db.engine.dispose()
    return elapsed


if __name__ == "__main__":
    main()
