"""Seed a large Amicus site into a separate benchmark database.

    .venv/bin/python bench/seed.py

Sizes (environment, defaults in brackets): BENCH_USERS [10000], BENCH_COURSES [50],
BENCH_MODULES [4 per course], BENCH_LESSONS [40 per course], BENCH_ENROLMENTS_PER_USER [5],
BENCH_COMPLETIONS [500000]. The database is BENCH_DATABASE_URL
[postgresql+psycopg://postgres@127.0.0.1:5432/amicus_bench]; a PostgreSQL database that does
not exist is created, and every table is dropped and created again. An SQLite file URL works
too.

Rows go in with SQLAlchemy Core ``insert()`` executemany in big batches. One user, "bench-user"
with password "bench-password-1", is made through the app's own ``create_user``; the others
share its password hash. The last line printed is ``BENCH_TARGETS <course> <lesson>``: the
course and lesson slugs run.sh measures.
"""
from __future__ import annotations

import hashlib
import os
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/amicus_bench"
BENCH_HANDLE = "bench-user"
BENCH_PASSWORD = "bench-password-1"
PROFESSIONS = ("lawyer", "journalist", "ngo", "other")
BATCH = 10_000

# The bench user's progress in the measured course: this many lessons done (module 1 complete,
# module 2 under way); the measured lesson is the next one, which is also where she resumes.
BENCH_DONE = 12


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database named in ``url`` if it does not exist yet."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("postgresql"):
        return
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": parsed.database}
        ).first()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
            print(f"created database {parsed.database}")
    admin.dispose()


# --- lesson text ---------------------------------------------------------------------------

_SENTENCES = [
    "A protection order is a civil remedy, and the applicant does not have to prove a crime.",
    "Write down the date, the place and the words used each time, as close to the event as possible.",
    "Courts weigh a consistent account more heavily than a dramatic one.",
    "Police warning letters are evidence in later proceedings even when no fine was imposed.",
    "Ask the client what she wants to happen next before you explain what the law allows.",
    "Medical records, chat messages and neighbours' statements support each other.",
    "A reporter who names a survivor without consent can expose her to new violence.",
    "The duty to report applies to schools, hospitals and residents' committees alike.",
    "Keep copies of every filing, and note who received it and when.",
    "Psychological abuse is domestic violence on its own, without any physical injury.",
    "A safety plan is reviewed with the survivor, not written for her.",
    "Judges may order the respondent to move out of the shared home.",
    "Time limits run from the date of the ruling, not from the date it is delivered.",
    "Interpreters must be neutral and bound to confidentiality like everyone else in the room.",
    "Explain each step in plain words and check that the explanation was understood.",
]


def lesson_markdown(course_no: int, lesson_no: int, words: int = 1000) -> str:
    """A realistic lesson of about ``words`` words: headings, paragraphs, a list and a table."""
    rng = random.Random(course_no * 1000 + lesson_no)
    parts = [f"# Lesson {lesson_no}: evidence and safety in practice (course {course_no})", ""]
    count = 0
    section = 0
    while count < words:
        section += 1
        parts += [f"## Part {section}", ""]
        for _ in range(3):
            para = " ".join(rng.choice(_SENTENCES) for _ in range(5))
            parts += [para, ""]
            count += len(para.split())
        if section == 1:
            items = [f"- **Step {i}.** {rng.choice(_SENTENCES)}" for i in range(1, 6)]
            parts += items + [""]
            count += sum(len(i.split()) for i in items)
        if section == 2:
            parts += [
                "| Measure | Who applies | Typical duration | Notes |",
                "| --- | --- | --- | --- |",
            ]
            for row in range(6):
                parts.append(f"| Measure {row + 1} | Applicant or agent | {row + 1} months | "
                             f"{rng.choice(_SENTENCES)} |")
            parts.append("")
            count += 6 * 20
        if section == 3:
            parts += ["> " + rng.choice(_SENTENCES), ""]
    return "\n".join(parts)


# --- the seed --------------------------------------------------------------------------------

def completion_counts(n_enrolments: int, lessons: int, total: int, rng: random.Random) -> list[int]:
    """How many lessons each enrolment has done: varied, between 0 and ``lessons``, summing to ``total``."""
    total = min(total, n_enrolments * lessons)
    base, extra = divmod(total, n_enrolments) if n_enrolments else (0, 0)
    counts = [base + (1 if i < extra else 0) for i in range(n_enrolments)]
    # Move lessons between random pairs, a few rounds, so some people have finished a course and
    # some have done nothing; the sum stays the same.
    for _ in range(4):
        rng.shuffle(counts)
        for i in range(0, n_enrolments - 1, 2):
            a, b = counts[i], counts[i + 1]
            d = rng.randint(0, min(lessons - a, b))
            counts[i], counts[i + 1] = a + d, b - d
    rng.shuffle(counts)
    return counts


def insert_batches(conn, table, rows, label: str) -> int:
    """Core executemany of ``rows`` (any iterable of dicts) in batches of BATCH."""
    n, batch = 0, []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            conn.execute(insert(table), batch)
            n += len(batch)
            batch = []
    if batch:
        conn.execute(insert(table), batch)
        n += len(batch)
    print(f"  {label}: {n} rows")
    return n


def seed(url: str) -> tuple[str, str]:
    users_n = env_int("BENCH_USERS", 10_000)
    courses_n = env_int("BENCH_COURSES", 50)
    modules_n = env_int("BENCH_MODULES", 4)
    lessons_n = env_int("BENCH_LESSONS", 40)
    per_user = min(env_int("BENCH_ENROLMENTS_PER_USER", 5), courses_n)
    completions_n = env_int("BENCH_COMPLETIONS", 500_000)
    print(f"seeding {make_url(url).render_as_string(hide_password=True)}: {users_n} users, "
          f"{courses_n} courses x {modules_n} modules x {lessons_n} lessons, "
          f"{per_user} enrolments each, {completions_n} completions")

    ensure_database(url)

    from training.accounts import create_user
    from training.app import create_app
    from training.db import utcnow
    from training.extensions import db

    # DATABASE_URL too, so that no DATABASE_URL in the environment or instance/config.py can
    # point this drop-and-recreate at another database.
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "DATABASE_URL": url,
                      "AMICUS_ENV": "development", "SECRET_KEY": "bench-seed-only"})
    if app.config["SQLALCHEMY_DATABASE_URI"] != url:
        raise SystemExit(f"refusing to seed: the app would use {app.config['SQLALCHEMY_DATABASE_URI']!r}")
    rng = random.Random(20240501)
    now = utcnow()
    with app.app_context():
        from courses.models import Activity, Course, LessonContent, Module
        from training.accounts import User
        from training.progress import ActivityCompletion, Enrolment

        t = time.perf_counter()
        db.drop_all()
        db.create_all()
        print(f"  schema: {time.perf_counter() - t:.1f}s")

        # The one real account, through the app's own code; the rest share its hash.
        bench = create_user(BENCH_HANDLE, BENCH_PASSWORD, profession="lawyer")
        db.session.commit()
        bench_id, password_hash = bench.id, bench.password_hash

        conn = db.session.connection()
        users, courses, modules, activities, contents = (
            User.__table__, Course.__table__, Module.__table__, Activity.__table__,
            LessonContent.__table__,
        )

        insert_batches(conn, users, (
            {
                "handle": f"participant-{i:05d}", "handle_key": f"participant-{i:05d}",
                "password_hash": password_hash, "role": "participant",
                "profession": PROFESSIONS[i % len(PROFESSIONS)],
                
                "created_at": now - timedelta(days=i % 700, minutes=i % 1440),
                "locale": None, "email": None, "region": None, "last_login_at": None,
            }
            for i in range(1, users_n)
        ), "users (+1 bench-user)")

        tracks = ("lawyers", "journalists", "ngos", "general")
        insert_batches(conn, courses, (
            {
                "slug": f"bench-course-{c:02d}",
                "titles": {"en": f"Benchmark course {c}: litigating gender-based violence"},
                "summaries": {"en": "How to build a case, protect the survivor and work with courts, "
                                    "police and the press, step by step."},
                "content_warnings": {"en": "Describes domestic and sexual violence."} if c % 3 == 0 else {},
                "track": tracks[c % len(tracks)], "languages": ["en"], "sequential": False,
                "last_reviewed": date(2024, 1, 1) + timedelta(days=c),
                "content_hash": hashlib.sha256(f"bench-course-{c}".encode()).hexdigest(),
                "version": 1, "synced_at": now,
            }
            for c in range(1, courses_n + 1)
        ), "courses")
        course_ids = dict(conn.execute(select(courses.c.slug, courses.c.id)).all())
        course_list = [course_ids[f"bench-course-{c:02d}"] for c in range(1, courses_n + 1)]

        per_module = -(-lessons_n // modules_n)  # ceil
        insert_batches(conn, modules, (
            {
                "course_id": cid, "slug": f"module-{m + 1}", "position": m,
                "titles": {"en": f"Module {m + 1}: from first meeting to ruling"},
                "summaries": {"en": "What to do, what to collect and what to say at this stage."},
                "requires_previous": m > 0,
            }
            for cid in course_list for m in range(modules_n)
        ), "modules")
        module_ids = {(cid, pos): mid for mid, cid, pos in conn.execute(
            select(modules.c.id, modules.c.course_id, modules.c.position)).all()}

        insert_batches(conn, activities, (
            {
                "course_id": cid, "module_id": module_ids[(cid, min(p // per_module, modules_n - 1))],
                "slug": f"lesson-{p + 1:02d}", "kind": "lesson", "position": p,
                "titles": {"en": f"Lesson {p + 1}: evidence and safety in practice"},
                "content_warnings": {"en": "Describes physical violence."} if p % 7 == 3 else {},
            }
            for cid in course_list for p in range(lessons_n)
        ), "activities")
        # course id -> activity ids in course order
        lessons_of: dict[int, list[int]] = {cid: [] for cid in course_list}
        for aid, cid in conn.execute(select(activities.c.id, activities.c.course_id)
                                     .order_by(activities.c.course_id, activities.c.position)).all():
            lessons_of[cid].append(aid)

        from training.markdown import render_markdown
        t = time.perf_counter()
        html_by_position = []
        for p in range(lessons_n):  # rendered by the app's own pipeline, once per position
            body = lesson_markdown(0, p + 1)
            html_by_position.append((render_markdown(body, None), len(body.split())))
        slug_by_id = {cid: slug for slug, cid in course_ids.items()}

        def content_rows():
            for cid in course_list:
                label = slug_by_id[cid]
                for p, aid in enumerate(lessons_of[cid]):
                    html, words = html_by_position[p]
                    yield {"activity_id": aid, "lang": "en",
                           "html": html.replace("(course 0)", f"({label})"), "word_count": words}

        insert_batches(conn, contents, content_rows(), "lesson_contents")
        avg_words = sum(w for _, w in html_by_position) // max(1, len(html_by_position))
        print(f"    ~{avg_words} words, ~{len(html_by_position[0][0]) // 1024} KiB of HTML per lesson "
              f"({time.perf_counter() - t:.1f}s)")

        # Enrolments: everyone in ``per_user`` different courses; the bench user in course 1.
        target_course = course_list[0]
        user_ids = [bench_id] + [uid for (uid,) in conn.execute(
            select(users.c.id).where(users.c.id != bench_id).order_by(users.c.id)).all()]
        pairs = []  # (user_id, course_id)
        for uid in user_ids:
            chosen = rng.sample(course_list, per_user)
            if uid == bench_id and target_course not in chosen:
                chosen[0] = target_course
            pairs.extend((uid, cid) for cid in chosen)

        counts = completion_counts(len(pairs), lessons_n, completions_n, rng)
        bench_index = pairs.index((bench_id, target_course))
        done = min(BENCH_DONE, lessons_n - 1)
        diff = counts[bench_index] - done  # keep the total exact: give or take the difference elsewhere
        counts[bench_index] = done
        for i in range(len(counts)):
            if diff == 0:
                break
            if i == bench_index:
                continue
            step = min(diff, lessons_n - counts[i]) if diff > 0 else max(diff, -counts[i])
            counts[i] += step
            diff -= step

        enrol_rows = []
        for (uid, cid), k in zip(pairs, counts, strict=True):
            enrolled_at = now - timedelta(days=rng.randint(30, 400), minutes=rng.randint(0, 1439))
            last = None
            if k:
                last = lessons_of[cid][min(k, lessons_n - 1)]
            enrol_rows.append({
                "user_id": uid, "course_id": cid, "cohort_id": None, "enrolled_at": enrolled_at,
                "last_activity_id": last,
                "last_seen_at": enrolled_at + timedelta(days=rng.randint(0, 29)) if k else None,
            })
        # The bench user resumes at the measured lesson, used most recently.
        target_lesson_id = lessons_of[target_course][done]
        enrol_rows[bench_index]["last_activity_id"] = target_lesson_id
        enrol_rows[bench_index]["last_seen_at"] = now - timedelta(hours=1)
        insert_batches(conn, Enrolment.__table__, enrol_rows, "enrolments")

        def completion_rows():
            for (uid, cid), k, e in zip(pairs, counts, enrol_rows, strict=True):
                start = e["enrolled_at"]
                for p in range(k):
                    yield {"user_id": uid, "activity_id": lessons_of[cid][p],
                           "completed_at": start + timedelta(hours=6 * p + 1)}

        insert_batches(conn, ActivityCompletion.__table__, completion_rows(), "activity_completions")
        db.session.commit()

        # Fresh planner statistics, as a site that has been running would have.
        db.session.execute(text("ANALYZE"))
        db.session.commit()

        return slug_by_id[target_course], f"lesson-{done + 1:02d}"


def main() -> None:
    from training.config import database_uri

    url = database_uri(os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL)
    started = time.perf_counter()
    course_slug, lesson_slug = seed(url)
    print(f"seed took {time.perf_counter() - started:.1f}s")
    print(f"BENCH_TARGETS {course_slug} {lesson_slug}")


if __name__ == "__main__":
    main()
