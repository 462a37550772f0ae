"""The trainer's run page pressed as a browser without JavaScript would: each button's form, with
the fields and the CSRF token the page gives it, posts to its own route and does what it says."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from courses.cases import services
from courses.cases.models import CaseJudge, CaseRun, CaseStage, CaseTeam, CaseTeamMember
from tests.conftest import login
from tests.courses.cases.helpers import setup_moot
from training.extensions import db


@pytest.fixture
def moot(app, make_user, make_course):
    return setup_moot(make_user, make_course)


class Forms(HTMLParser):
    """Each POST form of a page: its action, the fields it sends as shown (inputs, text areas, a
    ticked box, a list's selected or first option) and its buttons' labels, buttons outside it
    that name it (``form=``) included."""

    def __init__(self, html: str):
        super().__init__()
        self.forms: list[dict] = []
        self.by_id: dict[str, dict] = {}
        self.buttons: list[tuple[dict, dict | None]] = []  # (button, the form it is in)
        self.current = self.select = self.button = self.textarea = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("method") == "post":
            self.current = {"action": a["action"], "fields": {}, "buttons": []}
            self.forms.append(self.current)
            if a.get("id"):
                self.by_id[a["id"]] = self.current
        elif tag == "input" and self.current is not None and a.get("name"):
            if a.get("type") != "checkbox" or "checked" in a:
                self.current["fields"][a["name"]] = a.get("value") or ""
        elif tag == "textarea" and self.current is not None:
            self.textarea = a["name"]
            self.current["fields"][self.textarea] = ""
        elif tag == "select" and self.current is not None:
            self.select = a["name"]
        elif tag == "option" and self.select is not None:
            if self.select not in self.current["fields"] or "selected" in a:
                self.current["fields"][self.select] = a["value"]
        elif tag == "button" and a.get("type", "submit") == "submit":
            self.button = {"form": a.get("form"), "label": ""}

    def handle_data(self, data):
        if self.textarea is not None:
            self.current["fields"][self.textarea] += data
        if self.button is not None:
            self.button["label"] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "button" and self.button is not None:
            self.buttons.append((self.button, self.current))
            self.button = None

    def find(self, label: str, action_ending: str) -> dict:
        for button, inside in self.buttons:
            form = self.by_id.get(button["form"]) if button["form"] else inside
            if form is not None and button["label"].strip() == label and form["action"].endswith(action_ending):
                return form
        raise AssertionError(f"no button {label!r} posting to …{action_ending}")


def press(client, run_id: int, label: str, action_ending: str, **typed):
    """Open the run page, press the button ``label`` of the form posting to ``…action_ending``
    (after typing or choosing ``typed``)."""
    form = Forms(client.get(f"/case-runs/{run_id}").get_data(as_text=True)).find(label, action_ending)
    return client.post(form["action"], data={**form["fields"], **typed})


def flashed(client, run_id: int) -> str:
    return client.get(f"/case-runs/{run_id}").get_data(as_text=True)


def count(model, *where) -> int:
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def test_each_button_of_the_run_page_posts_to_its_own_route_with_its_token(app, moot):
    trainer = app.test_client()
    login(trainer, "tess")
    app.config["WTF_CSRF_ENABLED"] = True  # as in production: each form must carry the page's token
    try:
        run = moot["run"].id
        here = f"/case-runs/{run}"

        def step(label, ending, message, anchor="", **typed):
            response = press(trainer, run, label, ending, **typed)
            assert response.status_code == 302, (label, response.status_code)
            assert response.headers["Location"] == here + anchor, label
            assert message in flashed(trainer, run).replace("&#39;", "'"), label

        services.ask(services.run_state(db.session.get(CaseRun, run), "en"), moot["cyd"], True, "Is there a stay?")
        db.session.commit()
        in_team_1 = (CaseTeamMember.team_id == moot["t1"].id,)
        step("Remove", f"/teams/1/members/{moot['bob'].id}/remove", "Removed from team 1.", "#teams")
        assert count(CaseTeamMember, *in_team_1) == 1
        step("Add", "/teams/1/members", "Added to team 1.", "#teams", user=str(moot["obi"].id))
        assert count(CaseTeamMember, *in_team_1, CaseTeamMember.user_id == moot["obi"].id) == 1
        step("Form a team", "/teams", "Team 3 is formed.", "#teams", side="respondent")
        assert db.session.execute(select(CaseTeam.side).where(CaseTeam.number == 3)).scalar_one() == "respondent"
        step("Let participants join teams themselves", "/teams-open", "Saved.")
        assert db.session.get(CaseRun, run).teams_open is True
        step("Stop that", "/teams-open", "Saved.")
        assert db.session.get(CaseRun, run).teams_open is False

        step("Remove", f"/judges/{moot['joe'].id}/remove", "The judge is removed.", "#judges")
        assert count(CaseJudge, CaseJudge.user_id == moot["joe"].id) == 0
        step("Add the judge", "/judges", "The judge is added.", "#judges", user=str(moot["joe"].id), presiding="1")
        assert db.session.execute(select(CaseJudge.presiding).where(CaseJudge.user_id == moot["joe"].id)).scalar_one()

        step("Open now", "/stages/inject/open", "The stage is open.")
        assert db.session.execute(select(CaseStage.opened_at).where(
            CaseStage.run_id == run, CaseStage.slug == "inject")).scalar_one() is not None
        step("Save the schedule", "/schedule", "The schedule is saved.", due="2026-12-01T10:00",
             late_until="2026-12-02T10:00", **{"stage-hearing": "2026-11-30T09:00"})
        assert db.session.get(CaseRun, run).late_until.isoformat() == "2026-12-02T02:00:00+00:00"
        # Refused: why, at the top of the page; nothing changed.
        step("Assign peer reviews", "/peer-reviews", "Peer review needs at least two submitted teams.", "#messages")
        step("Publish the results", "/publish", "No team has submitted yet.", "#messages")

        step("Publish the answer", "/answer", "The answer is published to everyone in the exercise.",
             "#clarifications", answer="No.")
        response = press(trainer, run, "Make the guest's account", "/guest-judges", handle="judge-wu")
        assert response.status_code == 200 and "/reset/" in response.get_data(as_text=True)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_a_post_without_the_token_changes_nothing(app, moot):
    trainer = app.test_client()
    login(trainer, "tess")
    run = moot["run"].id
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        form = Forms(trainer.get(f"/case-runs/{run}").get_data(as_text=True)).find("Form a team", "/teams")
        fields = {k: v for k, v in form["fields"].items() if k != "csrf_token"}
        response = trainer.post(form["action"], data=fields)
        assert response.status_code == 400 and "The form had expired" in response.get_data(as_text=True)
        assert count(CaseTeam) == 2
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


@pytest.mark.parametrize("handle", ["ana1", "joe"])
def test_only_the_trainer_who_runs_it_changes_it(app, moot, handle):
    """A participant, a judge: 403 on every route of the run, and nothing changes."""
    client = app.test_client()
    login(client, handle)
    run = moot["run"].id
    for path in ("start", "stages/inject/open", "schedule", "teams", "teams/1/members",
                 f"teams/1/members/{moot['bob'].id}/remove", "teams/1/penalty", "teams-open", "judges",
                 f"judges/{moot['joe'].id}/remove", "guest-judges", "clarifications/1/answer", "peer-reviews",
                 "publish"):
        data = {"side": "applicant", "user": str(moot["obi"].id), "open": "1", "handle": "intruder",
                "points": "5", "reason": "x", "due": "2026-12-01T10:00", "confirmed": "1"}
        assert client.post(f"/case-runs/{run}/{path}", data=data).status_code == 403, path
    assert count(CaseTeam) == 2 and count(CaseTeamMember) == 4 and count(CaseJudge) == 2
    assert db.session.get(CaseRun, run).teams_open is False
