"""Every route that accepts a POST (or PUT, PATCH, DELETE) refuses it without a valid CSRF token:
the site's 400 page, and nothing in the database changes. CSRFProtect (training/extensions.py)
checks the token before any view runs, so the views themselves do not check it again.

The routes are read from the URL map: a route added later is walked too. One route is exempt,
listed in EXEMPT with its reason (``grep -rn "csrf.exempt" training courses quizzes certificates``
finds only it); ``limiter.exempt`` on /healthz is the rate limit's, and /healthz is a GET. A route exempted by mistake, or a
form posted without its token, fails ``test_every_changing_route_refuses_a_post_without_its_token``;
``test_an_exempted_route_would_be_caught`` shows that it would.
"""
from __future__ import annotations

import pytest
from flask_babel import force_locale, gettext
from markupsafe import escape
from sqlalchemy import select
from werkzeug.routing.converters import NumberConverter

from tests.conftest import PASSWORD, csrf_token, empty_database, make_app
from training.extensions import csrf, db

# Endpoints deliberately left without the CSRF check, each with its reason. The signed token in
# the path is the proof there; tests/training/test_messages.py shows a made-up one changes nothing.
EXEMPT: dict[str, str] = {
    "messages.unsubscribe": "a mail program's one-click unsubscribe (RFC 8058) posts without a form",
}
CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
# The text of the CSRF refusal (training/errors.py), in every language of the site.
CSRF_TEXT = ("The form had expired or was sent twice. Nothing was changed: please go back, reload the page "
             "and send it again.")
# Path arguments: the world's own rows where a name says which, so that a route left unguarded
# would reach real rows and change them; else ints 1 and strings "x".
ACTIVITY = {"cases": "moot", "quizzes": "check", "surveys": "pre", "courses": "001-lesson"}
# Fields a form of the site might send, so that an unguarded route has something to act on.
BODY = {"lang": "zh", "on": "1", "side": "applicant", "question": "Was the respondent served?",
        "text": "Our submission.", "confirmed": "1", "action": "submit", "code": "123456",
        "reason": "Issued in error.", "handle": "prober", "password": PASSWORD, "confirm": PASSWORD}


@pytest.fixture
def app(tmp_path):
    """The test app with CSRF checked, as in production (tests/conftest.py turns it off)."""
    app = make_app(tmp_path, WTF_CSRF_ENABLED=True)
    with app.app_context():
        db.create_all()
        yield app
        empty_database()


@pytest.fixture
def world(app, tmp_path):
    from tests.test_access import build_world

    return build_world(tmp_path)


def arguments(rule, world: dict) -> dict:
    by_name = {"run_id": world["run_id"], "cohort_id": world["cohort_id"], "cert_id": world["cert_id"],
               "user_id": world["participant_id"], "attempt_id": world["open_attempt_id"],
               "response_id": world["essay_response_id"], "import_id": world["import_id"],
               "helpline_id": world["helpline_id"], "slug": "test-course",
               "activity": ACTIVITY.get(rule.endpoint.split(".")[0], "x")}
    # Werkzeug keeps a rule's converters, by argument, in _converters.
    return {name: by_name.get(name, 1 if isinstance(converter, NumberConverter) else "x")
            for name, converter in rule._converters.items()}


def changing_rules(app) -> list:
    rules = [rule for rule in app.url_map.iter_rules() if rule.methods & CHANGING and rule.endpoint not in EXEMPT]
    return sorted(rules, key=lambda rule: rule.rule)


def signed_in_admin(app):
    client = app.test_client()
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"handle": "admin", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def snapshot() -> dict[str, list]:
    """Every row of every table, read afresh."""
    db.session.expire_all()
    with db.engine.connect() as conn:
        return {table.name: sorted((tuple(row) for row in conn.execute(select(table))), key=repr)
                for table in db.metadata.sorted_tables}


def csrf_texts(app) -> list[str]:
    texts = []
    for lang in app.config["AMICUS_LANGUAGES"]:
        with app.test_request_context(), force_locale(lang):
            texts.append(gettext(CSRF_TEXT))
    assert len(set(texts)) == len(texts), "the refusal should be translated"
    return texts


def refused(response, texts) -> bool:
    """The site's 400 page saying the form had expired (in the visitor's language): CSRFProtect's
    refusal, not a view's own 400."""
    body = response.get_data(as_text=True)
    return response.status_code == 400 and any(str(escape(text)) in body for text in texts)


def unguarded(app, world: dict) -> list[str]:
    """Each (route, visitor, token) whose request without a valid token was not refused by the
    CSRF check, or changed a row."""
    stranger = app.test_client()  # a real token, of another session
    others_token = csrf_token(stranger.get("/login").get_data(as_text=True))
    visitors = {"anonymous": app.test_client(), "admin": signed_in_admin(app)}
    tokens = {"no token": {}, "a made-up token": {"csrf_token": "forged"},
              "another session's token": {"csrf_token": others_token}}
    adapter = app.url_map.bind("localhost")
    texts = csrf_texts(app)
    failures = []
    before = snapshot()
    for rule in changing_rules(app):
        path = adapter.build(rule.endpoint, arguments(rule, world))
        for method in sorted(rule.methods & CHANGING):
            for who, client in visitors.items():
                for what, token in tokens.items():
                    response = client.open(path, method=method, data={**BODY, **token})
                    response.close()
                    if not refused(response, texts):
                        failures.append(f"{method} {path} ({rule.endpoint}) as {who} with {what}: "
                                        f"{response.status_code}")
        after = snapshot()
        changed = sorted(name for name in before if before[name] != after[name])
        if changed:
            failures.append(f"{rule.endpoint}: without a valid token it changed {', '.join(changed)}")
            before = after
    return failures


def test_every_changing_route_refuses_a_post_without_its_token(app, world):
    assert len(changing_rules(app)) > 40, "the URL map should hold every POST route of the site"
    failures = unguarded(app, world)
    assert not failures, "\n".join(failures)


def test_no_view_or_blueprint_is_exempt_unless_listed(app):
    # Flask-WTF keeps its exemptions in these sets (flask_wtf.csrf.CSRFProtect.exempt).
    exempt = {f"{view.__module__}.{view.__name__}" for endpoint, view in app.view_functions.items()
              if endpoint in EXEMPT}
    assert csrf._exempt_views == exempt and not csrf._exempt_blueprints


def test_an_exempted_route_would_be_caught(app, world, monkeypatch):
    """The walk above is not vacuous: exempt one route and it is reported, and what it changed."""
    view = app.view_functions["core.set_language"]
    monkeypatch.setattr(csrf, "_exempt_views", {f"{view.__module__}.{view.__name__}"})
    failures = unguarded(app, world)
    assert failures and all("core.set_language" in failure for failure in failures), failures
    assert len(failures) == 2 * 3 + 1  # each visitor with each token, then the change
    assert "POST /language (core.set_language) as admin with no token: 302" in failures
    assert "core.set_language: without a valid token it changed users" in failures  # her account's language
