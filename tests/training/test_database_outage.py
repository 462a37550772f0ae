"""The database goes away under a running site and comes back.

A private PostgreSQL instance (Debian's initdb and pg_ctl, in a temporary folder, on a free port)
is stopped and started under a live server: never the shared one other tests use. Pages answer
503 in the site's layout, in the reader's language, with Retry-After; a form sent meanwhile
writes nothing; once the database is back the same session's pages work again, without
restarting the app.
"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import threading
from http.cookiejar import Cookie, CookieJar
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, HTTPErrorProcessor, build_opener

import pytest
from werkzeug.serving import make_server

from tests.conftest import PASSWORD, make_app, new_course, new_user
from training.extensions import db

BINARIES = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivatePostgres:
    """A throw-away PostgreSQL cluster: ``start``, ``stop``, ``url``; removed by ``destroy``."""

    def __init__(self):
        self.bin = os.path.dirname(BINARIES[-1])
        self.root = tempfile.mkdtemp(prefix="amicus-outage-")
        self.data = os.path.join(self.root, "data")
        self.port = free_port()
        self.as_postgres = []
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            shutil.chown(self.root, "postgres")
            self.as_postgres = ["runuser", "-u", "postgres", "--"]
        self.run("initdb", "-D", self.data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8")
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def run(self, program: str, *args: str) -> None:
        subprocess.run([*self.as_postgres, os.path.join(self.bin, program), *args], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)

    def start(self) -> None:
        self.run("pg_ctl", "-D", self.data, "-w", "-l", os.path.join(self.root, "log"), "-o",
                 f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off", "start")

    def stop(self) -> None:
        self.run("pg_ctl", "-D", self.data, "-w", "-m", "fast", "stop")

    def destroy(self) -> None:
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass  # already stopped
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def postgres():
    if not BINARIES or not shutil.which("runuser"):
        pytest.skip("needs Debian's PostgreSQL server binaries (/usr/lib/postgresql/<version>/bin: "
                    "apt-get install postgresql) to run a private instance; the shared one is never stopped")
    server = PrivatePostgres()
    server.start()
    yield server
    server.destroy()


class NoRedirects(HTTPErrorProcessor):
    def http_response(self, request, response):
        return response


class Browser:
    """A browser's cookies and requests against the live server, redirects not followed."""

    def __init__(self, base: str):
        self.base = base
        self.cookies = CookieJar()
        self.opener = build_opener(HTTPCookieProcessor(self.cookies), NoRedirects)

    def open(self, path: str, form: dict | None = None):
        data = urlencode(form).encode() if form is not None else None
        try:
            response = self.opener.open(self.base + path, data=data, timeout=30)
        except HTTPError as error:  # an error status is still a page
            response = error
        with response:
            return response.status, response.headers, response.read().decode()

    def set_language(self, code: str) -> None:
        self.cookies.set_cookie(Cookie(0, "lang", code, None, False, "127.0.0.1", False, False, "/", True,
                                       False, None, False, None, None, {}))


@pytest.fixture
def live_site(postgres, tmp_path):
    """Amicus on the private database, served by a thread; a participant not yet enrolled."""
    app = make_app(SQLALCHEMY_DATABASE_URI=postgres.url)
    with app.app_context():
        db.create_all()
        new_course(tmp_path, modules=1, lessons=1)
        new_user("mei")
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()
    with app.app_context():
        db.engine.dispose()


def enrolments(app) -> int:
    from training.progress import Enrolment

    with app.app_context():
        count = db.session.execute(db.select(db.func.count(Enrolment.id))).scalar_one()
        db.session.remove()
        return count


def test_pages_answer_503_while_the_database_restarts_and_work_again_after(postgres, live_site, caplog):
    app, base = live_site
    mei = Browser(base)
    status, headers, _page = mei.open("/login", {"handle": "mei", "password": PASSWORD})
    assert status == 302
    status, _headers, page = mei.open("/learning")
    assert status == 200 and "mei" in page

    postgres.stop()
    status, headers, page = mei.open("/learning")
    assert status == 503
    assert headers["Retry-After"] == "60"
    assert "no-store" in headers["Cache-Control"]
    assert "Amicus is briefly unavailable" in page and "Please try again in a minute." in page
    assert 'class="site-header"' in page and "Leave quickly" in page  # the site's layout
    assert "OperationalError" not in page and "Traceback" not in page
    # A form that writes: refused, and nothing of it is kept once the database is back.
    status, headers, page = mei.open("/courses/test-course/enrol", {})
    assert status == 503 and headers["Retry-After"] == "60"
    assert "If you were sending a form, it was not saved" in page
    mei.set_language("zh")
    status, headers, page = mei.open("/courses")
    assert status == 503 and headers["Retry-After"] == "60"
    assert "Amicus 暂时无法使用" in page and 'lang="zh-Hans"' in page
    status, _headers, _page = mei.open("/healthz")
    assert status == 503
    # One line per refused request, no traceback; no "unhandled error", no Flask "Exception on".
    logged = [record.getMessage() for record in caplog.records if record.levelname == "ERROR"]
    assert "database unavailable on POST /courses/<slug>/enrol" in "\n".join(logged)
    assert not [line for line in logged if "unhandled error" in line or line.startswith("Exception on")]

    postgres.start()
    mei.set_language("en")
    status, _headers, page = mei.open("/learning")  # the same session, the same app: no restart
    assert status == 200 and "mei" in page
    assert enrolments(app) == 0
    status, _headers, _page = mei.open("/courses/test-course/enrol", {})
    assert status == 302
    assert enrolments(app) == 1
    assert mei.open("/healthz")[0] == 200


@pytest.mark.parametrize("lost", ["every statement", "after the user is read"])
def test_a_database_lost_during_a_page_gives_the_503_page(app, client, make_user, make_course, lost):
    """On any database (SQLite too): the connection fails before the user is read, or after
    (the user's row then expired by the rollback, which must not be read again)."""
    from sqlalchemy import event
    from sqlalchemy.exc import OperationalError

    from tests.conftest import login

    make_course()
    make_user("mei")
    login(client, "mei")

    def refuse(conn, cursor, statement, parameters, context, executemany):
        if lost == "every statement" or "user_sessions" not in statement:
            raise OperationalError(statement, parameters, Exception("server closed the connection unexpectedly"))

    event.listen(db.engine, "before_cursor_execute", refuse)
    try:
        response = client.get("/learning", headers={"Accept-Language": "zh"})
    finally:
        event.remove(db.engine, "before_cursor_execute", refuse)
    page = response.get_data(as_text=True)
    assert response.status_code == 503 and response.headers["Retry-After"] == "60"
    assert "no-store" in response.headers["Cache-Control"]
    assert 'class="site-header"' in page and ">mei<" not in page
    assert "Amicus 暂时无法使用" in page  # her browser's language
    assert client.get("/learning").status_code == 200
