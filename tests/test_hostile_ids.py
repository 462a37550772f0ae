"""Every route of the URL map, as every kind of visitor, with numbers and strings no page
expects: ids past the database's integer, negative, zero; odd strings in every path part;
out-of-range numbers in the query and in the forms' id fields. Nothing may answer 5xx.

The valid address of each route comes from the access matrix (tests/test_access.py), so a route
added there is walked here too.
"""
from __future__ import annotations

from urllib.parse import quote

import pytest
from werkzeug.routing import RequestRedirect

from tests.conftest import login
from tests.test_access import MATRIX, ROLES, build_world
from training.params import MAX_ID

HANDLES = {"participant": "participant", "other_participant": "other-participant", "trainer": "trainer",
           "other_trainer": "other-trainer", "admin": "admin"}
HUGE_NUMBERS = [str(MAX_ID + 1), "99999999999999999999", "-1", "0", "1e3", "٣"]
ODD_STRINGS = ["..", "\x00", "x" * 600, "<script>", "{{7*7}}", "\u202e", "%", "'\""]
# Query arguments a page reads, each with values it cannot use.
HOSTILE_QUERY = {"cohort": "99999999999999999999", "page": "99999999999999999999", "mastery": "nan",
                 "q": "\x00", "sort": "\u202e", "next": "//evil.example"}
# Form fields that name an id or a number, on every POST route.
HOSTILE_FORM = {"team": "99999999999999999999", "user": "2147483648", "version": "99999999999999999999",
                "clarification": "-5", "speaker": "1e9", "points": "nan", "number": "99999999999999999999"}
CASE_ACTIONS = ["add_member", "remove_member", "add_judge", "remove_judge", "answer", "penalty", "start"]


@pytest.fixture
def world(app, tmp_path):
    return build_world(tmp_path)


def variants(app, endpoint: str, method: str, path: str) -> list[str]:
    """The route's valid path with each of its parts replaced, one at a time, by a hostile value."""
    adapter = app.url_map.bind("localhost")
    try:
        matched, values = adapter.match(path.split("?", 1)[0], method=method)
    except RequestRedirect:
        return []
    assert matched == endpoint
    out = []
    for name, value in values.items():
        if isinstance(value, int):  # the converter would refuse to build these: put them in by hand
            marked = adapter.build(endpoint, {**values, name: 987654321}, method=method)
            out += [marked.replace("987654321", quote(bad)) for bad in HUGE_NUMBERS]
        else:
            out += [adapter.build(endpoint, {**values, name: bad}, method=method) for bad in ODD_STRINGS]
    return out


@pytest.mark.parametrize("role", ROLES)
def test_no_route_answers_5xx_to_hostile_ids_and_strings(app, world, role):
    failures = []
    for endpoint, (method, template, _expected) in MATRIX.items():
        if endpoint in ("static", "accounts.logout"):
            continue
        client = app.test_client()
        if role != "anonymous":
            login(client, HANDLES[role])
        path = template.format(**world)
        requests = [(method, url, None) for url in variants(app, endpoint, method, path)]
        if method == "GET":
            requests.append(("GET", path.split("?", 1)[0], HOSTILE_QUERY))
        else:
            actions = CASE_ACTIONS if endpoint == "cases.manage" else [None]
            requests += [("POST", path, {**HOSTILE_FORM, **({"action": a} if a else {})}) for a in actions]
        for verb, url, data in requests:
            if verb == "GET":
                response = client.get(url, query_string=data)
            else:
                response = client.post(url, data=data or {})
            response.close()
            if response.status_code >= 500:
                failures.append(f"{verb} {url!r} {data or ''} as {role}: {response.status_code}")
    assert not failures, "\n".join(failures)


def test_an_id_past_the_database_integer_is_a_page_not_found(app, world, client):
    login(client, "trainer")
    assert client.get(f"/cohorts/{MAX_ID + 1}").status_code == 404
    assert client.get("/cohorts/99999999999999999999").status_code == 404
    assert client.get(f"/cohorts/{MAX_ID}").status_code == 404  # in range, no such cohort
    assert client.get(f"/cohorts/{world['cohort_id']}").status_code == 200


@pytest.mark.parametrize(("query", "status"), [("cohort=99999999999999999999", 400), ("cohort=abc", 400),
                                               ("cohort=-1", 400), ("mastery=nan", 400), ("mastery=101", 400),
                                               ("mastery=80", 200), ("cohort={cohort_id}", 200)])
def test_numbers_in_a_query_are_checked(app, world, client, query, status):
    login(client, "trainer")
    response = client.get("/courses/test-course/surveys/pre/results?" + query.format(**world))
    assert response.status_code == status
    if status == 400:
        assert "Something was wrong with that request" in response.get_data(as_text=True)


def test_a_nul_character_in_any_text_is_refused_and_changes_nothing(app, world, client):
    from courses.cases.models import CaseClarification
    from training.extensions import db

    login(client, "participant")
    before = db.session.query(CaseClarification).count()
    response = client.post("/courses/test-course/cases/moot/questions", data={"question": "Where\x00 is it?"})
    assert response.status_code == 400
    assert db.session.query(CaseClarification).count() == before
    assert client.get("/courses?q=a\x00b").status_code == 400
    assert client.get("/courses/test\x00course").status_code in (400, 404)
