"""Redirect targets from the request: only this site's pages, whatever the spelling."""
import pytest

from tests.conftest import login
from training.redirects import local_target

HOME = "/home"
# Each would reach another site in a browser, or break the response header.
HOSTILE = [
    "//evil.example", "///evil.example", "/\t/evil.example", "/%09/evil.example", "\t//evil.example",
    "/\r\n/evil.example", "/x\r\nSet-Cookie: a=b", "/%0d%0aSet-Cookie:a=b", "/\n/evil.example",
    "/\\evil.example", "\\\\evil.example", "/%5C/evil.example", "/%5c%5cevil.example",
    "/%2F/evil.example", "/%2f%2fevil.example", "%2F%2Fevil.example",
    "https://evil.example", "http:/evil.example", "javascript:alert(1)", "data:text/html,x",
    "evil.example", "", None, "／／evil.example", "/／evil.example", "／evil.example",
    "/\u3000/evil.example", "/\u200b/evil.example", "/\x00/evil", "/" + "a" * 3000,
]
SAFE = [
    ("/courses", "/courses"),
    ("/courses/test-course?x=1&y=2", "/courses/test-course?x=1&y=2"),
    ("/courses/%E6%B3%95", "/courses/%E6%B3%95"),
    ("/courses/法律", "/courses/%E6%B3%95%E5%BE%8B"),
    ("/case-runs/1#teams", "/case-runs/1#teams"),
]


@pytest.mark.parametrize("target", HOSTILE)
def test_a_target_that_could_leave_the_site_goes_home(target):
    assert local_target(target, HOME) == HOME


@pytest.mark.parametrize(("target", "sent"), SAFE)
def test_a_page_of_the_site_is_kept(target, sent):
    assert local_target(target, HOME) == sent


@pytest.mark.parametrize("target", ["/%09/evil.example", "/\t/evil.example", "//evil.example",
                                    "/x\r\nSet-Cookie: a=b", "／／evil.example", "/\\evil.example"])
def test_log_in_never_sends_elsewhere(client, make_user, target):
    make_user("mei")
    after = client.post("/login", query_string={"next": target},
                        data={"handle": "mei", "password": "correct horse battery"})
    assert after.status_code == 302 and after.headers["Location"] == "/learning"
    # Already logged in: the log-in page sends on at once, to the same safe place.
    again = client.get("/login", query_string={"next": target})
    assert again.status_code == 302 and again.headers["Location"] == "/learning"


def test_log_in_keeps_a_page_of_the_site(client, make_user):
    make_user("mei")
    after = client.post("/login?next=/courses", data={"handle": "mei", "password": "correct horse battery"})
    assert after.headers["Location"] == "/courses"


@pytest.mark.parametrize("target", ["/%09/evil.example", "/\r\n/evil.example", "//evil.example", "／／evil.example"])
def test_the_footer_forms_never_send_elsewhere(client, target):
    for path, data in (("/language", {"lang": "zh"}), ("/privacy/neutral-titles", {"on": "1"})):
        response = client.post(path, data={**data, "next": target})
        assert response.status_code == 302 and response.headers["Location"] == "/", (path, target)
    kept = client.post("/language", data={"lang": "en", "next": "/courses?x=1"})
    assert kept.headers["Location"] == "/courses?x=1"


def test_a_case_run_change_opens_the_page_at_its_own_section_whatever_is_posted(client, make_user, make_course):
    """Each change has its route and its section: nothing posted chooses where the redirect goes."""
    from tests.courses.cases.helpers import setup_moot

    moot = setup_moot(make_user, make_course)
    login(client, "tess")
    run = moot["run"].id
    for anchor in ("#teams", "#x\r\nSet-Cookie: a=b", "//evil.example"):
        response = client.post(f"/case-runs/{run}/teams", data={"side": "applicant", "anchor": anchor,
                                                                 "next": "//evil.example"})
        assert response.status_code == 302, anchor
        assert response.headers["Location"] == f"/case-runs/{run}#teams", anchor
        assert "Set-Cookie: a=b" not in str(response.headers)
