"""Time the benchmark's pages in-process, one request at a time, and profile one of them.

    .venv/bin/python bench/profile_pages.py                      # seed, then time every page
    .venv/bin/python bench/profile_pages.py --profile /learning  # and a cProfile of that page
    BENCH_SKIP_SEED=1 BENCH_DATABASE_URL=... .venv/bin/python bench/profile_pages.py  # data as it is

The site is bench/seed.py's (same data model, same knobs: BENCH_USERS, BENCH_COURSES, ...).
The database is BENCH_DATABASE_URL, else a temporary SQLite file (seeded with smaller sizes
unless the knobs say otherwise). The app is built as run.sh serves it: AMICUS_ENV=development,
nothing turned off (CSRF, rate limits, headers, session checks). bench-user logs in once
through the login form (CSRF token included), then each URL is requested with her session
cookie through the test client, each request in its own app context as under gunicorn.

Each URL is timed in blocks of --block requests in a row after --warm untimed ones (as wrk
runs one URL at a time), the URLs taking turns until each has --runs. Prints, for /healthz and
each page, the median milliseconds per request, the mean CPU milliseconds of this process per
request (PostgreSQL's work is not in it) and both as ratios to /healthz: the goal of
bench/README.md is a ratio of at most 2 (half the throughput).
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

# A temporary SQLite site is seeded smaller unless the knobs say otherwise.
SQLITE_SIZES = {"BENCH_USERS": "1000", "BENCH_COMPLETIONS": "50000"}


def measure(client, urls: list[str], runs: int, warm: int, block: int = 25) -> dict[str, tuple[float, float]]:
    """Each URL's median milliseconds per request, and the mean CPU milliseconds this process
    spent per request (PostgreSQL's own work not included).

    As wrk does, each URL is requested many times in a row, after ``warm`` untimed requests
    (connections, caches, prepared statements); the URLs take turns by blocks of ``block``
    timed requests, so that a machine getting busier or quieter during the run affects all of
    them alike."""
    times: dict[str, list[float]] = {url: [] for url in urls}
    cpu = dict.fromkeys(urls, 0.0)
    while any(len(values) < runs for values in times.values()):
        for url in urls:
            for _ in range(warm):
                check(client.get(url), url)
            for _ in range(min(block, runs - len(times[url]))):
                start, start_cpu = time.perf_counter(), time.process_time()
                response = client.get(url)
                times[url].append((time.perf_counter() - start) * 1000)
                cpu[url] += time.process_time() - start_cpu
                check(response, url)
    return {url: (statistics.median(values), cpu[url] * 1000 / len(values)) for url, values in times.items()}


def check(response, url: str) -> None:
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code} (location: {response.headers.get('Location')})")


def login(client) -> None:
    from seed import BENCH_HANDLE, BENCH_PASSWORD

    page = client.get("/login")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]*)"', page.get_data(as_text=True))
    if token is None:
        raise SystemExit("no csrf_token in the login form")
    response = client.post("/login", data={"handle": BENCH_HANDLE, "password": BENCH_PASSWORD,
                                           "csrf_token": token.group(1)})
    if response.status_code != 302 or "/login" in response.headers.get("Location", ""):
        raise SystemExit(f"logging in as {BENCH_HANDLE} failed ({response.status_code}); was the database seeded?")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=300, help="timed requests per URL [300]")
    parser.add_argument("--warm", type=int, default=10, help="untimed requests before each block [10]")
    parser.add_argument("--block", type=int, default=25, help="timed requests in a row per URL and turn [25]")
    parser.add_argument("--profile", metavar="URL", help="also print a cProfile of --runs requests of URL")
    parser.add_argument("--also", metavar="URL", action="append", default=[],
                        help="time this URL too (repeatable), e.g. /join: the layout with a signed-in user")
    parser.add_argument("--sort", default="cumulative", help="pstats sort key for --profile [cumulative]")
    parser.add_argument("--lines", type=int, default=60, help="lines of the profile to print [60]")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{folder}/bench.sqlite"
        course = os.environ.get("BENCH_COURSE", "bench-course-01")
        lesson = os.environ.get("BENCH_LESSON", "lesson-13")
        if os.environ.get("BENCH_SKIP_SEED") != "1":
            import seed

            if url.startswith("sqlite"):
                for name, value in SQLITE_SIZES.items():
                    os.environ.setdefault(name, value)
            started = time.perf_counter()
            course, lesson = seed.seed(url)
            print(f"seed took {time.perf_counter() - started:.1f}s")

        from tests.conftest import IsolatedClient
        from training.app import create_app
        from training.extensions import db

        # As run.sh serves it: only the database and a throwaway key are given.
        app = create_app({"AMICUS_ENV": "development", "SQLALCHEMY_DATABASE_URI": url, "DATABASE_URL": url,
                          "SECRET_KEY": "bench-profile-not-secret"})
        app.test_client_class = IsolatedClient
        client = app.test_client()
        login(client)
        urls = ["/healthz", f"/courses/{course}/lessons/{lesson}", f"/courses/{course}", "/learning", *args.also]
        results = measure(client, urls, args.runs, args.warm, args.block)
        with app.app_context():
            dialect = db.engine.dialect.name
        print(f"database: {dialect}; median of {args.runs} requests per URL, one at a time, in blocks of "
              f"{args.block} after {args.warm} untimed ones, the URLs taking turns")
        base, base_cpu = results["/healthz"]
        print(f"{'URL':48} {'median ms':>9} {'ratio':>6}   {'CPU ms':>6} {'ratio':>6}")
        for u, (ms, cpu_ms) in results.items():
            print(f"{u:48} {ms:9.3f} {ms / base:5.2f}x   {cpu_ms:6.3f} {cpu_ms / base_cpu:5.2f}x")

        if args.profile:
            target = args.profile
            for _ in range(args.warm):
                check(client.get(target), target)
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.runs):
                check(client.get(target), target)
            profiler.disable()
            print(f"\ncProfile of {args.runs} requests of {target}:")
            pstats.Stats(profiler).strip_dirs().sort_stats(args.sort).print_stats(args.lines)
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
