"""Adding an activity kind is one class and one registration (training/activities.py).

The checklist kind below exists only here. Registered, it is read from course.yaml (with its
own errors), stored at sync, listed in the course's outline with its label and link, opened
through the one access check every kind uses, and completed like any other kind.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from flask import abort, request
from flask_login import current_user, login_required

from courses import services
from courses.models import Course
from tests.conftest import login, write_course
from training import activities
from training.activities import ActivityKind
from training.extensions import db
from training.progress import enrol, mark_complete

STORED: dict[int, list[str]] = {}  # the kind's own "table": activity id -> its items


@dataclass
class ChecklistSpec:
    slug: str
    kind: str = "checklist"
    titles: dict[str, str] = field(default_factory=dict)
    content_warnings: dict[str, str] = field(default_factory=dict)
    items: list[str] = field(default_factory=list)


@dataclass
class ChecklistPage:
    outline: services.Outline
    activity: services.ActivityView
    items: list[str]


class Checklist(ActivityKind):
    name = "checklist"
    label = "Checklist"
    endpoint = "checklist_page"

    def parse(self, reader, ctx, entry, rel):
        slug, items, line = entry.get("checklist"), entry.get("items"), entry.line
        if not isinstance(items, list) or not items or not all(isinstance(i, str) for i in items):
            reader.error(rel, line, "a checklist needs 'items', a list of texts")
            return None
        return ChecklistSpec(slug=slug, titles={"en": entry.get("title") or slug}, items=list(items))

    def write(self, course, activity, spec) -> None:
        STORED[activity.id] = spec.items

    def load(self, course, outline, activity, user, locale):
        return ChecklistPage(outline=outline, activity=activity, items=STORED[activity.id])


def checklist_page(slug: str, activity: str):
    """The kind's page: its items; posting ticks it done."""
    course = services.get_course(slug) or abort(404)
    try:
        page = services.activity_context(course, activity, "checklist", current_user, "en")
    except services.CourseAccessError:
        abort(403)
    if page is None:
        abort(404)
    if request.method == "POST":
        mark_complete(current_user, page.activity.id)
        db.session.commit()
        return "done"
    return "<ul>" + "".join(f"<li>{item}</li>" for item in page.items) + "</ul>"


@pytest.fixture
def checklist_app(app):
    activities.register(Checklist())
    app.add_url_rule("/courses/<slug>/checklists/<activity>", "checklist_page",
                     login_required(checklist_page), methods=["GET", "POST"])
    yield app
    activities.unregister("checklist")
    STORED.clear()


def course_with(tmp_path, entry: str):
    folder = write_course(tmp_path, modules=1, lessons=1, sequential=False)
    yaml = folder / "course.yaml"
    yaml.write_text(yaml.read_text(encoding="utf-8") + entry, encoding="utf-8")
    return folder


CHECKLIST = """      - checklist: before-court
        title: Before the hearing
        items: [Copies of the evidence, The protection order form, Someone to come along]
"""


def test_a_new_kind_is_read_stored_listed_opened_and_completed(checklist_app, tmp_path, make_user, client):
    runner = checklist_app.test_cli_runner()
    synced = runner.invoke(args=["courses", "sync", str(course_with(tmp_path, CHECKLIST))])
    assert synced.exit_code == 0, synced.output
    course = db.session.execute(db.select(Course)).scalar_one()
    mei = make_user("mei")
    make_user("lan")
    enrol(mei, course.id)
    db.session.commit()

    login(client, "mei")
    outline = client.get("/courses/test-course").get_data(as_text=True)
    assert "Before the hearing" in outline and "Checklist" in outline
    assert 'href="/courses/test-course/checklists/before-court"' in outline
    page = client.get("/courses/test-course/checklists/before-court")
    assert page.status_code == 200 and "<li>The protection order form</li>" in page.get_data(as_text=True)
    assert client.post("/courses/test-course/checklists/before-court").get_data(as_text=True) == "done"
    done = services.course_outline(course, mei, "en")
    assert [a.done for a in done.activities if a.kind == "checklist"] == [True]

    # The same access rule as every kind: not enrolled, not opened.
    other = checklist_app.test_client()
    login(other, "lan")
    assert other.get("/courses/test-course/checklists/before-court").status_code == 403
    # A lesson's slug is not a checklist.
    assert client.get("/courses/test-course/checklists/001-lesson").status_code == 404


def test_the_kind_reports_its_own_errors_in_course_yaml(checklist_app, tmp_path):
    broken = course_with(tmp_path, "      - checklist: empty\n        title: Nothing to tick\n")
    result = checklist_app.test_cli_runner().invoke(args=["courses", "sync", "--check", str(broken)])
    assert result.exit_code != 0
    assert "course.yaml" in result.output and "a checklist needs 'items', a list of texts" in result.output
    assert db.session.execute(db.select(Course)).first() is None


def test_unregistered_the_kind_is_unknown_to_the_reader(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["courses", "sync", "--check", str(course_with(tmp_path, CHECKLIST))])
    assert result.exit_code != 0 and "each activity names exactly one kind" in result.output
    assert "'checklist: ...'" not in result.output


def test_a_kind_must_name_itself():
    class Nameless(ActivityKind):
        label = "Nameless"
        endpoint = "x"

    with pytest.raises(TypeError, match="sets no name"):
        activities.register(Nameless())
