"""Health check, error pages, security headers, configuration."""
import pytest

from tests.conftest import login
from training.app import create_app
from training.config import ConfigError


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_healthz_reports_a_broken_database(app, client, monkeypatch):
    from training.extensions import db

    def broken(*args, **kwargs):
        raise RuntimeError("connection refused")

    monkeypatch.setattr(db.session, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503 and response.get_json()["status"] == "error"


def test_not_found_page_is_in_the_layout(client):
    response = client.get("/no/such/page")
    page = response.get_data(as_text=True)
    assert response.status_code == 404 and "Page not found" in page and 'class="site-header"' in page


def test_unexpected_errors_show_no_trace(app, client):
    @app.get("/boom")
    def boom():
        raise ValueError("secret internals")

    response = client.get("/boom")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong on our side" in page
    assert "secret internals" not in page and "Traceback" not in page


def test_too_large_requests_get_413(client):
    response = client.post("/login", data={"handle": "x" * (13 * 1024 * 1024), "password": "x"})
    assert response.status_code == 413 and "That was too large" in response.get_data(as_text=True)


def test_method_not_allowed(client):
    assert client.get("/logout").status_code == 405


def test_security_headers(client, make_user):
    make_user("mei")
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    login(client, "mei")
    assert client.get("/learning").headers["Cache-Control"] == "no-store"


def test_pages_load_nothing_from_other_hosts(client, make_course, make_user):
    make_course()
    make_user("mei")
    login(client, "mei")
    import re

    # What a browser fetches by itself: src= attributes and <link href=...>. Links a reader
    # clicks (such as "Leave quickly") are navigation, not loads.
    loads = re.compile(r'(?:\bsrc=["\']|<link\b[^>]*\bhref=["\'])(?:https?:)?//', re.I)
    for path in ("/", "/courses", "/courses/test-course", "/learning", "/account", "/join"):
        page = client.get(path, follow_redirects=True).get_data(as_text=True)
        assert not loads.search(page), path


def test_session_cookie_flags(client, make_user):
    make_user("mei")
    response = login(client, "mei")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_requires_a_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("AMICUS_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        create_app({"AMICUS_ENV": "production", "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_production_cookies_are_secure_and_redis_is_used(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    app = create_app({"AMICUS_ENV": "production", "SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "AMICUS_BASE_URL": "https://training.example.org"})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"
    response = app.test_client().get("/healthz")
    assert "max-age" in response.headers["Strict-Transport-Security"]


def test_database_url_selects_psycopg(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db.internal:5432/amicus")
    app = create_app({"AMICUS_ENV": "development"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.internal:5432/amicus"


def test_unknown_environment_is_refused():
    with pytest.raises(ConfigError, match="AMICUS_ENV"):
        create_app({"AMICUS_ENV": "staging"})


def test_language_choice_is_remembered(client):
    response = client.post("/language", data={"lang": "zh", "next": "/courses"})
    assert response.status_code == 302 and response.headers["Location"] == "/courses"
    assert "lang=zh" in response.headers["Set-Cookie"]
    assert client.post("/language", data={"lang": "zh", "next": "https://evil.example"}).headers["Location"] == "/"


def test_trusted_proxy_headers_are_used_only_when_configured(tmp_path):
    from flask import request

    from tests.conftest import make_app

    for proxies, expected in ((0, "127.0.0.1"), (1, "203.0.113.7")):
        app = make_app(tmp_path, AMICUS_TRUSTED_PROXIES=proxies)

        @app.get("/whoami")
        def whoami():
            return request.remote_addr

        response = app.test_client().get("/whoami", headers={"X-Forwarded-For": "203.0.113.7"})
        assert response.get_data(as_text=True) == expected


def test_cli_users_create_and_reset_link(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "chief", "--role", "admin", "--password", "a long admin password"])
    assert result.exit_code == 0 and "Created admin 'chief'" in result.output
    result = runner.invoke(args=["users", "create", "chief", "--password", "a long admin password"])
    assert result.exit_code == 1 and "taken" in result.output
    result = runner.invoke(args=["users", "create", "coach", "--role", "trainer", "--password", "short"])
    assert result.exit_code == 1 and "8 to 256" in result.output
    runner.invoke(args=["users", "create", "mei", "--password", "a long user password"])
    result = runner.invoke(args=["users", "reset-link", "mei", "--admin", "chief"])
    assert result.exit_code == 0 and "http://127.0.0.1:5000/reset/" in result.output
    token = result.output.strip().rsplit("/", 1)[1]
    response = app.test_client().post(f"/reset/{token}", data={"password": "another password", "confirm": "another password"})
    assert response.status_code == 302
    result = runner.invoke(args=["users", "reset-link", "mei", "--admin", "mei"])
    assert result.exit_code == 1 and "not an admin" in result.output


def test_settings_come_from_amicus_environment_variables(monkeypatch):
    monkeypatch.setenv("AMICUS_LOCKOUT_AFTER", "3")
    monkeypatch.setenv("AMICUS_SURVEY_SECRET", "0123")  # text stays text, even when it looks like a number
    monkeypatch.setenv("AMICUS_TWO_FACTOR_ROLES", "admin, trainer")
    monkeypatch.setenv("AMICUS_SECRET_KEY", "from-the-environment")
    app = create_app({"AMICUS_ENV": "development", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["AMICUS_LOCKOUT_AFTER"] == 3
    assert app.config["AMICUS_SURVEY_SECRET"] == "0123"
    assert app.config["AMICUS_TWO_FACTOR_ROLES"] == ["admin", "trainer"]
    assert app.config["SECRET_KEY"] == "from-the-environment"
