"""Seed the load benchmark's site (bench/load.sh) into its own database.

    .venv/bin/python bench/load_seed.py

The database is BENCH_LOAD_DATABASE_URL [postgresql+psycopg://postgres@127.0.0.1:5432/amicus_bench_load];
a PostgreSQL database is dropped and created again, so every run starts from the same site. Then,
through the app's own commands and services: `flask db upgrade`, `courses sync` (the shipped
library: three courses with lessons, quizzes, surveys), BENCH_LOAD_USERS [200] participants
``load-000``... with the password below, and an admin who marks essays. The first
BENCH_LOAD_GRADUATES [a fifth of them] have completed "gbv-litigation" as its pages would record
it (lessons read, quizzes passed with the essays marked, surveys submitted), so they can name and
download their certificate.

It writes the quizzes' answer key (question id -> the full-marks form value, as quizzes/demo.py
computes it) to bench/results/load-answers.json: the simulated participants answer most
questions right, as people who read the lessons would, so they pass the quizzes and move on
through sequential courses.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/amicus_bench_load"
PASSWORD = "load-password-2026"
ADMIN = "load-admin"
GRADUATE_COURSE = "gbv-litigation"
PROFESSIONS = ("lawyer", "journalist", "ngo", "other")
ANSWERS = ROOT / "bench" / "results" / "load-answers.json"


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def handle(number: int) -> str:
    return f"load-{number:03d}"


def recreate_database(url: str) -> None:
    """Drop the PostgreSQL database named in ``url`` (never another) and create it empty."""
    from seed import ensure_database

    parsed = make_url(url)
    if parsed.drivername.startswith("postgresql"):
        admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        admin.dispose()
    ensure_database(url)


def site_env(url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("AMICUS_DATABASE_URL", "AMICUS_SQLALCHEMY_DATABASE_URI")}
    env.update(AMICUS_ENV="development", DATABASE_URL=url, SECRET_KEY="bench-load-not-secret")
    return env


def complete_course(course, user, marker) -> None:
    """Complete every lesson, quiz and survey of ``course`` in order, through the services their
    pages use (the case exercise is not part of this course's completion rule)."""
    from courses import services as course_services
    from quizzes.demo import pass_quiz
    from quizzes.surveys.demo import submit_survey

    outline = course_services.course_outline(course, user, "en")
    for module in outline.modules:
        for activity in module.activities:
            if activity.kind == "lesson":
                course_services.complete_lesson(course, activity.slug, user, "en")
            elif activity.kind == "quiz":
                pass_quiz(course, activity.slug, user, marker)
            elif activity.kind == "survey":
                submit_survey(course, activity.slug, user, marker)


def answer_key() -> dict[str, object]:
    """Question id -> the full-marks answer as the attempt form submits it, for every quiz."""
    from quizzes.demo import right_answer
    from quizzes.models import QuizQuestion
    from quizzes.questions import Question
    from training.extensions import db

    key = {}
    for row in db.session.execute(db.select(QuizQuestion)).scalars():
        value = right_answer(Question.from_dict(row.data))
        if value is not None:
            key[str(row.id)] = value
    return key


def main() -> None:
    url = os.environ.get("BENCH_LOAD_DATABASE_URL") or DEFAULT_URL
    users_n = env_int("BENCH_LOAD_USERS", 200)
    graduates_n = min(env_int("BENCH_LOAD_GRADUATES", users_n // 5), users_n)
    started = time.perf_counter()
    recreate_database(url)
    flask = [str(ROOT / ".venv" / "bin" / "flask"), "--app", "wsgi"]
    for command in (["db", "upgrade"], ["courses", "sync"]):
        done = subprocess.run(flask + command, cwd=ROOT, env=site_env(url), capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(f"flask {' '.join(command)} failed:\n{done.stdout}{done.stderr}")

    from training.accounts import create_user
    from training.app import create_app
    from training.extensions import db
    from training.progress import enrol

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "DATABASE_URL": url,
                      "AMICUS_ENV": "development", "SECRET_KEY": "bench-load-not-secret"})
    if app.config["SQLALCHEMY_DATABASE_URI"] != url:
        raise SystemExit(f"refusing to seed: the app would use {app.config['SQLALCHEMY_DATABASE_URI']!r}")
    with app.app_context():
        from courses import services as course_services

        marker = create_user(ADMIN, PASSWORD, role="admin")
        people = [create_user(handle(i), PASSWORD, profession=PROFESSIONS[i % len(PROFESSIONS)])
                  for i in range(users_n)]
        db.session.commit()
        course = course_services.get_course(GRADUATE_COURSE)
        for user in people[:graduates_n]:
            enrol(user, course.id)
            complete_course(course, user, marker)
            db.session.commit()
        ANSWERS.parent.mkdir(exist_ok=True)
        ANSWERS.write_text(json.dumps(answer_key()))
    print(f"seeded {make_url(url).render_as_string(hide_password=True)}: {users_n} participants "
          f"({graduates_n} completed {GRADUATE_COURSE}), password {PASSWORD!r}, "
          f"in {time.perf_counter() - started:.0f}s")


if __name__ == "__main__":
    main()
