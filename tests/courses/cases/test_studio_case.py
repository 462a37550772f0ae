"""The Studio's form editor of a case's case.yaml (courses/cases/studio.py): the text read as
fields and written back with the same content, saving a draft through drafts.save, problems shown
on their fields (nothing saved), two authors' saves, who may edit, and publishing the result."""
from __future__ import annotations

import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import func, select

from courses.cases import studio
from courses.cases.models import CaseDocument, CaseExercise
from courses.package import plain
from courses.studio import drafts, editors, packages
from courses.studio.models import StudioDraft
from tests.conftest import write_course
from tests.courses.cases.helpers import CASE_YAML, case_files
from tests.studio_helpers import client_of, imported
from training.accounts import find_user
from training.extensions import db

LIBRARY_CASE = Path(__file__).resolve().parents[3] / "courses/library/gbv-litigation/cases/protection-order-hearing"
URL = "/studio/case-course/case/cases/moot/case.yaml"


class _Fields(HTMLParser):
    """The fields a browser would send from the page's form (without a button)."""

    def __init__(self):
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self._textarea = self._select = None
        self._option = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit",):
            if attrs.get("type") == "checkbox":
                if "checked" in attrs:
                    self.fields.append((name, attrs.get("value", "y")))
            else:
                self.fields.append((name, attrs.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea = [name, ""]
        elif tag == "select" and name:
            self._select, self._option = name, None
        elif tag == "option" and self._select is not None:
            if "selected" in attrs or self._option is None:
                self._option = (attrs.get("value", ""), "selected" in attrs)
                if "selected" in attrs:
                    self.fields.append((self._select, attrs.get("value", "")))

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            text = self._textarea[1][1:] if self._textarea[1].startswith("\n") else self._textarea[1]
            self.fields.append((self._textarea[0], text))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            if not any(name == self._select for name, _v in self.fields) and self._option:
                self.fields.append((self._select, self._option[0]))
            self._select = None


def fields(page: str) -> dict[str, list[str]]:
    parser = _Fields()
    parser.feed(page)
    out: dict[str, list[str]] = {}
    for name, value in parser.fields:
        out.setdefault(name, []).append(value)
    return out


def _spec(folder: Path, languages=("en", "zh")):
    """The case as the package reads it (its errors too)."""
    from courses.cases.package import parse_case_entry
    from courses.package import CourseContext, _Map, _Reader

    reader = _Reader(folder.parent.parent, "pkg")
    entry = _Map(case=folder.name)
    entry.line, entry.lines = 1, {"case": 1}
    spec = parse_case_entry(reader, CourseContext(slug="pkg", languages=list(languages), asset_paths=set()),
                            entry, "course.yaml")
    return spec, reader.errors


@pytest.mark.parametrize("languages", [("en", "zh"), ("en",)])
def test_the_library_case_and_the_test_case_come_back_identical(tmp_path, languages):
    """Read as fields and written back: the same content, as plain values and as the package reads it."""
    sources = [(LIBRARY_CASE, ("en", "zh"))] if languages == ("en", "zh") else []
    small = tmp_path / "src" / "cases" / "moot"
    for rel, text in case_files().items():
        (small / rel).parent.mkdir(parents=True, exist_ok=True)
        (small / rel).write_text(text, encoding="utf-8")
    sources.append((small, languages))
    for folder, langs in sources:
        text = (folder / "case.yaml").read_text(encoding="utf-8")
        doc = studio.load(text)
        new, problems = studio.build(studio.to_data(doc, list(langs)), doc, list(langs))
        assert problems == {}
        written = studio.dump(new, studio.header_comments(text))
        if langs == ("en",) or folder == LIBRARY_CASE:
            assert plain(studio.load(written)) == plain(doc)
        copy = tmp_path / "copy" / folder.name / "cases" / folder.name
        shutil.copytree(folder, copy)
        (copy / "case.yaml").write_text(written, encoding="utf-8")
        before, after = _spec(folder, langs), _spec(copy, langs)
        assert before[1] == [] and after[1] == []
        assert after[0] == before[0]
        assert studio.to_data(studio.load(written), list(langs)) == studio.to_data(doc, list(langs))
    library = (LIBRARY_CASE / "case.yaml").read_text(encoding="utf-8")
    assert studio.header_comments(library).startswith("# Moot-court case exercise")


def test_a_key_the_form_does_not_know_is_kept_and_a_plain_title_in_a_bilingual_course_stays_its_text():
    text = CASE_YAML.replace("team_size: 2", "team_size: 2\nfuture_key: {a: 1}").replace(
        "  - {slug: inject, title: New evidence, opens: trainer}",
        "  - {slug: inject, title: New evidence, opens: trainer, colour: red}")
    doc = studio.load(text)
    data = studio.to_data(doc, ["en", "zh"])
    assert data["title"] == {"en": "The Wang application", "zh": ""}
    data["stages"][0], data["stages"][1] = data["stages"][1], data["stages"][0]  # moved: its key goes with it
    new, problems = studio.build(data, doc, ["en", "zh"])
    assert problems == {}
    assert new["future_key"] == {"a": 1}
    assert new["stages"][0] == {"slug": "inject", "title": {"en": "New evidence"}, "opens": "trainer", "colour": "red"}


def test_each_line_of_the_text_names_its_field():
    text = studio.dump(studio.build(studio.to_data(studio.load(CASE_YAML), ["en", "zh"]),
                                    studio.load(CASE_YAML), ["en", "zh"])[0])
    lines = studio._line_paths(studio.load(text))
    names = {studio.field_for(path, ["en", "zh"]) for path in lines.values()}
    assert {"title-en", "pass_mark", "weight_oral", "stages-1-slug", "stages-1-title-en", "documents-4-roles",
            "written-1-weight", "written-0-levels-4-en", "oral-0-slug", "speaker_minutes", "max_words"} <= names


# --- the page -----------------------------------------------------------------------------------

@pytest.fixture
def case_course(app, make_user, tmp_path):
    """A bilingual course with the test case, in the Studio: tess and tom author it."""
    make_user("tess", role="trainer")
    make_user("tom", role="trainer")
    make_user("other", role="trainer")
    make_user("mei")
    root = make_user("root", role="admin")
    files = case_files(**{"documents/police.zh.md": "# 出警记录\n\n三月三日出警。\n"})
    folder = write_course(tmp_path / "src", slug="case-course", modules=1, lessons=1, languages=("en", "zh"), case=files)
    return imported(app, folder, root, "tess", "tom")


def _drafts() -> int:
    return db.session.execute(select(func.count()).select_from(StudioDraft)).scalar_one()


def test_the_editor_is_registered_for_case_yaml(app):
    assert editors.for_path("cases/moot/case.yaml").endpoint == "case_studio.edit"
    assert editors.for_path("cases/moot/documents/police.md") is None


def test_an_author_changes_the_case_in_the_form_and_publishes_it(app, case_course):
    tess = client_of(app, "tess")
    page = tess.get(URL).get_data(as_text=True)
    assert "The Wang application" in page and "Publishing a changed case changes it at once" in page
    assert 'href="/studio/case-course/edit/cases/moot/documents/police.zh.md"' in page
    sent = fields(page)
    assert sent["stages-0-slug"] == ["case-file"] and sent["documents-4-roles"] == ["judge"]
    sent.update({"title-zh": ["王某申请"], "pass_mark": ["70"], "stages-1-title-zh": ["新证据"],
                 "written-1-weight": ["2"], "action": ["save"]})
    saved = tess.post(URL, data=sent)
    assert saved.status_code == 302, saved.get_data(as_text=True)
    text = db.session.get(StudioDraft, ("case-course", "cases/moot/case.yaml")).text
    assert "pass_mark: 70" in text and "zh: 王某申请" in text and "zh: 新证据" in text
    assert "Draft saved." in tess.get(URL).get_data(as_text=True)

    assert tess.post("/studio/case-course/publish").status_code == 302
    db.session.expire_all()
    settings = db.session.execute(select(CaseExercise)).scalar_one().settings
    assert settings.pass_mark == 70 and settings.stages[1].titles == {"en": "New evidence", "zh": "新证据"}
    assert settings.written_rubric.criteria[1].weight == 2
    assert _drafts() == 0


def test_buttons_move_remove_and_add_without_saving(app, case_course):
    tess = client_of(app, "tess")
    sent = fields(tess.get(URL).get_data(as_text=True))
    moved = tess.post(URL, data={**sent, "action": "stages-0-down"})
    body = moved.get_data(as_text=True)
    assert moved.status_code == 200 and "Not saved yet" in body
    assert fields(body)["stages-0-slug"] == ["inject"] and fields(body)["stages-1-slug"] == ["case-file"]
    removed = fields(tess.post(URL, data={**fields(body), "action": "documents-0-remove"}).get_data(as_text=True))
    assert removed["documents-0-file"] == ["instructions"]
    added = tess.post(URL, data={**removed, "action": "written-0-add-level"}).get_data(as_text=True)
    assert "written-0-levels-5-en" in fields(added)
    assert _drafts() == 0
    assert tess.post(URL, data={**removed, "action": "stages-9-up"}).status_code == 400
    full = dict(removed)
    for k in range(studio.MAX_STAGES):
        full.update({f"stages-{k}-slug": [f"s{k}"], f"stages-{k}-title-en": ["S"], f"stages-{k}-opens": ["trainer"]})
    refused = tess.post(URL, data={**full, "action": "stages-add"})
    assert refused.status_code == 422 and "There can be at most 20 here." in refused.get_data(as_text=True)
    assert _drafts() == 0


def test_a_form_that_is_not_the_page_s_is_refused_without_a_crash(app, case_course):
    tess = client_of(app, "tess")
    assert tess.post(URL, data={}).status_code == 400  # not the page's form
    assert tess.post(URL, data={"base": "0" * 64}).status_code == 409  # not from the text now saved
    sent = fields(tess.get(URL).get_data(as_text=True))
    for junk in ({"stages-0-opens": ["sometimes"]}, {"documents-0-roles": ["judge", "clerk"]},
                 {"written_kind": ["dice"]}, {"team_size": ["nan"]}, {"pass_mark": ["1e999"]},
                 {"written-0-levels-0-en": ["x" * 3000]}, {"stages-0-days": ["-1"], "stages-0-opens": ["days"]}):
        response = tess.post(URL, data={**sent, **junk, "action": "save"})
        assert response.status_code == 422, junk
    assert tess.post(URL, data={**sent, "action": "nonsense"}).status_code == 400
    assert _drafts() == 0
    for hostile in ("a\x00b", "x" * (1024 * 1024), "<b>bold</b> t{{7*7}}t", "\u202eevil"):
        for name in ("title-en", "summary-zh", "stages-0-slug", "documents-0-file", "written-0-weight", "action"):
            assert tess.post(URL, data={**sent, "action": "save", name: [hostile]}).status_code < 500, (name, hostile[:20])


def test_bad_input_is_shown_on_its_field_and_nothing_is_saved(app, case_course):
    tess = client_of(app, "tess")
    sent = fields(tess.get(URL).get_data(as_text=True))
    bad = tess.post(URL, data={**sent, "pass_mark": ["200"], "stages-1-slug": ["case-file"], "action": "save"})
    body = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert 'id="pass_mark-error">A number from 0 to 100.' in body
    assert 'id="stages-1-slug-error">Another stage has this name.' in body
    # A problem only the package's reader sees, on the field it concerns.
    no_oral = dict(sent)
    no_oral.pop("has_oral")
    refused = tess.post(URL, data={**no_oral, "action": "save"})
    assert refused.status_code == 422
    assert "gives the oral hearing a weight, but there is no &#39;oral_rubric&#39;" in refused.get_data(as_text=True)
    long = tess.post(URL, data={**sent, "title-en": ["x" * 300], "action": "save"})
    assert long.status_code == 422
    assert _drafts() == 0


def test_two_authors_save_the_case_the_second_is_refused_and_keeps_his_form(app, case_course):
    tess, tom = client_of(app, "tess"), client_of(app, "tom")
    hers, his = fields(tess.get(URL).get_data(as_text=True)), fields(tom.get(URL).get_data(as_text=True))
    assert tess.post(URL, data={**hers, "team_size": ["3"], "action": "save"}).status_code == 302
    clash = tom.post(URL, data={**his, "team_size": ["4"], "action": "save"})
    body = clash.get_data(as_text=True)
    assert clash.status_code == 409 and "Someone saved this case after you opened it." in body
    assert fields(body)["team_size"] == ["4"] and "team_size: 3" in body  # his form, and the text now saved
    assert "Your version, as text" in body and "team_size: 4" in body
    assert "team_size: 3" in db.session.get(StudioDraft, ("case-course", "cases/moot/case.yaml")).text
    again = tom.post(URL, data={**fields(body), "action": "save"})  # he has seen hers: his form replaces it
    assert again.status_code == 302
    assert "team_size: 4" in db.session.get(StudioDraft, ("case-course", "cases/moot/case.yaml")).text


def test_adding_a_document_makes_its_files_as_drafts_and_publishes(app, case_course):
    tess = client_of(app, "tess")
    sent = fields(tess.post(URL, data={**fields(tess.get(URL).get_data(as_text=True)), "action": "documents-add"})
                  .get_data(as_text=True))
    assert "documents-5-new_title-en" in sent and "documents-5-new_title-zh" in sent
    sent.update({"documents-5-file": ["witness"], "documents-5-stage": ["inject"], "documents-5-roles": ["applicant", "judge"],
                 "action": "save"})
    missing = tess.post(URL, data=sent)
    assert missing.status_code == 422 and "Give the new document its title" in missing.get_data(as_text=True)
    sent.update({"documents-5-new_title-en": ["Witness statement"], "documents-5-new_title-zh": ["证人证言"]})
    assert tess.post(URL, data=sent).status_code == 302
    assert db.session.get(StudioDraft, ("case-course", "cases/moot/documents/witness.md")).text == "# Witness statement\n\n"
    assert db.session.get(StudioDraft, ("case-course", "cases/moot/documents/witness.zh.md")).text == "# 证人证言\n\n"
    page = tess.get(URL).get_data(as_text=True)
    assert 'href="/studio/case-course/edit/cases/moot/documents/witness.zh.md"' in page
    assert tess.post("/studio/case-course/publish").status_code == 302
    db.session.expire_all()
    document = db.session.execute(select(CaseDocument).where(CaseDocument.slug == "witness")).scalar_one()
    assert document.roles == ["applicant", "judge"] and document.titles == {"en": "Witness statement", "zh": "证人证言"}


def test_who_may_edit_the_case(app, case_course):
    for handle, status in (("other", 403), ("mei", 403), ("root", 200), ("tess", 200)):
        assert client_of(app, handle).get(URL).status_code == status, handle
    assert app.test_client().get(URL).status_code == 302
    sent = fields(client_of(app, "tess").get(URL).get_data(as_text=True))
    assert client_of(app, "other").post(URL, data={**sent, "action": "save"}).status_code == 403
    tess = client_of(app, "tess")
    assert tess.get("/studio/case-course/case/cases/moot/other.yaml").status_code == 404
    assert tess.get("/studio/case-course/case/cases/nothing/case.yaml").status_code == 404
    assert _drafts() == 0


def test_a_course_managed_from_files_is_refused_with_its_reason(app, case_course):
    case_course.managed = "files"
    db.session.commit()
    tess = client_of(app, "tess")
    sent = fields(tess.get(URL).get_data(as_text=True))
    refused = tess.post(URL, data={**sent, "action": "save"})
    assert refused.status_code == 422 and "managed from files" in refused.get_data(as_text=True)
    assert _drafts() == 0


def test_a_text_that_is_not_a_mapping_sends_to_the_text_editor(app, case_course):
    tess = client_of(app, "tess")
    page = tess.get("/studio/case-course/edit/cases/moot/case.yaml").get_data(as_text=True)
    import re

    base = re.search(r'name="base" type="hidden" value="([0-9a-f]{64})"', page).group(1)
    assert tess.post("/studio/case-course/edit/cases/moot/case.yaml",
                     data={"text": "- a list\n", "base": base, "save": "y"}).status_code == 302
    shown = tess.get(URL)
    assert shown.status_code == 200 and "cannot be shown as a form" in shown.get_data(as_text=True)
    assert drafts.current_text(case_course, "cases/moot/case.yaml")[0] == "- a list\n"


@pytest.mark.parametrize("banded", ["{banded: true}", "\n  banded:\n    sub_criteria:\n      - {slug: argument, title: Argument, weight: 2}\n"
                                    "      - {slug: form, title: Form, weight: 1}"])
def test_a_banded_rubric_comes_back_the_same(banded):
    start = CASE_YAML.index("written_rubric:")
    end = CASE_YAML.index("oral_rubric:")
    text = CASE_YAML[:start] + f"written_rubric: {banded}\n" + CASE_YAML[end:]
    doc = studio.load(text)
    data = studio.to_data(doc, ["en"])
    assert data["written_kind"] == "banded"
    new, problems = studio.build(data, doc, ["en"])
    assert problems == {}
    assert plain(studio.load(studio.dump(new))) == plain(doc)


def test_the_page_in_chinese(app, case_course):
    tess = client_of(app, "tess")
    page = tess.get(URL, headers={"Accept-Language": "zh"})
    assert page.status_code == 200


def test_the_library_case_saved_unchanged_from_the_form_publishes_as_it_was(app, make_user):
    """The starter library's course in the Studio: its case opened in the form and saved as it is
    publishes, and the exercise's settings and documents are what they were."""
    make_user("root", role="admin")
    folder = LIBRARY_CASE.parents[1]
    assert app.test_cli_runner().invoke(args=["courses", "import", str(folder)]).exit_code == 0
    exercise = db.session.execute(select(CaseExercise)).scalar_one()
    before = (exercise.settings_json, [(d.slug, d.stage, d.roles, d.titles) for d in db.session.execute(
        select(CaseDocument).order_by(CaseDocument.position)).scalars()])
    root = client_of(app, "root")
    url = "/studio/gbv-litigation/case/cases/protection-order-hearing/case.yaml"
    page = root.get(url).get_data(as_text=True)
    assert root.post(url, data={**fields(page), "action": "save"}).status_code == 302
    text = db.session.get(StudioDraft, ("gbv-litigation", "cases/protection-order-hearing/case.yaml")).text
    assert text.startswith("# Moot-court case exercise") and "  - slug: case-file\n" in text
    published = root.post("/studio/gbv-litigation/publish")
    assert published.status_code == 302, published.get_data(as_text=True)[-3000:]
    db.session.expire_all()
    exercise = db.session.execute(select(CaseExercise)).scalar_one()
    after = (exercise.settings_json, [(d.slug, d.stage, d.roles, d.titles) for d in db.session.execute(
        select(CaseDocument).order_by(CaseDocument.position)).scalars()])
    assert after == before
    assert packages.latest("gbv-litigation").number == 2
    assert packages.latest("gbv-litigation").changes["changed"] == ["cases/protection-order-hearing/case.yaml"]


def test_renaming_a_stage_renames_it_in_its_documents_and_the_hearing():
    doc = studio.load(CASE_YAML)
    data = studio.to_data(doc, ["en"])
    data["stages"][2]["slug"] = "oral-hearing"
    data["stages"][0]["slug"] = "bundle"
    new, problems = studio.build(data, doc, ["en"])
    assert problems == {}
    assert new["hearing"]["stage"] == "oral-hearing"
    assert [d["stage"] for d in new["documents"]] == ["bundle", "bundle", "bundle", "inject", "bundle"]


def test_a_case_with_more_rows_than_the_form_holds_is_left_to_the_text_editor(app, case_course):
    """21 stages (the form holds 20): the page sends her to the text editor instead of failing."""
    text, _drafted = drafts.current_text(case_course, "cases/moot/case.yaml")
    many = "".join(f"  - {{slug: extra-{n}, title: Extra {n}, opens: trainer}}\n" for n in range(21))
    longer = text.replace("stages:\n", "stages:\n" + many, 1)
    assert longer != text
    drafts.save(find_user("tess"), case_course, "cases/moot/case.yaml", longer, drafts.text_hash(text))
    db.session.commit()
    page = client_of(app, "tess").get(URL)
    assert page.status_code == 200 and "more stages, documents, criteria or levels than the form holds" \
        in page.get_data(as_text=True)
