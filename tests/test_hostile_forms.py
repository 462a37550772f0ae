"""Every POST route of the URL map, as someone allowed to use it, with hostile values in each of its
form's fields (the other fields valid): NUL, lone surrogates (as the raw bytes an attacker sends),
a 1 MB and a 200 KB string, numbers out of range, a right-to-left override, markup and template
syntax. Nothing may answer 5xx; afterwards no page of the access matrix, as any role, may show
the markup as markup or evaluate the template syntax.

The fields are the forms' own: every page of the matrix is opened as every role and its POST
forms read (inputs, text areas, selects, named buttons, a button's ``formaction``). The forms
that only show in a later state of a case or a certificate (peer review, reflection, the name on
a certificate) are reached by bringing the world to that state; the few no page shows to this
world (two-factor, a reset link, log-in codes, uploads) are listed in ``UNSHOWN``.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

import pytest
from werkzeug.exceptions import HTTPException

from tests.conftest import PASSWORD, login, new_user
from tests.test_access import MATRIX, ROLES, build_world
from training.extensions import db

HANDLES = {"participant": "participant", "other_participant": "other-participant", "trainer": "trainer",
           "other_trainer": "other-trainer", "admin": "admin", "leaver": "leaver"}
MARKUP = '<b id="hostile">bold</b><script>hostile()</script><img src=x onerror="hostile()">'
TEMPLATE = "t{{7*7}}t ${7*7} {%raw%}"
# Each field gets every one of these (10 values). Bytes are sent as they are: a browser never
# sends a lone surrogate, an attacker sends its UTF-8 form or bytes that are not UTF-8 at all.
HOSTILE = [
    "a\x00b",
    b"\xed\xa0\x80 lone surrogate \xed\xb3\xbf",
    b"\xff\xfe not UTF-8 \xc0\xaf",
    "x" * (1024 * 1024),
    ("word " * 40_000).strip(),  # 200 KB: under the form's memory limit, over every column
    "99999999999999999999",
    "-2147483649",
    "\u202eevil\u202c \u200f\u2066",
    MARKUP,
    TEMPLATE,
]
# What stored markup or evaluated syntax would look like on a page (escaped it looks different).
RENDERED = ['<b id="hostile">', "<script>hostile", "onerror=\"hostile", "t49t"]
# Valid values for fields a page leaves empty.
VALID = {
    "handle": "prober", "password": PASSWORD, "current_password": PASSWORD, "confirm": PASSWORD,
    "region": "Beijing", "email": "prober@example.org", "code": "123456", "name": "Mei Participant",
    "question": "When is the hearing?", "text": "Our submission, revised.", "feedback": "Clear and careful work.",
    "reflection": "We argued the facts well; next time we would ask about the warning letter sooner.",
    "comment": "Well argued.", "reason": "Issued in error.", "category": "Practice", "name_en": "Hotline",
    "contact": "12338", "q2": "4", "q3": "My essay, revised.", "checked": "y",
}
SKIPPED_FIELDS = {"csrf_token", "submit"}
# POST routes whose forms this world shows on no page: (role, path, fields with valid values, files).
GIFT = ("bank.gift", b"Another question? {T}")
UNSHOWN = {
    # Shown only where the site sends email (not set up in the world), or reached from an email.
    "messages.forgot_password": ("anonymous", "/forgot-password", {"email": "mei@example.org"}, None),
    "messages.resend_verification": ("participant", "/account/messages/verify", {}, None),
    # Shown only where a course has drafts (none in the world).
    "studio.discard": ("admin", "/studio/test-course/discard/course.yaml", {}, None),
    "studio.publish_drafts": ("admin", "/studio/test-course/publish", {}, None),
    # Shown only for a course managed from files (the world's is managed in the Studio).
    "studio.adopt": ("admin", "/studio/test-course/adopt", {}, None),
    # Shown only beside a version older than the newest (the world's course has one version).
    "studio.restore": ("admin", "/studio/test-course/versions/1/restore", {}, None),
    # Shown only in a course of two modules or more (the world's has one).
    "studio_outline.module_step": ("admin", "/studio/test-course/outline/modules/0/up", {"base": "0"}, None),
    # Shown only once an invitation is planned (none in the world).
    "surveys.cancel_invitation": ("trainer", "/cohorts/{cohort_id}/surveys/invitations/1/cancel", {}, None),
    # Shown only where the site sends text messages (not set up in the world), to a number waiting.
    "messages.sms_code": ("participant", "/account/messages/sms-code", {"code": "123456"}, None),
    "messages.resend_sms_code": ("participant", "/account/messages/sms-code/resend", {}, None),
    "messages.unsubscribe": ("anonymous", "/unsubscribe/forged", {"List-Unsubscribe": "One-Click"}, None),
    "accounts.login_code": ("anonymous", "/login/code", {"code": "123456"}, None),
    "accounts.reset": ("anonymous", "/reset/{reset_token}", {"password": "a new long password", "confirm": "a new long password"}, None),
    "accounts.disable_two_factor": ("participant", "/account/two-factor/off", {"password": PASSWORD, "code": "123456"}, None),
    "accounts.renew_recovery_codes": ("participant", "/account/two-factor/recovery-codes", {"password": PASSWORD, "code": "123456"}, None),
    "accounts.end_other_sessions": ("participant", "/account/sessions/end-others", {}, None),
    "admin.unlock": ("admin", "/admin/users/{participant_id}/unlock", {}, None),
    "admin.reset_two_factor": ("admin", "/admin/users/{participant_id}/two-factor/reset", {}, None),
    "certificates.admin_reissue": ("admin", "/admin/certificates/{cert_id}/reissue", {"reason": "Name misspelt."}, None),
    "cases.join": ("participant", "/courses/test-course/cases/moot/teams/1/join", {}, None),
    "cases.upload": ("participant", "/courses/test-course/cases/moot/submission/attachment", {"version": "1"},
                     ("file", "brief.txt", b"Our brief.")),
    # The run in the world has started: its page no longer shows these.
    "cases.start_run": ("trainer", "/case-runs/{run_id}/start", {}, None),
    "cases.add_member": ("trainer", "/case-runs/{run_id}/teams/1/members", {"user": "1"}, None),
    "cases.remove_member": ("trainer", "/case-runs/{run_id}/teams/1/members/1/remove", {}, None),
    "cases.answer_clarification": ("trainer", "/case-runs/{run_id}/clarifications/1/answer",
                                   {"question": "When is the hearing?", "answer": "On Monday."}, None),
    "quizzes.bank": ("trainer", "/courses/test-course/questions", {"category": "Practice"}, ("file", *GIFT)),
    "quizzes.submit": ("participant", "/quizzes/attempts/{open_attempt_id}/submit", {"shown": "1", "q1": "0"}, None),
    # The world has no respondent card: these forms show only with one (tests/quizzes/surveys/test_cards.py
    # sends them hostile values with a card).
    "cards.void": ("trainer", "/cohorts/{cohort_id}/cards/void", {"card": "1"}, None),
    "cards.forget": ("anonymous", "/r/forget", {}, None),
    "cards.answer": ("anonymous", "/r/surveys/pre", {"i-year": "1", "action": "save"}, None),
    # The world has no session: these show on a session's page (tests/courses/workshops/ send them values).
    "workshops.mark": ("trainer", "/cohorts/{cohort_id}/sessions/999/mark", {"who": "u1", "status": "present"}, None),
    "workshops.walk_in": ("trainer", "/cohorts/{cohort_id}/sessions/999/walk-in", {"name": "Lan"}, None),
    "workshops.delete": ("trainer", "/cohorts/{cohort_id}/sessions/999/delete", {}, None),
    "workshops.check_in": ("participant", "/check-in/1.2.forged", {}, None),
    # Shown only when two typings of a paper form disagree (tests/quizzes/surveys/test_paper_entry.py).
    "cards.decide": ("trainer", "/cohorts/{cohort_id}/cards/entry/pre/decide/1", {"choice-year": "first"}, None),
    # JSON from static/js/offline-entry.js, not a form (tests/quizzes/surveys/test_offline_sync.py
    # sends it malformed queues); probed here as a form post all the same.
    "cards.sync": ("trainer", "/cohorts/{cohort_id}/cards/entry/pre/sync", {"entries": "[]"}, None),
}


@dataclass
class Form:
    endpoint: str
    role: str
    path: str
    fields: list[tuple[str, str]] = field(default_factory=list)  # (name, valid value), in order
    file: tuple | None = None
    names: list[str] = field(default_factory=list)  # every control's name, unticked boxes too

    def __post_init__(self):
        self.names = self.names or list(dict.fromkeys(name for name, _value in self.fields))


class FormReader(HTMLParser):
    """The POST forms of a page: action, and each named control with a valid value."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self.current = None
        self.select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.current = None
            if (a.get("method") or "").lower() == "post":
                self.current = {"action": a.get("action") or "", "fields": {}, "buttons": [], "ticked": [],
                                "multipart": a.get("enctype") == "multipart/form-data"}
                self.forms.append(self.current)
            return
        if self.current is None or not (a.get("name") or tag in ("option", "button")):
            return
        fields, name = self.current["fields"], a.get("name")
        if tag == "input":
            kind = a.get("type", "text")
            if kind == "file":
                self.current["file"] = name
            elif kind == "checkbox":  # a group of boxes sends every ticked value
                if "checked" in a:
                    self.current["ticked"].append((name, a.get("value") or "y"))
                fields.setdefault(name, None)
            elif kind == "radio":
                if "checked" in a or name not in fields:
                    fields[name] = a.get("value") or "y"
            else:
                fields.setdefault(name, a.get("value") or VALID.get(name, "x"))
        elif tag == "textarea":
            fields[name] = VALID.get(name, "Some text.")
        elif tag == "select":
            self.select = name
            fields[name] = None
        elif tag == "option" and self.select:
            if fields[self.select] is None or "selected" in a:
                fields[self.select] = a.get("value", "")
        elif tag == "button":
            if a.get("formaction"):
                self.current["buttons"].append(a["formaction"])
            elif name:
                fields.setdefault(name, a.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "select":
            self.select = None


def encode(fields: list[tuple[str, str | bytes]], file: tuple | None) -> tuple[bytes, str]:
    """The request body as a browser (or an attacker) would send it: bytes go as they are."""
    if file is None:
        return urlencode([(k, v) for k, v in fields]).encode(), "application/x-www-form-urlencoded"
    boundary = secrets.token_hex(12)
    parts = []
    for name, value in fields:
        data = value if isinstance(value, bytes) else value.encode()
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + data)
    name, filename, data = file
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                 f"Content-Type: application/octet-stream\r\n\r\n".encode() + data)
    return b"\r\n".join(parts) + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def read_forms(app, world, roles) -> dict[tuple, Form]:
    """Every POST form on every page of the matrix, as the first of ``roles`` that sees it."""
    adapter = app.url_map.bind("localhost")
    found: dict[tuple, Form] = {}
    for role in roles:
        client = signed_in(app, role)
        for endpoint, (method, template, _expected) in MATRIX.items():
            if method != "GET" or endpoint == "static":
                continue
            page = template.format(**world)
            response = client.get(page)
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            reader = FormReader()
            reader.feed(response.get_data(as_text=True))
            for form in reader.forms:
                for action in [form["action"] or page, *form["buttons"]]:
                    path = urlsplit(action).path
                    try:
                        target, _args = adapter.match(path, method="POST")
                    except HTTPException:
                        continue
                    fields = [(k, v) for k, v in form["fields"].items() if v is not None] + form["ticked"]
                    key = (target, tuple(sorted(form["fields"])), form["fields"].get("action"))
                    file = ("file", *GIFT) if form.get("file") else None
                    found.setdefault(key, Form(target, role, path, fields, file, list(form["fields"])))
    return found


def signed_in(app, role):
    client = app.test_client()
    if role != "anonymous":
        login(client, HANDLES[role])
    return client


def probe(app, forms, prepare=None) -> list[str]:
    """Send each field of each form each hostile value; the 5xx answers."""
    failures = []
    for form in forms:
        client = signed_in(app, form.role)
        names = [name for name in form.names if name not in SKIPPED_FIELDS] or ["next"]
        for name in names:
            for bad in HOSTILE:
                if prepare:
                    prepare(form)
                fields = [(k, v) for k, v in form.fields if k != name] + [(name, bad)]
                body, content_type = encode(fields, form.file)
                response = client.post(form.path, data=body, content_type=content_type)
                response.close()
                if response.status_code >= 500:
                    failures.append(f"POST {form.path} as {form.role}: {name}={shown(bad)}: {response.status_code}")
                if response.status_code == 302 and response.location.startswith("/login") and form.role != "anonymous":
                    client = signed_in(app, form.role)  # the form logged her out (or ended her session)
    return failures


def shown(value) -> str:
    return repr(value[:30]) + (f"... ({len(value)})" if len(value) > 30 else "")


def pages_show_no_markup(app, world) -> list[str]:
    failures = []
    for role in (*ROLES, "leaver"):
        client = signed_in(app, role) if role != "leaver" or find("leaver") else app.test_client()
        for endpoint, (method, template, _expected) in MATRIX.items():
            if method != "GET" or endpoint == "static":
                continue
            response = client.get(template.format(**world))
            if response.status_code >= 500:
                failures.append(f"GET {template} as {role}: {response.status_code}")
            if response.mimetype == "text/html":
                html = response.get_data(as_text=True)
                failures += [f"GET {template} as {role} shows {needle!r} as markup" for needle in RENDERED
                             if needle in html]
    return failures


def find(handle):
    from training.accounts import find_user

    return find_user(handle)


def advance_case(world) -> None:
    """A second team submits, the teams review each other and the hearing opens: the forms of
    peer review and of the hearing's scores show and are taken."""
    from courses.cases import judging, runs, services
    from courses.cases.models import CaseRun
    from training import cohorts
    from training.progress import enrol

    run = db.session.get(CaseRun, world["run_id"])
    state = services.run_state(run, "en")
    trainer, second = find("trainer"), new_user("second")
    cohorts.join_cohort(second, state.cohort.invite_code, date.today())
    enrol(second, state.cohort.course_id, state.cohort.id)
    team = runs.add_team(trainer, state, "respondent")
    runs.assign_member(trainer, state, team, second.id)
    services.save_draft(state, team, second, "Their submission.", 0)
    services.submit(state, team, second, 1)
    judging.assign_peer_reviews(state)
    runs.open_stage(trainer, state, "hearing")  # judges score the speakers
    db.session.commit()


def publish_case(world) -> None:
    """Both teams scored and the results published: the reflection form shows."""
    from courses.cases import judging, runs, services
    from courses.cases.models import CaseRun, CaseSubmission, CaseTeam

    run = db.session.get(CaseRun, world["run_id"])
    state = services.run_state(run, "en")
    trainer = find("trainer")
    submitted = (db.select(CaseTeam).join(CaseSubmission, CaseSubmission.team_id == CaseTeam.id)
                 .where(CaseTeam.run_id == run.id, CaseSubmission.submitted_at.is_not(None)))
    for team in db.session.execute(submitted).scalars():
        judging.score_written(state, trainer, team, {"law": "5", "survivor": "5"}, "Good.")
        for member in services.team_members(team):
            judging.score_speaker(state, trainer, team, member.id, {"bench": "5"}, "")
    runs.publish(trainer, state, show_rank=False)
    db.session.commit()


def reopen(form: Form) -> None:
    """What a form's first use closes, opened again so that each hostile value meets the form."""
    from certificates.models import Certificate
    from courses.cases.models import CasePeerReview

    if form.endpoint == "certificates.mine":
        db.session.execute(db.update(Certificate).values(printed_name=None, revoked_at=None))
    elif form.endpoint == "certificates.admin_revoke":
        db.session.execute(db.update(Certificate).values(revoked_at=None))
    elif form.endpoint == "cases.peer_review":
        db.session.execute(db.update(CasePeerReview).values(submitted_at=None))
    elif form.endpoint == "accounts.delete_account" and find("leaver") is None:
        new_user("leaver")
    db.session.commit()


def reset_token(participant_id: int) -> str:
    from training import accounts

    token = accounts.create_reset_token(find("admin"), db.session.get(accounts.User, participant_id), 48)
    db.session.commit()
    return token


@pytest.fixture
def world(app, tmp_path):
    world = build_world(tmp_path)
    new_user("leaver")
    from certificates.models import Certificate

    db.session.execute(db.update(Certificate).values(printed_name=None))  # the name form shows
    db.session.commit()
    return world


def order(forms) -> list[Form]:
    """Forms in the matrix's order, which puts last what changes the rows above."""
    position = {endpoint: i for i, endpoint in enumerate(MATRIX)}
    return sorted(forms, key=lambda form: position[form.endpoint])


def test_no_form_answers_5xx_or_renders_hostile_values(app, world):
    advance_case(world)
    forms = read_forms(app, world, ROLES)
    for form in forms.values():
        if form.endpoint == "accounts.delete_account":
            form.role = "leaver"  # deleting is what its form does: not the participant the pages need
    world["reset_token"] = reset_token(world["participant_id"])
    shown_endpoints = {form.endpoint for form in forms.values()}
    unshown = [Form(endpoint, role, path.format(**world), list(fields.items()), file)
               for endpoint, (role, path, fields, file) in UNSHOWN.items() if endpoint not in shown_endpoints]
    failures = probe(app, order([*forms.values(), *unshown]), prepare=reopen)

    publish_case(world)
    later = [form for form in read_forms(app, world, ["participant"]).values() if form.endpoint == "cases.results"]
    assert later, "the reflection form did not show after publication"
    failures += probe(app, later)

    posted = {form.endpoint for form in [*forms.values(), *unshown, *later]}
    every_post = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    failures += [f"POST route not probed (no page shows its form: add it to UNSHOWN): {endpoint}"
                 for endpoint in sorted(every_post - posted)]
    failures += pages_show_no_markup(app, world)
    assert not failures, "\n".join(failures)
