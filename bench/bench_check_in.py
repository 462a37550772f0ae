"""Check-in load: 300 people check in to one session within a minute (issue #18's goal: no error,
p99 under 300 ms), gunicorn with 2 workers on PostgreSQL and Redis.

    .venv/bin/python bench/bench_check_in.py [people] [seconds]

Seeds its own database, BENCH_CHECKIN_DATABASE_URL
[postgresql+psycopg://postgres@127.0.0.1:5432/amicus_bench_checkin], dropped and created again:
`flask db upgrade`, `courses sync`, a trainer, a cohort of the migrant workers' course with
``people`` [300] participants (bench/load_seed.py's handles and password) and one session starting
now. Starts gunicorn as docs/deploy.md does (gthread, 4 threads) with 2 workers, production
settings and Redis for the rate limits, on a free port.

Each person arrives at a random moment of the ``seconds`` [60] and does what a phone does after
scanning the room's QR code: opens ``/check-in/<code>`` (the code shown at that moment: it changes
every 30 s, so the run crosses at least one change), is sent to log in, logs in (argon2, the
slowest step, by design), comes back to the code's page, taps "Check in", and lands on My
learning. Each person sends from an address of its own (127.1.x.y), as phones on a venue's
network behind one router would not: the per-address log-in limit is not what is measured here.

Prints the requests by kind with their p50/p99 and errors, the check-in requests' own p99 (the
code's page and the confirmation), and how many of the people the database has marked present.
"""
from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from load import Dropped, Participant, Stats, form_with, hidden, percentile  # noqa: E402
from load_seed import PASSWORD, handle, recreate_database, site_env  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/amicus_bench_checkin"
COURSE = "know-your-rights"
SECRET = "bench-check-in-" + os.urandom(8).hex()


def seed(url: str, people: int) -> tuple[int, int]:
    """The site: returns (cohort id, session id)."""
    recreate_database(url)
    flask = [str(ROOT / ".venv" / "bin" / "flask"), "--app", "wsgi"]
    for command in (["db", "upgrade"], ["courses", "sync"]):
        done = subprocess.run(flask + command, cwd=ROOT, env=site_env(url), capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(f"flask {' '.join(command)} failed:\n{done.stdout}{done.stderr}")
    from datetime import date, datetime, timedelta

    from courses import services as course_services
    from courses.workshops import services as workshops
    from training import cohorts
    from training.accounts import create_user
    from training.app import create_app
    from training.extensions import db
    from training.progress import enrol

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "DATABASE_URL": url, "AMICUS_ENV": "development",
                      "SECRET_KEY": SECRET})
    with app.app_context():
        trainer = create_user("checkin-trainer", PASSWORD, role="trainer")
        db.session.flush()
        course = course_services.get_course(COURSE)
        cohort = cohorts.create_cohort(trainer, course.id, "Sunday", date.today(), None)
        for number in range(people):
            user = create_user(handle(number), PASSWORD)
            db.session.flush()
            cohorts.join_cohort(user, cohort.invite_code, date.today())
            enrol(user, course.id, cohort.id)
        now = datetime.now()
        session = workshops.add_session(trainer, cohort, workshops.SessionSpec(
            title="Rights at work", starts=now, ends=now + timedelta(hours=3)))
        db.session.commit()
        return cohort.id, session.id


def current_code(session_id: int) -> str:
    """The code the room's screen shows now (workshops.check_in_code, with the site's secret)."""
    from courses.workshops import services as workshops

    app = _code_app()
    with app.app_context():
        from courses.workshops.models import CohortSession

        return workshops.check_in_code(CohortSession(id=session_id))[0]


_APP = None


def _code_app():
    global _APP
    if _APP is None:
        from training.app import create_app

        _APP = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "AMICUS_ENV": "development", "SECRET_KEY": SECRET})
    return _APP


class Phone(Participant):
    """A person who scans the code once, logs in on the way, and checks in."""

    def __init__(self, number: int, url: str, stats: Stats, session_id: int, arrive: float, codes):
        super().__init__(number, url, time.monotonic() + 3600, stats, {}, False, 0.0, 1)
        self.session_id, self.arrive, self.codes = session_id, arrive, codes
        self.outcome = "not started"

    def run(self) -> None:
        time.sleep(max(0.0, self.arrive - time.monotonic()))
        try:
            code = self.codes()
            _s, path, html = self.get(f"/check-in/{code}", "check-in page")
            if path.startswith("/login"):
                form = form_with(html, has_field="password")
                self.think(2, 6)  # typing the handle and password on a phone
                fields = hidden(form) + [("handle", handle(self.number)), ("password", PASSWORD)]
                _s, path, html = self.post("login", path, fields)
            form = form_with(html, has_field="csrf_token")  # the page's own form posts to its address
            if form is None:
                self.outcome = f"no check-in form at {path}"
                return
            self.think(0.5, 2)
            status, path, _html = self.post("check-in", f"/check-in/{code}", hidden(form))
            self.outcome = "checked in" if path.startswith("/learning") else f"{status} at {path}"
        except Dropped as error:
            self.outcome = f"dropped: {error}"
        finally:
            if self.conn is not None:
                self.conn.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    people = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 60.0
    url = os.environ.get("BENCH_CHECKIN_DATABASE_URL") or DEFAULT_URL
    redis_url = os.environ.get("BENCH_CHECKIN_REDIS_URL", "redis://127.0.0.1:6379/10")
    started = time.perf_counter()
    cohort_id, session_id = seed(url, people)
    print(f"seeded {people} participants in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AMICUS_")}
    env.update(AMICUS_ENV="production", SECRET_KEY=SECRET, DATABASE_URL=url, REDIS_URL=redis_url,
               AMICUS_BASE_URL=f"http://127.0.0.1:{port}")
    import redis

    redis.Redis.from_url(redis_url).flushdb()  # no rate-limit counts left from an earlier run
    args = [str(ROOT / ".venv" / "bin" / "gunicorn"), "--workers", "2", "--worker-class", "gthread", "--threads", "4",
            "--bind", f"127.0.0.1:{port}", "--no-control-socket", "wsgi:app"]
    server = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        import urllib.request

        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        stats = Stats()
        begin = time.monotonic() + 1
        rng = random.Random(18)
        lock = threading.Lock()

        def codes() -> str:
            with lock:
                return current_code(session_id)

        phones = [Phone(n, f"http://127.0.0.1:{port}", stats, session_id, begin + rng.uniform(0, seconds), codes)
                  for n in range(people)]
        for phone in phones:
            phone.start()
        for phone in phones:
            phone.join()
        took = time.monotonic() - begin
    finally:
        server.terminate()
        _out, err = server.communicate(timeout=30)

    from collections import Counter

    outcomes = Counter(p.outcome for p in phones)
    print(f"\n{people} people over {seconds:.0f} s (the last done after {took:.1f} s); "
          f"gunicorn --workers 2 --worker-class gthread --threads 4, PostgreSQL, Redis; {os.cpu_count()} CPUs")
    print(f"{'request':<16}{'n':>6}{'p50 ms':>9}{'p99 ms':>9}  outcomes")
    for kind in sorted(stats.outcomes):
        times = stats.latency.get(kind, [])
        print(f"{kind:<16}{sum(stats.outcomes[kind].values()):>6}{percentile(times, 0.5) * 1000:>9.0f}"
              f"{percentile(times, 0.99) * 1000:>9.0f}  {dict(stats.outcomes[kind])}")
    check_in = stats.latency.get("check-in page", []) + stats.latency.get("check-in", [])
    errors = sum(n for kind in stats.outcomes for outcome, n in stats.outcomes[kind].items()
                 if not outcome.startswith(("2", "3")))
    print(f"check-in requests (the code's page and the confirmation): p99 {percentile(check_in, 0.99) * 1000:.0f} ms; "
          f"errors of any request: {errors}; people: {dict(outcomes)}")
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        present = conn.execute(text("SELECT count(*) FROM attendances WHERE session_id = :s AND status = 'present'"),
                               {"s": session_id}).scalar_one()
    engine.dispose()
    print(f"marked present in the database: {present} of {people}")
    if "Traceback" in err:
        print("gunicorn logged an exception:\n" + err[-2000:])


if __name__ == "__main__":
    main()
