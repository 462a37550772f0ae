"""Memory of gunicorn workers serving the participant's pages, with and without --preload.

    .venv/bin/python bench/memory.py                      # set up the demo site, then measure
    BENCH_SKIP_SEED=1 .venv/bin/python bench/memory.py    # the site as it is

The site is what `make run` sets up (the shipped course library, the demo accounts and
cohorts) in its own database, BENCH_MEMORY_DATABASE_URL
[postgresql+psycopg://postgres@127.0.0.1:5432/amicus_bench_memory], created if missing:
`flask db upgrade`, `courses sync`, `demo load` (all three leave what is there alone).

For each way of starting gunicorn (`--workers 2 --worker-class gthread --threads 4
--reuse-port`, then the same with `--preload`): the demo participant lawyer-li logs in and
opens the catalog, her course (gbv-litigation), each of its lessons and quizzes, and My
learning, in turns, one request per connection, until every worker has served
BENCH_MEMORY_REQUESTS [400] of them (gunicorn's access log names the worker of each request).
Then the trainer opens each survey's results page and its PDF report once. After each phase it
reads, for the master and every worker, VmRSS from /proc/<pid>/status and Pss and USS (its
private pages, Private_Clean + Private_Dirty) from /proc/<pid>/smaps_rollup, and whether numpy
or scipy is mapped into the process. The report goes to bench/results/memory.md (git-ignored).

RSS counts every page a process can see, also those it shares; PSS divides each shared page
among the processes sharing it, so the PSS of the master and the workers add up to what the
site holds; USS is what a process holds alone, what ending it would give back. Memory only:
no timings are taken.
"""
from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/amicus_bench_memory"
PARTICIPANT, TRAINER, PASSWORD = "lawyer-li", "trainer", "amicus-demo-2026"  # courses/demo.py
COURSE = "gbv-litigation"
AGENT = "Mozilla/5.0 (X11; Linux x86_64) amicus-bench"


def site_env(url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("AMICUS_DATABASE_URL", "AMICUS_SQLALCHEMY_DATABASE_URI")}
    env.update(AMICUS_ENV="development", DATABASE_URL=url, SECRET_KEY="bench-memory-not-secret",
               AMICUS_TWO_FACTOR_ROLES="[]")  # the trainer logs in with a password alone
    return env


def set_up(url: str) -> None:
    """The demo site of `make run`, in the benchmark's own database."""
    from seed import ensure_database

    ensure_database(url)
    flask = [str(ROOT / ".venv" / "bin" / "flask"), "--app", "wsgi"]
    for command in (["db", "upgrade"], ["courses", "sync"], ["demo", "load"]):
        subprocess.run(flask + command, cwd=ROOT, env=site_env(url), check=True, stdout=subprocess.DEVNULL)


class Browser:
    """One visitor: keeps the session cookie; every request on a new connection, so the kernel
    spreads them over the workers' sockets (--reuse-port)."""

    def __init__(self, port: int):
        self.port = port
        self.cookie = ""

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"User-Agent": AGENT, "Connection": "close"}
        if self.cookie:
            headers["Cookie"] = self.cookie
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie" and value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
        conn.close()
        return response.status, response.getheader("Location", ""), data

    def get(self, path: str) -> bytes:
        status, location, data = self.request("GET", path)
        if status != 200:
            raise SystemExit(f"{path} answered {status} {location}")
        return data

    def log_in(self, handle: str) -> None:
        from urllib.parse import urlencode

        token = re.search(rb'name="csrf_token"[^>]*value="([^"]*)"', self.get("/login"))
        if token is None:
            raise SystemExit("no csrf_token in the login form")
        form = urlencode({"handle": handle, "password": PASSWORD, "csrf_token": token.group(1).decode()})
        status, location, _ = self.request("POST", "/login", form)
        if status != 302 or "/login" in location:
            raise SystemExit(f"logging in as {handle} failed ({status}); was the demo site set up?")


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return sorted(found)


def memory(pid: int) -> dict:
    """MB: VmRSS, Pss, USS (private pages); and whether numpy/scipy's libraries are mapped."""
    kb = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value = line.split(":", 1)
        kb[name] = int(value.split()[0])
    status = Path(f"/proc/{pid}/status").read_text()
    rss = int(re.search(r"^VmRSS:\s+(\d+)", status, re.M).group(1))
    maps = Path(f"/proc/{pid}/maps").read_text()
    return {"rss": rss / 1024, "pss": kb["Pss"] / 1024, "uss": (kb["Private_Clean"] + kb["Private_Dirty"]) / 1024,
            "scipy": "/scipy/" in maps or "/numpy/" in maps}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def served(log: Path, paths: set[str]) -> Counter:
    """Requests per worker pid for the given paths, from the access log."""
    counts: Counter = Counter()
    for line in log.read_text().splitlines():
        pid, _, path = line.partition(" ")
        if path in paths:
            counts[int(pid.strip("<>"))] += 1  # gunicorn writes %(p)s as <pid>
    return counts


def measure(url: str, preload: bool, workers: int, threads: int, per_worker: int, work: Path) -> list[dict]:
    """Serve the site, run the phases, return one snapshot of every process per phase."""
    port = free_port()
    log = work / f"access-{'preload' if preload else 'plain'}.log"
    command = [str(ROOT / ".venv" / "bin" / "gunicorn"), "--chdir", str(ROOT), "--bind", f"127.0.0.1:{port}",
               "--workers", str(workers), "--worker-class", "gthread", "--threads", str(threads), "--reuse-port",
               "--log-level", "warning", "--error-logfile", str(ROOT / "bench" / "results" / "gunicorn-memory.log"),
               "--access-logfile", str(log), "--access-logformat", "%(p)s %(U)s"]
    if preload:
        command.append("--preload")
    server = subprocess.Popen(command + ["wsgi:app"], cwd=ROOT, env=site_env(url))
    snapshots = []

    def snapshot(phase: str, counts: Counter) -> None:
        for pid in [server.pid] + children(server.pid):
            role = "master" if pid == server.pid else "worker"
            snapshots.append({"phase": phase, "role": role, "pid": pid, "requests": counts.get(pid, 0),
                              **memory(pid)})

    try:
        for _ in range(150):
            try:
                if Browser(port).request("GET", "/healthz")[0] == 200 and len(children(server.pid)) == workers:
                    break
            except OSError:
                pass
            if server.poll() is not None:
                raise SystemExit("gunicorn exited; see bench/results/gunicorn-memory.log")
            time.sleep(0.2)
        time.sleep(1)
        snapshot("started", Counter())

        participant = Browser(port)
        participant.log_in(PARTICIPANT)
        participant.get("/learning")  # the page the log-in leads to (it renews the CSRF token)
        course_page = participant.get(f"/courses/{COURSE}").decode()
        activities = sorted(set(re.findall(rf'href="(/courses/{COURSE}/(?:lessons|quizzes)/[^"/?#]+)"', course_page)))
        if not any("/quizzes/" in a for a in activities) or not any("/lessons/" in a for a in activities):
            raise SystemExit(f"no lessons or quizzes linked from /courses/{COURSE}")
        pages = ["/courses", f"/courses/{COURSE}", "/learning", *activities]
        paths = set(pages)
        counts = Counter()
        sent = 0
        while min((counts.get(pid, 0) for pid in children(server.pid)), default=0) < per_worker:
            if sent > 4 * per_worker * workers:
                raise SystemExit(f"the requests did not reach every worker: {dict(counts)}")
            for page in pages:
                participant.get(page)
            sent += len(pages)
            counts = served(log, paths)
        snapshot(f"participant pages ({len(pages)} URLs)", counts)

        trainer = Browser(port)
        trainer.log_in(TRAINER)
        surveys = sorted(set(re.findall(rf'href="(/courses/{COURSE}/surveys/[^"/?#]+)"', course_page)))
        results_paths = set()
        for survey in surveys:
            for suffix in ("/results", "/report.pdf"):
                trainer.get(survey + suffix)
                results_paths.add(survey + suffix)
        snapshot(f"then {len(results_paths)} survey results pages and PDF reports", served(log, results_paths))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    return snapshots


def table(snapshots: list[dict]) -> str:
    rows = ["| phase | process | requests | RSS (MB) | PSS (MB) | USS (MB) | numpy/scipy loaded |",
            "| --- | --- | ---: | ---: | ---: | ---: | :---: |"]
    phases = list(dict.fromkeys(s["phase"] for s in snapshots))
    for phase in phases:
        these = [s for s in snapshots if s["phase"] == phase]
        for s in these:
            rows.append(f"| {phase} | {s['role']} {s['pid']} | {s['requests']} | {s['rss']:.1f} | {s['pss']:.1f} | "
                        f"{s['uss']:.1f} | {'yes' if s['scipy'] else 'no'} |")
        rows.append(f"| {phase} | **all** | | {sum(s['rss'] for s in these):.1f} | **{sum(s['pss'] for s in these):.1f}** | "
                    f"{sum(s['uss'] for s in these):.1f} | |")
    return "\n".join(rows)


def main() -> None:
    url = os.environ.get("BENCH_MEMORY_DATABASE_URL", DEFAULT_URL)
    per_worker = int(os.environ.get("BENCH_MEMORY_REQUESTS", "400"))
    workers = int(os.environ.get("BENCH_WORKERS", "2"))
    threads = int(os.environ.get("BENCH_THREADS", "4"))
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    if os.environ.get("BENCH_SKIP_SEED") != "1":
        set_up(url)
    shown = re.sub(r"//([^:@/]*):[^@/]*@", r"//\1:***@", url)
    parts = [f"# Amicus worker memory, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n",
             f"- database: {shown} (the demo site)",
             f"- gunicorn: --workers {workers} --worker-class gthread --threads {threads} --reuse-port",
             f"- {PARTICIPANT}'s pages until each worker served {per_worker}, then the trainer's survey results",
             "- MB = MiB; PSS adds up across processes (shared pages divided), USS is a process's own pages"]
    with tempfile.TemporaryDirectory() as tmp:
        for preload in (False, True):
            snapshots = measure(url, preload, workers, threads, per_worker, Path(tmp))
            parts.append(f"\n## {'with' if preload else 'without'} --preload\n\n{table(snapshots)}")
    report = "\n".join(parts) + "\n"
    (ROOT / "bench" / "results" / "memory.md").write_text(report)
    print(report)


if __name__ == "__main__":
    main()
