"""Simulated participants for the load benchmark (bench/load.sh runs it; bench/README.md).

    .venv/bin/python bench/load.py --url http://127.0.0.1:8080 --users 200 --duration 300

Each participant is one thread with one keep-alive connection, as a browser tab: it logs in as a
seeded participant (bench/load_seed.py) through the log-in form, enrols, reads lessons (past
their content warning), answers the pre- and post-course surveys, takes quizzes (the quiz page's
script autosaves the answers as they change, then the attempt is submitted), opens My learning,
the catalog and the course page, and, for those seeded as having completed a course, names and
downloads the certificate PDF now and then. CSRF tokens are read from the pages' forms, cookies
kept as a browser keeps them, 0.5-2 s of thinking between clicks. Each participant sends from an
address of its own (127.1.x.y, all local on Linux), so the per-address log-in limit sees 200
people, not one.

Like a browser (and urllib3), a participant checks before reusing its idle connection whether the
server has closed it meanwhile (the socket reads as ready: end of file), and then opens a new one.
A request is never sent twice: a connection that fails with a request on it counts as dropped.

The run stops by itself after --duration seconds (each participant finishes the click under way,
bounded by the 60 s socket timeout). Writes a JSON summary (--json) and prints a table.
"""
from __future__ import annotations

import argparse
import http.client
import json
import random
import re
import select
import threading
import time
import uuid
from collections import Counter, defaultdict
from html import unescape
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

PASSWORD = "load-password-2026"  # bench/load_seed.py
GRADUATE_COURSE = "gbv-litigation"
COURSES = ("gbv-litigation", "trauma-informed-reporting", "anti-gbv-campaigning")
AGENT = "Mozilla/5.0 (X11; Linux x86_64) amicus-load-bench"
TIMEOUT = 60.0
# Participants arrive over the first 20 s and log in (argon2, deliberately slow): latencies after
# this many seconds are also given on their own.
STEADY_AFTER = 60.0
# The exceptions of a connection that ended without an answer: closed ("Remote end closed
# connection without response"), reset, or broken while the request was written.
DROPPED = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError, ConnectionAbortedError,
           http.client.IncompleteRead)


class Forms(HTMLParser):
    """The forms of a page: action, method, fields (name, value, type, checked) and options."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "method": a.get("method", "get").lower(),
                               "fields": [], "buttons": []})
        elif not self.forms:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind == "submit":
                self.forms[-1]["buttons"].append(a)
            else:
                self.forms[-1]["fields"].append({"name": a["name"], "value": a.get("value", "on" if kind == "checkbox" else ""),
                                                 "type": kind, "checked": "checked" in a})
        elif tag == "button":
            self.forms[-1]["buttons"].append(a)
        elif tag == "select" and a.get("name"):
            self._select = {"name": a["name"], "type": "select", "options": [], "value": ""}
            self.forms[-1]["fields"].append(self._select)
        elif tag == "option" and self._select is not None:
            self._select["options"].append(a.get("value", ""))
        elif tag == "textarea" and a.get("name"):
            self._textarea = {"name": a["name"], "type": "textarea", "value": ""}
            self.forms[-1]["fields"].append(self._textarea)

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea["value"] += data


def forms_of(html: str) -> list[dict]:
    parser = Forms()
    parser.feed(html)
    return parser.forms


# The forms of every page's header and footer: log out, language, neutral titles.
SITE_FORMS = ("/logout", "/language", "/privacy/")


def form_with(html: str, action_end: str = "", has_field: str = "") -> dict | None:
    """The page's own POST form whose action ends with ``action_end`` and has ``has_field``."""
    for form in forms_of(html):
        if form["method"] == "post" and not form["action"].startswith(SITE_FORMS) and form["action"].split("?")[0].endswith(action_end) and (
                not has_field or any(f["name"] == has_field for f in form["fields"])):
            return form
    return None


def hidden(form: dict) -> list[tuple[str, str]]:
    return [(f["name"], f["value"]) for f in form["fields"] if f["type"] == "hidden"]


def links(html: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="(/[^"]*)"', html)]


def multipart(fields: list[tuple[str, str]]) -> tuple[bytes, str]:
    """The body a browser's FormData sends (the quiz page's autosave)."""
    boundary = "----amicusload" + uuid.uuid4().hex
    parts = []
    for name, value in fields:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n')
    parts.append(f"--{boundary}--\r\n")
    return "".join(parts).encode(), f"multipart/form-data; boundary={boundary}"


class Stats:
    """Every request's outcome, shared by the participants' threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.steady: list[float] = []  # latencies after the first minute, when everyone has logged in
        self.started = time.monotonic()
        self.outcomes: dict[str, Counter] = defaultdict(Counter)
        self.dropped: list[dict] = []
        self.connections = Counter()  # opened, reused, stale (found closed by the server while idle)
        self.script = Counter()  # pages without what a participant looks for (not the server's fault)

    def record(self, kind: str, outcome: str, seconds: float | None = None, detail: dict | None = None):
        with self.lock:
            self.outcomes[kind][outcome] += 1
            if seconds is not None and outcome.startswith(("2", "3")):
                self.latency[kind].append(seconds)
                if kind != "certificate pdf" and time.monotonic() - self.started > STEADY_AFTER:
                    self.steady.append(seconds)
            if detail is not None:
                self.dropped.append(detail)


class Dropped(Exception):
    pass


class Participant(threading.Thread):
    def __init__(self, number: int, url: str, deadline: float, stats: Stats, answers: dict, graduate: bool,
                 certificate_share: float, seed: int):
        super().__init__(daemon=True, name=f"load-{number:03d}")
        split = urlsplit(url)
        self.host, self.port = split.hostname, split.port or 80
        self.number, self.deadline, self.stats, self.answers = number, deadline, stats, answers
        self.graduate, self.certificate_share = graduate, certificate_share
        self.rng = random.Random(seed * 1000 + number)
        # 127.1.0.1 ... : an address of its own on the loopback network.
        self.source = f"127.1.{number // 250}.{number % 250 + 1}"
        self.conn: http.client.HTTPConnection | None = None
        self.requests_on_conn = 0
        self.cookies: dict[str, str] = {}
        self.enrolled: list[str] = []
        self.finished: set[str] = set()
        self.course = COURSES[number % len(COURSES)] if not graduate else GRADUATE_COURSE

    # --- HTTP ------------------------------------------------------------------------------------
    def _connection(self) -> http.client.HTTPConnection:
        conn = self.conn
        if conn is not None and conn.sock is not None:
            # As browsers and urllib3 do: an idle connection that reads as ready was closed by the server.
            if select.select([conn.sock], [], [], 0)[0]:
                conn.close()
                self.stats.connections["stale"] += 1
                conn = None
            else:
                self.stats.connections["reused"] += 1
        if conn is None or conn.sock is None:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT, source_address=(self.source, 0))
            self.stats.connections["opened"] += 1
            self.requests_on_conn = 0
        self.conn = conn
        return conn

    def request(self, kind: str, method: str, path: str, body: bytes | None = None, content_type: str = "",
                extra: dict | None = None, follow: bool = True) -> tuple[int, str, str]:
        """One request (and the redirects after it, as a browser follows them); returns status,
        final path and text. Raises Dropped when a connection ended without an answer."""
        headers = {"User-Agent": AGENT, "Accept": "text/html,*/*", "Host": f"{self.host}:{self.port}"}
        if not self.keep_alive:
            headers["Connection"] = "close"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = content_type or "application/x-www-form-urlencoded"
        headers.update(extra or {})
        conn = self._connection()
        reused = self.requests_on_conn > 0
        started = time.monotonic()
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
        except DROPPED as error:
            seconds = time.monotonic() - started
            conn.close()
            self.conn = None
            self.stats.record(kind, "dropped", detail={
                "at": time.time(), "kind": kind, "method": method, "path": path, "error": type(error).__name__,
                "message": str(error)[:120], "reused_connection": reused, "after_s": round(seconds, 3),
                "request_no_on_connection": self.requests_on_conn + 1})
            raise Dropped(kind) from error
        except TimeoutError:
            conn.close()
            self.conn = None
            self.stats.record(kind, "timeout")
            raise Dropped(kind) from None
        except OSError as error:  # refused, unreachable
            conn.close()
            self.conn = None
            self.stats.record(kind, f"connect: {type(error).__name__}")
            raise Dropped(kind) from None
        seconds = time.monotonic() - started
        self.requests_on_conn += 1
        if response.will_close:
            conn.close()
            self.conn = None
        for value in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(value).items():
                if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        status = response.status
        self.stats.record(kind, str(status), seconds)
        location = response.getheader("Location", "")
        if follow and status in (301, 302, 303) and location:
            target = urlsplit(location)
            path = target.path + (f"?{target.query}" if target.query else "")
            return self.request(_kind_of(path), "GET", path)
        if path.startswith("/login") and kind not in ("login", "login page"):
            self.logged_in = False  # sent to the log-in page: the session ended
            self.stats.script["sent to the log-in page"] += 1
        return status, path, data.decode("utf-8", "replace") if "text" in (response.getheader("Content-Type") or "") else ""

    def get(self, path: str, kind: str | None = None) -> tuple[int, str, str]:
        return self.request(kind or _kind_of(path), "GET", path)

    def post(self, kind: str, path: str, fields: list[tuple[str, str]], **kw) -> tuple[int, str, str]:
        return self.request(kind, "POST", path, urlencode(fields).encode(), **kw)

    def think(self, low: float = 0.5, high: float = 2.0) -> None:
        time.sleep(self.rng.uniform(low, high))

    # --- what a participant does ----------------------------------------------------------------
    def log_in(self) -> str:
        _s, path, html = self.get("/login")
        if not path.startswith("/login"):
            return html  # still signed in: the log-in page sends her on
        form = form_with(html, has_field="password")
        if form is None:
            self.stats.script["no log-in form"] += 1
            return ""
        self.think()
        fields = hidden(form) + [("handle", f"load-{self.number:03d}"), ("password", PASSWORD), ("submit", "Log in")]
        status, path, html = self.post("login", "/login", fields)
        if path.startswith("/login"):
            self.stats.script["log-in refused"] += 1
            return ""
        return html

    def answer_quiz(self, form: dict) -> list[tuple[str, str]]:
        """The attempt's fields, most answers right (the key), some guessed."""
        fields = [(n, v) for n, v in hidden(form)]
        names = {}
        for f in form["fields"]:
            if f["type"] != "hidden":
                names.setdefault(f["name"], []).append(f)
        for name, inputs in names.items():
            qid = re.match(r"q(\d+)", name)
            right = self.answers.get(qid.group(1)) if qid else None
            know = right is not None and self.rng.random() < 0.85
            kind = inputs[0]["type"]
            if kind == "radio":
                values = [i["value"] for i in inputs]
                fields.append((name, str(right) if know and str(right) in values else self.rng.choice(values)))
            elif kind == "checkbox":
                values = [i["value"] for i in inputs]
                chosen = [str(v) for v in right] if know and isinstance(right, list) else \
                    self.rng.sample(values, self.rng.randint(1, len(values)))
                fields += [(name, v) for v in chosen]
            elif kind == "select":
                item = name.rsplit("-", 1)[-1]
                options = [o for o in inputs[0]["options"] if o]
                value = right.get(item) if know and isinstance(right, dict) else None
                fields.append((name, str(value) if value is not None else self.rng.choice(options or [""])))
            elif kind == "textarea":
                fields.append((name, "A protection order can forbid contact and the court can enforce it. " * 3))
            else:
                fields.append((name, str(right) if know and not isinstance(right, (dict, list)) else "not sure"))
        return fields

    def take_quiz(self, html: str) -> bool:
        """Start (or continue) an attempt, autosave as she answers, submit; False when the quiz
        has no attempt left to start (attempts used up, or an essay waiting for marking)."""
        start = form_with(html, "/start")
        if start is None:
            return False
        self.think()
        _s, path, html = self.post("quiz start", start["action"], hidden(start))
        form = form_with(html, "/save")
        if form is None:
            self.stats.script["attempt without its form"] += 1
            return
        answers = self.answer_quiz(form)
        # The page's script saves 0.8 s after each change: a save per answer or two as she goes.
        for n in range(self.rng.randint(2, 4)):
            self.think(0.8, 2.0)
            body, content_type = multipart(answers[:len(answers) * (n + 1) // 4 or 1])
            self.request("autosave", "POST", form["action"], body, content_type,
                         {"X-Amicus-Autosave": "1", "Accept": "application/json"}, follow=False)
        self.think()
        submit = next((b["formaction"] for b in form["buttons"] if b.get("formaction", "").endswith("/submit")), None)
        self.post("quiz submit", submit, answers)
        return True

    def answer_survey(self, path: str, html: str) -> None:
        form = form_with(html, has_field="csrf_token")
        if form is None:
            self.stats.script["survey without its form"] += 1
            return
        fields = hidden(form)
        groups = defaultdict(list)
        for f in form["fields"]:
            if f["type"] != "hidden":
                groups[f["name"]].append(f)
        for name, inputs in groups.items():
            if inputs[0]["type"] in ("radio", "checkbox"):
                fields.append((name, self.rng.choice(inputs)["value"]))
            elif inputs[0]["type"] == "textarea" and self.rng.random() < 0.3:
                fields.append((name, "Useful, and I would like more examples from real cases."))
        self.think(2.0, 5.0)  # a survey takes a little longer
        self.post("survey submit", form["action"] or path, fields + [("action", "submit")])

    def certificate(self) -> None:
        _s, _p, html = self.get(f"/courses/{GRADUATE_COURSE}/certificate")
        form = form_with(html, has_field="name")
        if form is not None:
            self.think()
            self.post("certificate name", f"/courses/{GRADUATE_COURSE}/certificate",
                      hidden(form) + [("name", _printed_name(self.number)), ("checked", "y"), ("submit", "Make")])
        self.think()
        status, _p, _h = self.get(f"/courses/{GRADUATE_COURSE}/certificate.pdf", "certificate pdf")

    def step_course(self) -> None:
        """The next thing to do in the current course, as its pages lead: enrol, continue, the
        activity (lesson, survey, quiz), until the course has nothing more to open."""
        status, path, html = self.get(f"/courses/{self.course}")
        enrol = form_with(html, "/enrol")
        if enrol is not None:
            self.think()
            status, path, html = self.post("enrol", enrol["action"], hidden(enrol))
            self.enrolled.append(self.course)
        else:
            resume = next((h for h in links(html) if re.match(rf"/courses/{self.course}/(lessons|quizzes|surveys)/", h)
                           and h in _continue_links(html)), None)
            if resume is None:
                self.finished.add(self.course)
                return
            self.think()
            status, path, html = self.get(resume)
        for _ in range(12):  # along the course: each activity leads to the next
            if time.monotonic() > self.deadline:
                return
            if "/lessons/" in path:
                if f'href="{path}?continue=1"' in html:
                    self.think()
                    status, path, html = self.get(f"{path}?continue=1", "lesson")
                complete = form_with(html, "/complete")
                if complete is None:
                    return
                self.think(1.0, 3.0)  # reading
                status, path, html = self.post("lesson complete", complete["action"], hidden(complete))
            elif "/surveys/" in path:
                self.answer_survey(path, html)
                return
            elif "/quizzes/" in path:
                if not self.take_quiz(html):
                    # A sequential course waits for this quiz: she reads and revises instead.
                    self.stats.script["course blocked by a quiz (no attempt left, or marking)"] += 1
                    self.finished.add(self.course)
                return
            else:
                return

    def browse(self) -> None:
        """A page of the mix: My learning, the catalog, the course page, a lesson read again."""
        r = self.rng.random()
        if r < 0.3:
            self.get("/learning")
        elif r < 0.4:
            self.get("/courses")
        elif r < 0.55:
            self.get(f"/courses/{self.rng.choice(self.enrolled or [self.course])}")
        else:
            course = self.rng.choice(self.enrolled or [self.course])
            _s, _p, html = self.get(f"/courses/{course}")
            lessons = [h for h in links(html) if f"/courses/{course}/lessons/" in h]
            if lessons:
                self.think()
                self.get(self.rng.choice(lessons) + "?continue=1", "lesson")

    def run(self) -> None:
        time.sleep(self.rng.uniform(0, 20))  # people arrive over the first seconds
        while time.monotonic() < self.deadline:
            try:
                if not self.cookies.get("session") or not self.logged_in:
                    self.logged_in = bool(self.log_in())
                    if not self.logged_in:
                        self.think(5, 10)
                        continue
                self.think()
                if self.graduate:
                    if GRADUATE_COURSE not in self.enrolled:
                        self.enrolled.append(GRADUATE_COURSE)
                    if self.rng.random() < self.certificate_share:
                        self.certificate()
                    else:
                        self.browse()
                elif self.course not in self.finished and self.rng.random() < 0.7:
                    self.step_course()
                else:
                    left = [c for c in COURSES if c not in self.finished]
                    if self.course in self.finished and left:
                        self.course = self.rng.choice(left)
                    self.browse()
            except Dropped:
                self.think()  # she clicks again, as a person would after an error page
            except Exception as error:  # a page the script did not expect: counted, then go on
                self.stats.script[f"{type(error).__name__}: {str(error)[:60]}"] += 1
                self.think()
        if self.conn is not None:
            self.conn.close()

    logged_in = False
    keep_alive = True


def _printed_name(number: int) -> str:
    """A name the certificate accepts (letters only): 7 -> "Chen Aah"."""
    return "Chen " + "".join("abcdefghij"[int(d)] for d in f"{number:03d}").title()


def _continue_links(html: str) -> set[str]:
    return {unescape(h) for h in re.findall(r'<a class="button" href="(/[^"]*)">', html)}


def _kind_of(path: str) -> str:
    path = path.split("?")[0]
    if path == "/learning":
        return "my learning"
    if path == "/courses":
        return "catalog"
    if path == "/login":
        return "login page"
    if "/lessons/" in path:
        return "lesson"
    if "/quizzes/attempts/" in path:
        return "quiz review" if path.endswith("/review") else "quiz attempt"
    if "/quizzes/" in path:
        return "quiz page"
    if "/surveys/" in path:
        return "survey page"
    if path.endswith("/certificate"):
        return "certificate page"
    if path.startswith("/check-in/"):
        return "check-in page"  # bench/bench_check_in.py
    if re.fullmatch(r"/courses/[^/]+", path):
        return "course page"
    return "other page"


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--graduates", type=int, default=None, help="participants seeded as having completed "
                                                                   f"{GRADUATE_COURSE} (default: a fifth)")
    parser.add_argument("--duration", type=float, default=300)
    parser.add_argument("--certificate-share", type=float, default=0.03,
                        help="share of a graduate's clicks that open and download the certificate")
    parser.add_argument("--answers", default=str(Path(__file__).parent / "results" / "load-answers.json"))
    parser.add_argument("--json", default="")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-keep-alive", action="store_true", help="a new connection for every request")
    args = parser.parse_args()
    graduates = args.users // 5 if args.graduates is None else args.graduates
    answers = json.loads(Path(args.answers).read_text())
    stats = Stats()
    started = time.monotonic()
    deadline = started + args.duration
    people = [Participant(i, args.url, deadline, stats, answers, i < graduates, args.certificate_share, args.seed)
              for i in range(args.users)]
    for person in people:
        person.keep_alive = not args.no_keep_alive
        person.start()
    for person in people:
        person.join(timeout=max(0.0, deadline - time.monotonic()) + TIMEOUT + 15)
    elapsed = time.monotonic() - started

    rows, totals = [], Counter()
    for kind in sorted(stats.outcomes, key=lambda k: -sum(stats.outcomes[k].values())):
        outcomes = stats.outcomes[kind]
        total = sum(outcomes.values())
        ok = sum(n for o, n in outcomes.items() if o[:1] in "23")
        errors = {o: n for o, n in outcomes.items() if o[:1] not in "23"}
        totals.update(outcomes)
        lat = stats.latency[kind]
        rows.append({"kind": kind, "requests": total, "ok": ok, "errors": errors,
                     "p50_ms": round(1000 * percentile(lat, 0.50), 1), "p99_ms": round(1000 * percentile(lat, 0.99), 1)})
    everything = [v for kind, values in stats.latency.items() if kind != "certificate pdf" for v in values]
    summary = {
        "users": args.users, "graduates": graduates, "duration_s": round(elapsed, 1),
        "requests": sum(totals.values()),
        "http_errors": sum(n for o, n in totals.items() if o[:1] in "45"),
        "dropped": totals.get("dropped", 0), "timeouts": totals.get("timeout", 0),
        "connect_errors": sum(n for o, n in totals.items() if o.startswith("connect")),
        "by_outcome": dict(totals), "connections": dict(stats.connections), "script": dict(stats.script),
        "p50_ms": round(1000 * percentile(everything, 0.50), 1), "p99_ms": round(1000 * percentile(everything, 0.99), 1),
        "steady_p50_ms": round(1000 * percentile(stats.steady, 0.50), 1),
        "steady_p99_ms": round(1000 * percentile(stats.steady, 0.99), 1),
        "kinds": rows, "dropped_requests": stats.dropped[:200],
    }
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=1))
    print(f"{summary['requests']} requests in {elapsed:.0f} s by {args.users} participants "
          f"({summary['requests'] / elapsed:.1f}/s): HTTP errors {summary['http_errors']}, dropped connections "
          f"{summary['dropped']}, timeouts {summary['timeouts']}, connect errors {summary['connect_errors']}; "
          f"p50 {summary['p50_ms']} ms, p99 {summary['p99_ms']} ms (all but the certificate PDF); after the first "
          f"{STEADY_AFTER:.0f} s (everyone logged in): p50 {summary['steady_p50_ms']} ms, p99 {summary['steady_p99_ms']} ms")
    print(f"connections: {dict(stats.connections)}; outcomes: {dict(totals)}")
    if stats.script:
        print(f"pages the script did not expect: {dict(stats.script)}")
    print("| kind | requests | errors | p50 (ms) | p99 (ms) |")
    print("| --- | ---: | --- | ---: | ---: |")
    for row in rows:
        errors = ", ".join(f"{o}: {n}" for o, n in sorted(row["errors"].items())) or "0"
        print(f"| {row['kind']} | {row['requests']} | {errors} | {row['p50_ms']} | {row['p99_ms']} |")
    for drop in stats.dropped[:10]:
        print("dropped:", drop)


if __name__ == "__main__":
    main()
