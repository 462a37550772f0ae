"""The Studio's outline editor (courses/studio/outline.py): course.yaml as forms. The library's
course.yaml files go through it unchanged in content; each step is saved as course.yaml's draft,
checked first with the package reader (problems on their fields, 422, nothing saved); a save
made from an older text is refused (409) and nothing is lost; only authors edit."""
from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from courses.models import Course
from courses.package import read_package
from courses.studio import drafts
from courses.studio import outline_doc as outline
from courses.studio.models import StudioDraft
from tests.conftest import write_course
from tests.studio_helpers import base_of, client_of, imported
from training.extensions import db

LIBRARY = Path(__file__).resolve().parents[2] / "courses" / "library"
KINDS = ("lesson", "quiz", "survey", "case")


def _comparable(spec):
    return dataclasses.replace(spec, path=None, content_hash="")


@pytest.mark.parametrize("slug", sorted(p.name for p in LIBRARY.iterdir() if (p / "course.yaml").is_file()))
def test_each_library_course_yaml_goes_through_the_editor_unchanged(app, slug, tmp_path):
    """Read, written back in the editor's style, read again by the package reader: the same course."""
    text = (LIBRARY / slug / "course.yaml").read_text(encoding="utf-8")
    written = outline.dump(outline.load(text))
    assert yaml.safe_load(written) == yaml.safe_load(text)
    assert outline.dump(outline.load(written)) == written  # stable: a second save changes nothing
    copy = tmp_path / slug
    shutil.copytree(LIBRARY / slug, copy)
    (copy / "course.yaml").write_text(written, encoding="utf-8")
    before, errors_before, _ = read_package(LIBRARY / slug)
    after, errors_after, _ = read_package(copy)
    assert errors_before == errors_after == []
    assert _comparable(after) == _comparable(before)


def test_steps_keep_unknown_keys_and_the_completion_rule_follows_removals():
    doc = outline.load((LIBRARY / "gbv-litigation" / "course.yaml").read_text(encoding="utf-8"))
    doc["modules"][0]["activities"][0]["future_key"] = {"kept": True}  # a key the editor does not know
    first = doc["modules"][0]["activities"]
    assert outline.move_activity(doc, 0, 0, -1 + 2) == (0, 1)  # down within its module
    assert first[1]["survey"] == "before-the-course" and first[1]["future_key"] == {"kept": True}
    last = len(first) - 1
    assert outline.move_activity(doc, 0, last, 1) == (1, 0)  # past the end: first of the next module
    assert doc["modules"][1]["activities"][0]["quiz"] == "01-framework-check"
    assert outline.move_activity(doc, 1, 0, -1) == (0, last)  # and back
    with pytest.raises(LookupError):
        outline.move_activity(doc, 0, 0, -1)  # nothing before the first module
    with pytest.raises(LookupError):
        outline.move_module(doc, len(doc["modules"]) - 1, 1)
    outline.remove_activity(doc, 0, 1, KINDS)
    assert doc["completion"]["surveys"] == ["after-the-course"]
    assert outline.move_module(doc, 0, 1) == 1 and doc["modules"][0]["slug"] == "protection-orders"


def test_texts_are_written_as_the_file_had_them_and_new_keys_go_in_their_place():
    module = {"slug": "a", "title": "Plain", "activities": []}
    outline.put_texts(module, "title", {"en": "  New \x00  title "}, ["en", "zh"], outline.MODULE_ORDER, title=True)
    assert module["title"] == "New title"  # a string stays a string while only the first language is given
    outline.put_texts(module, "title", {"en": "New", "zh": "新"}, ["en", "zh"], outline.MODULE_ORDER, title=True)
    assert module["title"] == {"en": "New", "zh": "新"}
    outline.put_texts(module, "summary", {"en": "One.\nTwo."}, ["en", "zh"], outline.MODULE_ORDER)
    assert list(module) == ["slug", "title", "summary", "activities"]
    outline.put_texts(module, "summary", {"en": " "}, ["en", "zh"], outline.MODULE_ORDER)
    assert "summary" not in module
    activity = {"quiz": "q", "title": "Q"}
    outline.put_optional(activity, "shuffle_answers", True, True, outline.ACTIVITY_ORDER)
    assert "shuffle_answers" not in activity  # the default is not written
    outline.put_optional(activity, "shuffle_answers", False, True, outline.ACTIVITY_ORDER)
    assert activity["shuffle_answers"] is False
    assert outline.dump({"summary": "One.\nTwo."}) == "summary: |-\n  One.\n  Two.\n"


def test_a_broken_file_is_left_to_the_text_editor():
    for text in ("title: [unclosed", "- a list", "title: x\ntitle: y\nmodules: []\n", "modules: 3\n"):
        with pytest.raises(outline.OutlineError):
            outline.load(text)


def test_problems_are_placed_on_the_lines_they_concern():
    text = "title: T\nmodules:\n  - slug: a\n    activities:\n      - lesson: x\n        content_warning: {en: w}\n"
    places = outline.paths_by_line(text)
    assert places[1] == ("title",) and places[3] == ("modules", 0, "slug")
    assert places[5] == ("modules", 0, "activities", 0, "lesson")
    assert places[6] == ("modules", 0, "activities", 0, "content_warning", "en")


# --- The pages ------------------------------------------------------------------------------------

@pytest.fixture
def studio(app, make_user, tmp_path):
    """A bilingual Studio course (2 modules of 2 lessons, a quiz); tess and tom are its authors."""
    make_user("tess", role="trainer")
    make_user("tom", role="trainer")
    make_user("other", role="trainer")
    make_user("mei")
    root = make_user("root", role="admin")
    folder = write_course(tmp_path / "src", slug="outline-course", modules=2, lessons=2, languages=("en", "zh"),
                          quiz="::Q1::Is it true? {T}\n", quiz_settings="pass_mark: 50\nreview: {score: true}",
                          extra_yaml="handbook: {answer_key: false}\n")
    text = (folder / "course.yaml").read_text()
    (folder / "course.yaml").write_text("# A comment the form editor drops.\n" + text.replace(
        "    title: Module 2\n", "    title: Module 2\n    requires_previous: false\n"))
    return imported(app, folder, root, "tess", "tom")


def _new(**fields) -> dict:
    """The fields of an "Add" form (their names start with new-)."""
    return {f"new-{name}": value for name, value in fields.items()}


def _draft() -> str | None:
    row = db.session.get(StudioDraft, ("outline-course", "course.yaml"))
    return None if row is None else row.text


def _settings(page: str, **changes) -> dict:
    data = {"base": base_of(page), "title_en": "Course outline-course", "summary_en": "A course for tests.",
            "track": "lawyers", "last_reviewed": "2026-11-01", "sequential": "y", "completion_lessons": "",
            "completion_quizzes": "", "completion_surveys": "", "completion_cases": "", "certificate": "yes"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


URL = "/studio/outline-course/outline"


def test_an_author_saves_the_settings_as_a_draft_and_unknown_keys_stay(app, studio):
    tess = client_of(app, "tess")
    page = tess.get(URL).get_data(as_text=True)
    assert 'value="Course outline-course"' in page and "comments are not kept" in page
    assert "Languages: en, zh" in page
    saved = tess.post(URL + "/settings", data=_settings(
        page, title_zh="测试课程", content_warning_en="Discusses violence.", completion_quizzes="list",
        required_quizzes="check", attendance="80", colour_primary="#5b2333", colour_accent="#b08d57",
        certificate_title_en="Certificate"))
    assert saved.status_code == 302, saved.get_data(as_text=True)[-3000:]
    doc = yaml.safe_load(_draft())
    assert doc["title"] == {"en": "Course outline-course", "zh": "测试课程"}
    assert doc["content_warning"] == {"en": "Discusses violence."}
    assert doc["completion"] == {"quizzes": ["check"], "attendance": "80%"}
    assert doc["certificate"] == {"title": {"en": "Certificate"}, "colours": {"primary": "#5b2333", "accent": "#b08d57"}}
    assert doc["handbook"] == {"answer_key": False} and doc["modules"][1]["requires_previous"] is False
    assert doc["modules"][1]["activities"][2]["review"] == {"score": True}
    assert "A comment" not in _draft()
    assert list(doc)[:7] == ["title", "summary", "track", "languages", "last_reviewed", "content_warning", "sequential"]
    # Publishing the draft goes through the same checks, and participants see the new course.
    assert tess.post("/studio/outline-course/publish").status_code == 302
    db.session.expire_all()
    assert db.session.get(Course, studio.id).titles == {"en": "Course outline-course", "zh": "测试课程"}


def test_bad_settings_are_refused_on_their_fields_and_nothing_is_saved(app, studio):
    tess = client_of(app, "tess")
    page = tess.get(URL).get_data(as_text=True)
    for changes, text in ((dict(colour_primary="red"), "A colour like #5b2333."),
                          (dict(track="pilots"), "Not a valid choice"),
                          (dict(title_en="x" * 201), "200"),
                          (dict(title_en=""), "Fill this in."),
                          (dict(attendance="150"), "attendance"),
                          (dict(last_reviewed="yesterday"), "Not a valid date value")):
        refused = tess.post(URL + "/settings", data=_settings(page, **changes))
        body = refused.get_data(as_text=True)
        assert refused.status_code == 422, changes
        assert text in body, (changes, body[body.find("error"):][:1500])
    assert _draft() is None


def test_a_reader_problem_is_shown_on_the_field_it_concerns(app, studio):
    tess = client_of(app, "tess")
    page = tess.get("/studio/outline-course/outline/modules/1").get_data(as_text=True)
    refused = tess.post("/studio/outline-course/outline/modules/1", data={
        "base": base_of(page), "slug": "module-1", "title_en": "Module 2", "requires_previous": ""})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "is used twice" in body
    assert re.search(r'id="slug-error">[^<]*is used twice', body)
    assert _draft() is None


def test_moving_adding_and_removing_activities_and_modules(app, studio):
    tess = client_of(app, "tess")

    def step(url):
        base = base_of(tess.get(URL).get_data(as_text=True))
        response = tess.post(url, data={"base": base})
        assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
        return yaml.safe_load(_draft())

    doc = step(URL + "/modules/0/activities/1/down")  # the last of module 1 goes first in module 2
    assert [a["lesson"] for a in doc["modules"][0]["activities"]] == ["001-lesson"]
    assert doc["modules"][1]["activities"][0] == {"lesson": "002-lesson"}
    doc = step(URL + "/modules/1/activities/0/up")
    assert [a["lesson"] for a in doc["modules"][0]["activities"]] == ["001-lesson", "002-lesson"]
    doc = step(URL + "/modules/1/up")
    assert [m["slug"] for m in doc["modules"]] == ["module-2", "module-1"]
    doc = step(URL + "/modules/0/activities/2/remove")
    assert [list(a.values())[0] for a in doc["modules"][0]["activities"]] == ["003-lesson", "004-lesson"]
    assert tess.post(URL + "/modules/9/up", data={"base": base_of(tess.get(URL).get_data(as_text=True))}).status_code == 404

    # A new lesson: its files are drafts in both languages, with the title as the heading.
    page = tess.get("/studio/outline-course/outline/modules/1").get_data(as_text=True)
    added = tess.post("/studio/outline-course/outline/modules/1/activities", data=_new(
        base=base_of(page), kind="lesson", name="005-new", title_en="A new lesson", title_zh="新课", phase="pre",
        instrument=""))
    assert added.status_code == 302, added.get_data(as_text=True)[-2000:]
    assert db.session.get(StudioDraft, ("outline-course", "lessons/005-new.md")).text.startswith("# A new lesson\n")
    assert db.session.get(StudioDraft, ("outline-course", "lessons/005-new.zh.md")).text.startswith("# 新课\n")
    assert yaml.safe_load(_draft())["modules"][1]["activities"][-1] == {"lesson": "005-new"}

    # A new module, with its first lesson.
    page = tess.get(URL).get_data(as_text=True)
    added = tess.post(URL + "/modules", data=_new(base=base_of(page), slug="module-3", title_en="Module 3",
                                                  lesson="006-third"))
    assert added.status_code == 302, added.get_data(as_text=True)[-2000:]
    assert yaml.safe_load(_draft())["modules"][-1] == {"slug": "module-3", "title": {"en": "Module 3"},
                                                       "activities": [{"lesson": "006-third"}]}
    assert tess.post("/studio/outline-course/publish").status_code == 302
    db.session.expire_all()
    assert db.session.get(Course, studio.id).version == 2
    assert tess.get("/courses/outline-course/lessons/005-new").status_code == 200


def test_an_activity_that_cannot_be_read_is_refused(app, studio):
    tess = client_of(app, "tess")
    page = tess.get("/studio/outline-course/outline/modules/0").get_data(as_text=True)
    for data, text in (({"kind": "quiz", "name": "q2", "title_en": ""}, "A quiz and a survey need a title."),
                       ({"kind": "survey", "name": "after", "title_en": "After"}, "Choose the survey&#39;s questions."),
                       ({"kind": "lesson", "name": "001-lesson"}, "is listed twice"),
                       ({"kind": "lesson", "name": "Bad Name"}, "Use lowercase letters")):
        refused = tess.post("/studio/outline-course/outline/modules/0/activities",
                            data=_new(base=base_of(page), phase="pre", instrument="", **data))
        assert refused.status_code == 422, data
        assert text in refused.get_data(as_text=True), data
    # Removing the last activity of a module would leave it empty: the reader says so.
    for _ in range(2):
        base = base_of(tess.get(URL).get_data(as_text=True))
        last = tess.post(URL + "/modules/0/activities/0/remove", data={"base": base})
    assert last.status_code == 422 and "non-empty" in last.get_data(as_text=True)
    assert db.session.execute(select(func.count()).select_from(StudioDraft)).scalar_one() == 1  # the first removal


def test_a_new_case_and_a_survey_with_new_questions_start_from_files_that_publish(app, studio):
    """A case exercise whose folder does not exist gets one to start from (case.yaml, each side's
    documents and the bench memo, in each language); a survey may start a new instrument named
    after it. Both publish as they are, to be rewritten."""
    from courses.cases.models import CaseDocument, CaseExercise
    from courses.models import Activity

    tess = client_of(app, "tess")
    for data in ({"kind": "case", "name": "moot", "title_en": "The Li application", "title_zh": "李某申请案"},
                 {"kind": "survey", "name": "after", "title_en": "After", "title_zh": "课后", "phase": "post",
                  "instrument": "+new"}):
        page = tess.get("/studio/outline-course/outline/modules/1").get_data(as_text=True)
        added = tess.post("/studio/outline-course/outline/modules/1/activities",
                          data=_new(base=base_of(page), **{"phase": "pre", "instrument": "", **data}))
        assert added.status_code == 302, added.get_data(as_text=True)[-3000:]
    drafted = set(db.session.execute(select(StudioDraft.path)).scalars())
    assert {"cases/moot/case.yaml", "cases/moot/documents/bench-memo.md", "cases/moot/documents/bench-memo.zh.md",
            "surveys/after.yaml"} <= drafted
    assert yaml.safe_load(_draft())["modules"][1]["activities"][-2:] == [
        {"case": "moot"}, {"survey": "after", "title": {"en": "After", "zh": "课后"}, "phase": "post",
                           "instrument": "after"}]
    published = tess.post("/studio/outline-course/publish")
    assert published.status_code == 302, published.get_data(as_text=True)[-3000:]
    exercise = db.session.execute(select(CaseExercise)).scalar_one()
    assert db.session.get(Activity, exercise.activity_id).titles == {"en": "The Li application", "zh": "李某申请案"}
    memo = db.session.execute(select(CaseDocument).where(CaseDocument.exercise_id == exercise.id,
                                                         CaseDocument.slug == "bench-memo")).scalar_one()
    assert memo.roles == ["judge"]


def test_a_quiz_s_options_are_edited_and_the_rest_of_its_entry_kept(app, studio):
    tess = client_of(app, "tess")
    url = "/studio/outline-course/outline/modules/1/activities/2"
    page = tess.get(url).get_data(as_text=True)
    assert 'name="pass_mark"' in page and 'name="phase"' not in page
    refused = tess.post(url, data={"base": base_of(page), "title_en": "Check", "pass_mark": "150", "grading": "highest"})
    assert refused.status_code == 422 and _draft() is None
    saved = tess.post(url, data={"base": base_of(page), "title_en": "Check", "title_zh": "自测", "pass_mark": "70",
                                 "attempts": "3", "grading": "last", "shuffle_answers": "y", "review_score": "y",
                                 "review_feedback": "y"})
    assert saved.status_code == 302, saved.get_data(as_text=True)[-2000:]
    quiz = yaml.safe_load(_draft())["modules"][1]["activities"][2]
    assert quiz == {"quiz": "check", "title": {"en": "Check", "zh": "自测"}, "pass_mark": 70, "attempts": 3,
                    "grading": "last", "review": {"score": True, "answers": False}}
    lesson = tess.get("/studio/outline-course/outline/modules/0/activities/0").get_data(as_text=True)
    assert 'name="content_warning_zh"' in lesson and 'name="title_en"' not in lesson
    assert tess.get("/studio/outline-course/outline/modules/0/activities/7").status_code == 404


def test_two_authors_the_second_save_is_refused_and_keeps_his_changes(app, studio):
    tess, tom = client_of(app, "tess"), client_of(app, "tom")
    page_tess, page_tom = tess.get(URL).get_data(as_text=True), tom.get(URL).get_data(as_text=True)
    assert tess.post(URL + "/settings", data=_settings(page_tess, title_en="Tess's title")).status_code == 302
    clash = tom.post(URL + "/settings", data=_settings(page_tom, title_en="Tom's title"))
    body = clash.get_data(as_text=True)
    assert clash.status_code == 409 and "Someone saved course.yaml after you opened this page." in body
    assert 'value="Tom&#39;s title"' in body and "title: Tess&#39;s title" in body  # his form, her text
    assert yaml.safe_load(_draft())["title"] == "Tess's title"
    # Saving again from that page (he has seen hers) goes through.
    assert tom.post(URL + "/settings", data=_settings(body, title_en="Both titles")).status_code == 302
    moved = tom.post(URL + "/modules/1/up", data={"base": base_of(page_tom)})
    assert moved.status_code == 409 and "this step was not made" in moved.get_data(as_text=True)


def test_a_module_form_met_by_a_reordering_is_not_written_over_another_module(app, studio):
    """Tom opens module 1's page; Tess moves module 2 up. His save is refused (409) and, since the
    module at his position is no longer his, he is sent to the outline: saving again cannot write
    his form over module 2."""
    tess, tom = client_of(app, "tess"), client_of(app, "tom")
    page_tom = tom.get(URL + "/modules/0").get_data(as_text=True)
    assert tess.post(URL + "/modules/1/up", data={"base": base_of(tess.get(URL).get_data(as_text=True))}).status_code == 302
    clash = tom.post(URL + "/modules/0", data={"base": base_of(page_tom), "slug": "module-1", "title_en": "Renamed",
                                               "requires_previous": ""})
    body = clash.get_data(as_text=True)
    assert clash.status_code == 409 and 'name="slug"' not in body  # the outline, not module 1's form
    modules = yaml.safe_load(_draft())["modules"]
    assert [m["slug"] for m in modules] == ["module-2", "module-1"] and modules[0]["title"] == "Module 2"


def test_who_may_use_the_outline_editor(app, studio, make_user, tmp_path):
    assert app.test_client().get(URL).status_code == 302  # to the login page
    for handle, status in (("mei", 403), ("other", 403), ("root", 200), ("tess", 200)):
        client = client_of(app, handle)
        assert client.get(URL).status_code == status, handle
        assert client.get(URL + "/modules/0/activities/0").status_code == status, handle
    other = client_of(app, "other")
    for url in (URL + "/settings", URL + "/modules/0/up", URL + "/modules", URL + "/modules/0",
                URL + "/modules/0/activities", URL + "/modules/0/activities/0"):
        assert other.post(url, data={"base": "0" * 64}).status_code == 403, url
    assert client_of(app, "mei").post(URL + "/modules/0/activities/0/down", data={"base": "0" * 64}).status_code == 403

    # A course managed from files: the page opens for an admin, but saving is refused with the reason.
    folder = write_course(tmp_path / "lib", slug="files-course", modules=1, lessons=1)
    assert app.test_cli_runner().invoke(args=["courses", "sync", str(folder)]).exit_code == 0
    root = client_of(app, "root")
    page = root.get("/studio/files-course/outline").get_data(as_text=True)
    refused = root.post("/studio/files-course/outline/settings", data={
        "base": base_of(page), "title_en": "Course files-course", "track": "lawyers", "certificate": "yes",
        "completion_lessons": "", "completion_quizzes": "", "completion_surveys": "", "completion_cases": ""})
    assert refused.status_code == 422 and "managed from files" in refused.get_data(as_text=True)
    assert db.session.get(StudioDraft, ("files-course", "course.yaml")) is None


def test_the_editor_is_registered_for_course_yaml(app):
    from courses.studio import editors

    editor = editors.for_path("course.yaml")
    assert editor is not None and editor.endpoint == "studio_outline.show"
    assert editors.for_path("cases/x/course.yaml") is None
    with app.test_request_context():
        from flask import url_for

        assert url_for(editor.endpoint, slug="x", path="course.yaml").startswith("/studio/x/outline")


def test_a_library_course_opens_and_saves_unchanged_in_content(app, make_user):
    """gbv-litigation (quizzes, surveys, a case, a completion rule, a certificate) opened in the editor
    and its settings saved as shown: the draft has the same content."""
    make_user("root", role="admin")
    assert app.test_cli_runner().invoke(args=["courses", "import", str(LIBRARY / "gbv-litigation")]).exit_code == 0
    root = client_of(app, "root")
    page = root.get("/studio/gbv-litigation/outline").get_data(as_text=True)
    assert "Move to the next module" in page and "Move to the previous module" in page
    settings = page.split('id="modules"')[0]
    form = dict(re.findall(r'<input[^>]*?name="([a-z_]+)"[^>]*?type="text"[^>]*?value="([^"]*)"', settings))
    assert form["title_zh"] == "性别暴力案件诉讼实务（律师课程）"
    from html import unescape

    areas = {name: unescape(value) for name, value in re.findall(r'<textarea[^>]*name="([a-z_]+)"[^>]*>\n?([^<]*)</textarea>', settings)}
    data = {"base": base_of(page), **{k: unescape(v) for k, v in form.items()}, **areas, "track": "lawyers",
            "last_reviewed": "2026-11-21", "sequential": "y", "completion_lessons": "all", "completion_quizzes": "all",
            "completion_surveys": "list", "required_surveys": ["before-the-course", "after-the-course"],
            "completion_cases": "none", "certificate": "yes"}
    saved = root.post("/studio/gbv-litigation/outline/settings", data=data)
    assert saved.status_code == 302, saved.get_data(as_text=True)[-3000:]
    original = yaml.safe_load((LIBRARY / "gbv-litigation" / "course.yaml").read_text(encoding="utf-8"))
    assert yaml.safe_load(db.session.get(StudioDraft, ("gbv-litigation", "course.yaml")).text) == original
    assert drafts.text_hash(db.session.get(StudioDraft, ("gbv-litigation", "course.yaml")).text)


HOSTILE = ["a\x00b", b"\xed\xa0\x80 \xff\xfe", "x" * 300_000, "99999999999999999999", "nan", "-1",
           '<b id="hostile">bold</b>{{7*7}}', "\u202eevil"]


def test_hostile_values_in_every_field_never_break_a_page(app, studio):
    tess = client_of(app, "tess")
    page = tess.get(URL).get_data(as_text=True)
    valid = {
        URL + "/settings": _settings(page),
        URL + "/modules": _new(base=base_of(page), slug="module-3", title_en="M", lesson="x-1"),
        URL + "/modules/0": {"base": base_of(page), "slug": "module-1", "title_en": "Module 1", "requires_previous": ""},
        URL + "/modules/0/activities": _new(base=base_of(page), kind="lesson", name="x-2", title_en="T", phase="pre",
                                            instrument=""),
        URL + "/modules/1/activities/2": {"base": base_of(page), "title_en": "Check", "grading": "highest",
                                          "pass_mark": "50"},
        URL + "/modules/0/activities/0/down": {"base": base_of(page)},
    }
    extra = {"required_lessons": "001-lesson", "colour_primary": "#000000", "attendance": "80", "new-instrument": "x",
             "time_limit": "5", "attempts": "2", "from_bank": "b", "summary_zh": "s"}
    for url, fields in valid.items():
        for name in [*fields, *extra]:
            for value in HOSTILE:
                data = {**fields, name: value}
                response = tess.post(url, data=data)
                assert response.status_code < 500, (url, name, value[:20])
                db.session.rollback()
                db.session.execute(StudioDraft.__table__.delete())
                db.session.commit()


def test_a_course_yaml_broken_in_the_text_editor_is_sent_back_there(app, studio):
    tess = client_of(app, "tess")
    edit = "/studio/outline-course/edit/course.yaml"
    base = base_of(tess.get(edit).get_data(as_text=True))
    assert tess.post(edit, data={"text": "title: [unclosed\n", "base": base, "save": "y"}).status_code == 302
    page = tess.get(URL)
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "cannot be shown as an outline: line 2" in body and "Fix it in the text editor" in body
    assert tess.post(URL + "/settings", data={"base": drafts.text_hash("title: [unclosed\n")}).status_code == 422
    assert tess.post(URL + "/modules/0/up", data={"base": drafts.text_hash("title: [unclosed\n")}).status_code == 422
    assert _draft() == "title: [unclosed\n"
