"""The role decorators: log-in first, then the role (403 without it)."""
from __future__ import annotations

import pytest

from tests.conftest import login
from training.roles import admin_required, trainer_required


@pytest.fixture
def guarded(app):
    app.add_url_rule("/t/trainers", "for_trainers", trainer_required(lambda: "trainer page"))
    app.add_url_rule("/t/admins", "for_admins", admin_required(lambda: "admin page"))
    return app


@pytest.mark.parametrize(("role", "trainers", "admins"), [
    ("participant", 403, 403), ("trainer", 200, 403), ("admin", 200, 200)])
def test_each_role_gets_what_it_may(guarded, make_user, role, trainers, admins):
    make_user(role, role=role)
    client = guarded.test_client()
    login(client, role)
    assert client.get("/t/trainers").status_code == trainers
    assert client.get("/t/admins").status_code == admins


def test_a_visitor_is_sent_to_log_in_first(guarded):
    client = guarded.test_client()
    for path in ("/t/trainers", "/t/admins"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
