"""Fixtures: an app on SQLite in memory, or on DATABASE_URL (PostgreSQL in CI), and factories.

Every test starts from empty tables and leaves them empty, so the suite can run twice
against the same PostgreSQL database.
"""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import textwrap
from pathlib import Path

import pytest
from flask import has_app_context
from flask.globals import _cv_app
from flask.testing import FlaskClient
from sqlalchemy import text

from training.app import create_app
from training.extensions import db

DATABASE_URL = os.environ.get("DATABASE_URL")
PASSWORD = "correct horse battery"


class IsolatedClient(FlaskClient):
    """A test client whose every request gets its own app context, as in production.

    The fixtures keep an app context open for the test body; without this, requests would
    share its ``g`` (Flask-Login caches the user there) and its database session.
    """

    def open(self, *args, **kwargs):
        token = _cv_app.set(None)
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)
            if has_app_context():  # the test body's session must not serve stale rows
                db.session.expire_all()


def app_config(**extra) -> dict:
    config = {
        "AMICUS_ENV": "testing",
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SERVER_NAME": None,
        "AMICUS_PASSWORD_PROFILE": "CHEAPEST",
        "AMICUS_TWO_FACTOR_ROLES": [],  # tests of two-factor log-in set it; others log trainers in with a password
        "AMICUS_JOBS": "inline",  # background jobs finish inside the request (tests of the others set it)
    }
    if not DATABASE_URL:
        config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    config.update(extra)
    return config


def make_app(tmp_path: Path | None = None, **extra):
    if tmp_path is not None and not DATABASE_URL:
        extra.setdefault("SQLALCHEMY_DATABASE_URI", f"sqlite:///{tmp_path / 'amicus.sqlite'}")
    app = create_app(app_config(**extra))
    app.test_client_class = IsolatedClient
    return app


def empty_database() -> None:
    """Remove every row (PostgreSQL); a test's SQLite file is left to die with its folder (one in
    memory dies with the app)."""
    db.session.remove()
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        with db.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    db.engine.dispose()


@pytest.fixture(scope="session", autouse=True)
def _compiled_translations():
    """Compile the .po catalogues, as `make test` does, so plain `pytest` sees Chinese too."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in (Path(__file__).resolve().parents[1] / "training" / "translations").glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as source:
                catalogue = read_po(source)
            with mo.open("wb") as target:
                write_mo(target, catalogue)


@pytest.fixture(scope="session", autouse=True)
def _fresh_schema():
    """On a shared database, start the session from the current models' schema."""
    if not DATABASE_URL:
        yield
        return
    app = create_app(app_config())
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.drop_all()
        db.create_all()
        yield
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture(scope="session")
def activity_kinds():
    """The activity kinds registered, as building the app does (training/activities.py): for tests
    that read course packages without an app of their own."""
    create_app(app_config())


@pytest.fixture(scope="session")
def _sqlite_schema(tmp_path_factory) -> Path | None:
    """The current models' schema in an SQLite file, made once: each test starts from a copy of
    it (creating some 70 tables for every test took longer than most tests)."""
    if DATABASE_URL:
        return None
    path = tmp_path_factory.mktemp("schema") / "amicus.sqlite"
    app = create_app(app_config(SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}"))
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    return path


@pytest.fixture
def app(tmp_path, _sqlite_schema):
    if _sqlite_schema is not None:
        shutil.copyfile(_sqlite_schema, tmp_path / "amicus.sqlite")
    app = make_app(tmp_path)
    with app.app_context():
        db.create_all()  # nothing to do on a copy of the schema, or on PostgreSQL after the first
        yield app
        empty_database()


@pytest.fixture
def client(app):
    return app.test_client()


def new_user(handle="mei", role="participant", profession="lawyer", password=PASSWORD, region=None):
    """A committed account (in the current app context)."""
    from training import accounts

    user = accounts.create_user(handle, password, role=role, profession=profession, region=region)
    db.session.commit()
    return user


@pytest.fixture
def make_user(app):
    return new_user


QUIZ_GIFT = """
::Q1:: Which court issued the 2022 provisions? {=Supreme People's Court ~A district court ~A police station}

::Q2:: How many hours for an ordinary ruling? {#72}

::Q3:: Explain in your own words. {}
"""


SURVEY_YAML = """items:
  - id: year
    type: knowledge
    text: Which year?
    choices: ["2015", "2016"]
    answer: 1
  - id: confidence
    type: self
    text: My confidence
  - id: confidence-before
    type: retro
    of: confidence
    text: My confidence before
  - id: increased
    type: likert
    headline: self_report
    phases: [post]
    text: My knowledge increased
  - id: comment
    type: text
    text: Anything else?
"""


def write_course(root: Path, slug="test-course", modules=2, lessons=2, sequential=True,
                 track="lawyers", languages=("en",), extra_yaml="", quiz: str | None = None,
                 quiz_settings: str = "pass_mark: 50", surveys: str | None = None,
                 survey_phases: tuple[str, ...] = ("pre", "post"), case: dict[str, str] | None = None) -> Path:
    """Write a course package with ``modules`` x ``lessons`` lessons and return its folder.

    With ``quiz`` (GIFT text), the last module ends with the quiz ``check``. With ``case`` (files
    of the folder cases/moot/, path -> text), it ends with the case exercise ``moot``.
    """
    folder = root / slug
    (folder / "lessons").mkdir(parents=True, exist_ok=True)
    lines = [
        f"title: Course {slug}", "summary: A course for tests.", f"track: {track}",
        f"languages: [{', '.join(languages)}]", "last_reviewed: 2026-11-01",
        f"sequential: {'true' if sequential else 'false'}", "modules:",
    ]
    n = 0
    for m in range(1, modules + 1):
        lines += [f"  - slug: module-{m}", f"    title: Module {m}", "    activities:"]
        for _ in range(lessons):
            n += 1
            stem = f"{n:03d}-lesson"
            lines.append(f"      - lesson: {stem}")
            (folder / "lessons" / f"{stem}.md").write_text(
                f"# Lesson {n}\n\nBody of lesson **{n}**.\n", encoding="utf-8")
            for lang in languages[1:]:
                (folder / "lessons" / f"{stem}.{lang}.md").write_text(
                    f"# 第{n}课\n\n第{n}课的内容。\n", encoding="utf-8")
    if quiz is not None:
        (folder / "quizzes").mkdir(exist_ok=True)
        (folder / "quizzes" / "check.gift").write_text(quiz, encoding="utf-8")
        lines += ["      - quiz: check", "        title: Check"]
        lines += [f"        {line}" for line in quiz_settings.splitlines() if line.strip()]
    if surveys is not None:  # the instrument; a pre survey opens and a post survey closes the last module
        (folder / "surveys").mkdir(exist_ok=True)
        (folder / "surveys" / "instrument.yaml").write_text(surveys, encoding="utf-8")
        for phase in survey_phases:
            lines += [f"      - survey: {phase}", f"        title: {phase.title()} survey", f"        phase: {phase}",
                      "        instrument: instrument"]
    if case is not None:
        for rel, text in case.items():
            path = folder / "cases" / "moot" / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        lines.append("      - case: moot")
    (folder / "course.yaml").write_text("\n".join(lines) + "\n" + textwrap.dedent(extra_yaml), encoding="utf-8")
    return folder


@pytest.fixture
def make_course(app, tmp_path):
    return lambda slug="test-course", **kwargs: new_course(tmp_path, slug, **kwargs)


def new_course(root: Path, slug="test-course", **kwargs):
    """Write a course package under ``root`` and sync it (in the current app context)."""
    from courses.package import read_packages
    from courses.services import get_course
    from courses.sync import sync_courses

    folder = write_course(root, slug=slug, **kwargs)
    specs, errors, _warnings = read_packages([folder])
    assert not errors, errors
    sync_courses(specs)
    db.session.commit()
    return get_course(slug)


def login(client, handle, password=PASSWORD):
    response = client.post("/login", data={"handle": handle, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


class Mailbox:
    """What a real SMTP server (aiosmtpd, on a free port of this machine) received."""

    def __init__(self):
        self.messages = []
        self.refuse: set[str] = set()  # addresses answered "550 no such mailbox" (a bounce)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # aiosmtpd's hook
        if address in self.refuse:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        from email import message_from_bytes, policy

        message = message_from_bytes(envelope.original_content, policy=policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        return [message for rcpt, message in self.messages if address in rcpt]


@contextlib.contextmanager
def running_smtp(app):
    """An SMTP server the app sends to (plain SMTP on localhost, as to a local relay); the app's
    mail settings are put back afterwards."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:  # a free port
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    names = ("AMICUS_SMTP_HOST", "AMICUS_SMTP_PORT", "AMICUS_SMTP_SECURITY", "AMICUS_MAIL_FROM", "AMICUS_MAIL_RETRY_SECONDS")
    before = {name: app.config[name] for name in names}
    try:
        app.config.update(AMICUS_SMTP_HOST="127.0.0.1", AMICUS_SMTP_PORT=port, AMICUS_SMTP_SECURITY="none",
                          AMICUS_MAIL_FROM="Amicus <no-reply@amicus.test>", AMICUS_MAIL_RETRY_SECONDS=[0, 0])
        yield box
    finally:
        app.config.update(before)
        controller.stop()


@pytest.fixture
def smtp(app):
    with running_smtp(app) as box:
        yield box


class SmsOutbox:
    """The text messages the file gateway (training/sms.py) wrote, read back from its file."""

    def __init__(self, path):
        self.path = path

    @property
    def messages(self) -> list[dict]:
        import json

        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines() if line.strip()]

    def to(self, number: str) -> list[dict]:
        return [message for message in self.messages if message["to"] == number]

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


@contextlib.contextmanager
def sms_file_gateway(app, path):
    """The app sends text messages through the file gateway into ``path``; settings put back after."""
    names = ("AMICUS_SMS_BACKEND", "AMICUS_SMS_FILE", "AMICUS_MAIL_RETRY_SECONDS")
    before = {name: app.config[name] for name in names}
    try:
        app.config.update(AMICUS_SMS_BACKEND="file", AMICUS_SMS_FILE=str(path), AMICUS_MAIL_RETRY_SECONDS=[0, 0])
        yield SmsOutbox(path)
    finally:
        app.config.update(before)


@pytest.fixture
def sms_outbox(app, tmp_path):
    with sms_file_gateway(app, tmp_path / "sms-outbox.jsonl") as box:
        yield box
