"""Links handed out or printed lead to the site's public address: AMICUS_BASE_URL, which production
cannot start without, or in development the address the request came to (training/public_links.py)."""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import PASSWORD, empty_database, make_app, new_course, new_user
from training.app import create_app
from training.config import ConfigError
from training.extensions import db

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {"AMICUS_ENV": "production", "SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": "sqlite://"}


def test_production_refuses_to_start_without_the_public_address(monkeypatch):
    monkeypatch.delenv("AMICUS_BASE_URL", raising=False)
    with pytest.raises(ConfigError, match=r"AMICUS_BASE_URL is not set\. Set it to the address people use"):
        create_app(PRODUCTION)
    monkeypatch.setenv("AMICUS_BASE_URL", "https://training.example.org")
    assert create_app(PRODUCTION).config["AMICUS_BASE_URL"] == "https://training.example.org"


@pytest.mark.parametrize("url", ["training.example.org", "ftp://training.example.org", "https://",
                                 "https://training.example.org/?x=1", "https://training.example.org:port"])
def test_a_public_address_that_is_not_one_is_refused(url):
    for env in ("production", "development"):
        with pytest.raises(ConfigError, match="AMICUS_BASE_URL must be the site's public address"):
            create_app({**PRODUCTION, "AMICUS_ENV": env, "AMICUS_BASE_URL": url})


@pytest.fixture(params=["development", "production"])
def site(request, tmp_path):
    """(app, the origin requests arrive at, the base links must use)."""
    if request.param == "production":
        app = make_app(tmp_path, AMICUS_ENV="production", AMICUS_BASE_URL="https://training.example.org")
        origin, base = "https://127.0.0.1:8000", "https://training.example.org"  # gunicorn behind nginx
    else:
        app = make_app(tmp_path, AMICUS_ENV="development")
        origin = base = "http://amicus.test:8080"
    with app.app_context():
        db.create_all()
        yield app, origin, base
        empty_database()


def test_reset_and_join_links_lead_to_the_public_address(site, tmp_path):
    from training import cohorts

    app, origin, base = site
    course = new_course(tmp_path, modules=1, lessons=1)
    trainer = new_user("trainer", role="trainer")
    mei = new_user("mei")
    new_user("boss", role="admin")
    cohort = cohorts.create_cohort(trainer, course.id, "Spring", date.today(), None)
    db.session.commit()

    def browser(handle):
        client = app.test_client()
        assert client.post(f"{origin}/login", data={"handle": handle, "password": PASSWORD}).status_code == 302
        return client

    page = browser("trainer").get(f"{origin}/cohorts/{cohort.id}").get_data(as_text=True)
    assert f'value="{base}/join?code={cohort.invite_code_display}"' in page
    page = browser("boss").post(f"{origin}/admin/users/{mei.id}/reset-link").get_data(as_text=True)
    assert re.search(rf'{re.escape(base)}/reset/[\w-]+', page)


def test_the_command_line_prints_the_public_address(tmp_path):
    app = make_app(tmp_path, AMICUS_ENV="production", AMICUS_BASE_URL="https://training.example.org/amicus")
    with app.app_context():
        db.create_all()
        new_user("chief", role="admin")
        new_user("mei")
        result = app.test_cli_runner().invoke(args=["users", "reset-link", "mei", "--admin", "chief"])
        assert result.exit_code == 0 and "\nhttps://training.example.org/amicus/reset/" in result.output
        empty_database()


def test_links_are_made_in_one_place():
    """No other module builds a full address itself (from the Host header or the setting)."""
    offenders = []
    for path in [*ROOT.glob("*/**/*.py"), *ROOT.glob("templates/**/*.html"), *ROOT.glob("*/**/templates/**/*.html")]:
        if path.parts[len(ROOT.parts)] in (".venv", "tests", "bench", "amicus.egg-info") or \
                path.name in ("public_links.py", "config.py"):
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"_external\s*=\s*True|AMICUS_BASE_URL|\.host_url|\.url_root", text):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
