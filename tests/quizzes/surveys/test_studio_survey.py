"""The Studio's survey editor (quizzes/surveys/studio.py): an instrument file as items and fields,
written back as a draft checked by the package's own reader; item ids kept across phases; a new
right answer or a removed item shown against the stored answers before it is saved."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from courses.models import Activity
from courses.package import CourseContext
from courses.studio import drafts
from courses.studio.models import StudioDraft
from quizzes.surveys import instrument_file
from quizzes.surveys.models import Survey, SurveyAnswer, SurveyResponse, answer_rows
from quizzes.surveys.package import read_instrument
from tests.studio_helpers import base_of, client_of, imported
from training.extensions import db

LIBRARY = Path(__file__).resolve().parents[3] / "courses" / "library"
PATH = "surveys/knowledge-and-confidence.yaml"
URL = f"/studio/gbv-litigation/survey/{PATH}"
ITEM = f"/studio/gbv-litigation/survey-item/{PATH}"


def _read(text: str, languages=("en", "zh")):
    reader = instrument_file._TextReader("surveys/x.yaml", text, "s")
    items = read_instrument(reader, CourseContext("s", list(languages), set()), "surveys/x.yaml")
    assert not reader.errors, reader.errors
    return items


@pytest.mark.parametrize("path", sorted(LIBRARY.glob("*/surveys/*.yaml")), ids=lambda p: p.parent.parent.name)
def test_the_library_instruments_survive_the_form_unchanged(path):
    text = path.read_text(encoding="utf-8")
    instrument = instrument_file.parse(text)
    languages = ["en", "zh"]
    # Written back as it is, and with every item through the form's fields.
    as_is = instrument_file.dump(instrument)
    through = instrument_file.dump(instrument_file.Instrument(instrument.head, dict(instrument.doc, items=[
        instrument_file.raw_of(instrument_file.fields_of(raw, languages), languages, raw) for raw in instrument.items])))
    assert _read(text) == _read(as_is) == _read(through)
    assert through == as_is  # the form writes an item as the library does
    assert as_is.startswith("#") and instrument.head in as_is  # the opening comment is kept
    assert "  - id: " in as_is and "phases: [post]" in as_is and "\n      - {en: " in as_is


def test_keys_the_editor_does_not_know_are_kept():
    text = "# A comment\nitems:\n  - id: a\n    type: text\n    text: {en: \"Why?\"}\nnotes: kept as it is\n"
    instrument = instrument_file.parse(text)
    out = instrument_file.dump(instrument)
    assert out.startswith("# A comment\n") and "notes: kept as it is" in out


def test_problems_are_placed_on_their_item_and_key():
    text = instrument_file.dump(instrument_file.Instrument("", {"items": [
        {"id": "a", "type": "knowledge", "text": {"en": "Q"}, "choices": [{"en": "x"}, {"en": "y"}], "answer": 0},
        {"id": "b", "type": "knowledge", "text": {"en": "Q"}, "choices": [{"en": "x"}, {"en": "y"}], "answer": 5}]}))
    problems = instrument_file.check(text, "surveys/x.yaml", "s", ["en"])
    assert [(p.item, p.key) for p in problems] == [(1, "answer")]


@pytest.fixture
def studio(app, make_user, tmp_path):
    """The starter library's gbv-litigation course, published in the Studio; tess is its author."""
    make_user("tess", role="trainer")
    make_user("other", role="trainer")
    make_user("mei")
    root = make_user("root", role="admin")
    shutil.copytree(LIBRARY / "gbv-litigation", tmp_path / "gbv-litigation")
    return imported(app, tmp_path / "gbv-litigation", root, "tess")


def _fields(page: str) -> dict[str, str]:
    """The form's values as the page shows them (inputs, textareas, the selected options)."""
    data = {}
    for name, value in re.findall(r'<input[^>]*?name="([^"]+)"[^>]*?value="([^"]*)"', page):
        data.setdefault(name, value)
    for tag in re.findall(r"<input[^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        if name and 'type="checkbox"' in tag:
            data.pop(name.group(1), None)
            if "checked" in tag:
                data[name.group(1)] = "y"
    for name, value in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>\r?\n?(.*?)</textarea>', page, re.S):
        data[name] = value
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option selected value="([^"]*)"', body) or re.search(r'<option value="([^"]*)"', body)
        data[name] = chosen.group(1) if chosen else ""
    import html
    return {k: html.unescape(v) for k, v in data.items() if k != "save"}


def _draft_items():
    text = db.session.get(StudioDraft, ("gbv-litigation", PATH)).text
    return text, _read(text)


def _respond(course, item: str, values: dict[str, list]) -> None:
    """Submitted responses to the instrument's surveys: phase -> the answers given to ``item``."""
    import uuid

    surveys = {s.phase: s for s in db.session.execute(select(Survey).join(Activity, Activity.id == Survey.activity_id)
                                                       .where(Activity.course_id == course.id)).scalars()}
    for phase, answers in values.items():
        for value in answers:
            response = SurveyResponse(survey_id=surveys[phase].id, respondent_key=uuid.uuid4().hex, state="submitted",
                                      answers={item: value})
            db.session.add(response)
            db.session.flush()
            for row in answer_rows(response.id, response.answers):
                db.session.add(SurveyAnswer(**row))
    db.session.commit()


def test_an_author_edits_a_knowledge_item_and_publishes_it(app, studio):
    tess = client_of(app, "tess")
    listing = tess.get(URL).get_data(as_text=True)
    assert "adv-law-year" in listing and "an item keeps its id in every phase" in listing.lower()
    assert "other comments in the file are lost" in listing
    page = tess.get(ITEM + "?item=0").get_data(as_text=True)
    assert "that is how each person" in page  # the id rule, at the id field
    data = _fields(page)
    assert data["item_id"] == "adv-law-year" and data["answer"] == "1" and data["choice_1_zh"] == "2016年"
    data.update(text_en="When did the Anti-Domestic Violence Law come into force?", choice_3_en="2019",
                choice_3_zh="2019年")
    saved = tess.post(ITEM, data=data)
    assert saved.status_code == 302, saved.get_data(as_text=True)[:3000]
    text, items = _draft_items()
    assert items[0].text["en"] == "When did the Anti-Domestic Violence Law come into force?"
    assert items[0].choices[3] == {"en": "2019", "zh": "2019年"} and items[0].answer == 1
    assert text.startswith("# Asked before the course (pre)")  # the opening comment is kept
    assert "A draft: not published yet." in tess.get(URL).get_data(as_text=True)

    assert tess.post("/studio/gbv-litigation/publish").status_code == 302
    db.session.expire_all()
    pre = db.session.execute(select(Survey).where(Survey.phase == "pre")).scalar_one()
    assert pre.items[0].text["en"].startswith("When did") and len(pre.items[0].choices) == 4


def test_bad_input_is_shown_on_its_field_and_nothing_is_saved(app, studio):
    tess = client_of(app, "tess")
    good = _fields(tess.get(ITEM + "?item=0").get_data(as_text=True))
    for change, field_text in (
            ({"item_id": "Year Of Law"}, "lowercase letters, digits and hyphens"),
            ({"item_id": "no-divorce-needed"}, "Another item has the id"),
            ({"text_en": ""}, "Write the question in English."),
            ({"answer": "5"}, "Choose the right answer among the choices written."),
            ({"choice_1_en": "", "choice_1_zh": "", "choice_2_en": "", "choice_2_zh": ""}, "Give at least two choices."),
            ({"text_en": "x" * 3000}, "2000"),
            ({"phase_pre": None, "phase_post": None}, "Choose at least one phase")):
        data = {k: v for k, v in {**good, **change}.items() if v is not None}
        refused = tess.post(ITEM, data=data)
        assert refused.status_code == 422, change
        assert field_text in refused.get_data(as_text=True), change
    scale = _fields(tess.get(ITEM + "?item=6").get_data(as_text=True))  # believe-inconsistency, a likert
    assert scale["reversed"] == "y" and scale["labels_zh"].startswith("非常不同意")
    refused = tess.post(ITEM, data={**scale, "labels_en": "Agree\nDisagree"})
    assert refused.status_code == 422 and "Give 5 labels, one per line, or none." in refused.get_data(as_text=True)
    assert tess.post(ITEM, data={**good, "kind": "essay"}).status_code == 400
    assert db.session.get(StudioDraft, ("gbv-litigation", PATH)) is None


def test_a_retro_item_left_without_its_self_item_is_caught_by_the_reader(app, studio):
    tess = client_of(app, "tess")
    data = _fields(tess.get(ITEM + "?item=4").get_data(as_text=True))  # confidence-application (self)
    data["item_id"] = "confidence-preparing"
    refused = tess.post(ITEM, data=data)
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "names the &#39;self&#39; item it looks back on" in body
    assert db.session.get(StudioDraft, ("gbv-litigation", PATH)) is None


def test_two_authors_the_second_save_is_refused_shows_both_and_can_be_saved_again(app, studio):
    tess = client_of(app, "tess")
    data = _fields(tess.get(ITEM + "?item=1").get_data(as_text=True))
    # Meanwhile, someone saves the file in the text editor (a new first item).
    text, _ = drafts.current_text(studio, PATH)
    other = text.replace("items:\n", "items:\n  - id: first-thing\n    type: text\n    text: {en: \"Anything?\"}\n", 1)
    drafts.save(_user("tess"), studio, PATH, other, drafts.text_hash(text))
    db.session.commit()
    data["text_en"] = "Must she divorce first?"
    clash = tess.post(ITEM, data=data)
    body = clash.get_data(as_text=True)
    assert clash.status_code == 409 and "Someone saved this file after you opened it." in body
    assert "Must she divorce first?" in body and "first-thing" in body  # her item, and the text now saved
    assert db.session.get(StudioDraft, ("gbv-litigation", PATH)).text == other  # nothing overwritten
    again = tess.post(ITEM, data=_fields(body))
    assert again.status_code == 302, again.get_data(as_text=True)[:3000]
    _text, items = _draft_items()
    assert [i.id for i in items[:3]] == ["first-thing", "adv-law-year", "no-divorce-needed"]
    assert items[2].text["en"] == "Must she divorce first?"


def _user(handle):
    from training.accounts import User

    return db.session.execute(select(User).where(User.handle == handle)).scalar_one()


def test_a_new_right_answer_shows_what_it_recounts_before_it_is_saved(app, studio):
    app.config["AMICUS_MIN_CELL"] = 3
    _respond(studio, "adv-law-year", {"pre": [0, 1, 2, 2], "post": [1, 1, 1, 2, 0], })
    tess = client_of(app, "tess")
    data = _fields(tess.get(ITEM + "?item=0").get_data(as_text=True))
    data["answer"] = "2"
    shown = tess.post(ITEM, data=data)
    body = shown.get_data(as_text=True)
    assert shown.status_code == 200
    assert "4 people answered this item; with the new right answer 2 of them are counted right instead of 1." in body
    assert "5 people answered this item; with the new right answer 1 of them are counted right instead of 3." in body
    assert db.session.get(StudioDraft, ("gbv-litigation", PATH)) is None  # not saved yet
    confirmed = tess.post(ITEM, data=_fields(body))
    assert confirmed.status_code == 302
    assert _draft_items()[1][0].answer == 2
    # Fewer than k answered: no numbers.
    app.config["AMICUS_MIN_CELL"] = 10
    data = _fields(tess.get(ITEM + "?item=0").get_data(as_text=True))
    data["answer"] = "0"
    body = tess.post(ITEM, data=data).get_data(as_text=True)
    assert "fewer than 10 people answered this item (the numbers are not shown)" in body


def test_an_answered_item_keeps_its_id_and_removing_it_is_confirmed(app, studio):
    app.config["AMICUS_MIN_CELL"] = 1
    _respond(studio, "ruling-time", {"pre": [0, 1], "post": [0]})
    tess = client_of(app, "tess")
    page = tess.get(ITEM + "?item=2").get_data(as_text=True)
    assert "People have answered this item, so its id stays “ruling-time”" in page and "readonly" in page
    data = _fields(page)
    refused = tess.post(ITEM, data={**data, "item_id": "ruling-hours"})
    assert refused.status_code == 422 and "People have answered this item" in refused.get_data(as_text=True)

    page = tess.get(URL).get_data(as_text=True)
    base = base_of(page)
    asked = tess.post(f"/studio/gbv-litigation/survey-remove/{PATH}", data={"base": base, "index": "2", "remove": "1"})
    body = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "2 people answered this item." in body and "1 person answered this item." in body
    assert "Their answers stay stored" in body
    assert db.session.get(StudioDraft, ("gbv-litigation", PATH)) is None
    done = tess.post(f"/studio/gbv-litigation/survey-remove/{PATH}",
                     data={"base": base, "index": "2", "confirmed": "ruling-time", "remove": "1"})
    assert done.status_code == 302
    assert "ruling-time" not in [i.id for i in _draft_items()[1]]


def test_moving_adding_and_removing_items(app, studio):
    tess = client_of(app, "tess")
    base = base_of(tess.get(URL).get_data(as_text=True))
    moved = tess.post(f"/studio/gbv-litigation/survey-move/{PATH}", data={"base": base, "index": "1", "up": "1"})
    assert moved.status_code == 302
    assert [i.id for i in _draft_items()[1][:2]] == ["no-divorce-needed", "adv-law-year"]
    # The page opened before the move is out of date: refused, shown as now saved.
    stale = tess.post(f"/studio/gbv-litigation/survey-move/{PATH}", data={"base": base, "index": "0", "down": "1"})
    assert stale.status_code == 409 and "Someone saved this file after you opened it." in stale.get_data(as_text=True)

    page = tess.get(ITEM + "?new=likert").get_data(as_text=True)
    data = _fields(page)
    assert data["labels_en"].startswith("Strongly disagree") and data["labels_zh"].startswith("非常不同意")
    data.update(item_id="survivors-lie", text_en="Many survivors exaggerate what happened.", reversed="y")
    added = tess.post(ITEM, data=data)
    assert added.status_code == 302, added.get_data(as_text=True)[:3000]
    new = _draft_items()[1][-1]
    assert (new.id, new.type, new.reversed, new.text) == ("survivors-lie", "likert", True,
                                                          {"en": "Many survivors exaggerate what happened."})
    listing = tess.get(URL).get_data(as_text=True)
    assert "No translation yet: Chinese" in listing  # its Chinese text is missing

    retro = _fields(tess.get(ITEM + "?new=retro").get_data(as_text=True))
    assert retro["of"] == "confidence-application"
    retro.update(item_id="confidence-application-then", text_en="Before: my ability was", text_zh="之前：我的能力")
    assert tess.post(ITEM, data=retro).status_code == 302
    assert _draft_items()[1][-1].of == "confidence-application"

    # Removing the self item a looking-back item names: the reader refuses, nothing is saved.
    base = base_of(tess.get(URL).get_data(as_text=True))
    before = _draft_items()[0]
    self_index = next(i for i, item in enumerate(_draft_items()[1]) if item.id == "confidence-application")
    refused = tess.post(f"/studio/gbv-litigation/survey-remove/{PATH}",
                        data={"base": base, "index": str(self_index), "remove": "1"})
    assert refused.status_code == 422 and "nothing was saved" in refused.get_data(as_text=True)
    assert _draft_items()[0] == before
    assert tess.post(f"/studio/gbv-litigation/survey-remove/{PATH}", data={}).status_code == 400
    assert tess.get(ITEM).status_code == 302  # no item named: the instrument page

    last = len(_draft_items()[1]) - 1
    assert tess.post(f"/studio/gbv-litigation/survey-remove/{PATH}",
                     data={"base": base, "index": str(last), "remove": "1"}).status_code == 302
    assert "confidence-application-then" not in [i.id for i in _draft_items()[1]]


def test_who_may_use_the_survey_editor(app, studio):
    for handle, status in (("other", 403), ("mei", 403), ("root", 200), ("tess", 200)):
        assert client_of(app, handle).get(URL).status_code == status, handle
        assert client_of(app, handle).get(ITEM + "?item=0").status_code == status, handle
    anonymous = app.test_client()
    assert anonymous.get(URL).status_code == 302
    tess = client_of(app, "tess")
    data = _fields(tess.get(ITEM + "?item=0").get_data(as_text=True))
    other = client_of(app, "other")
    assert other.post(ITEM, data=data).status_code == 403
    assert other.post(f"/studio/gbv-litigation/survey-move/{PATH}",
                      data={"base": data["base"], "index": "0", "down": "1"}).status_code == 403
    assert tess.get("/studio/gbv-litigation/survey/course.yaml").status_code == 404
    assert tess.get("/studio/gbv-litigation/survey/surveys/missing.yaml").status_code == 404
    assert tess.get(ITEM + "?item=99").status_code == 404
    assert tess.post(ITEM, data={}).status_code == 400
    # A course managed from files: the Studio's refusal, on the page, nothing saved.
    studio.managed = "files"
    db.session.commit()
    refused = tess.post(ITEM, data=data)
    assert refused.status_code == 422 and "managed from files" in refused.get_data(as_text=True)
    assert db.session.get(StudioDraft, ("gbv-litigation", PATH)) is None


def test_the_editor_is_registered_for_instrument_files(app):
    from courses.studio import editors

    assert editors.for_path("surveys/knowledge-and-confidence.yaml").endpoint == "survey_studio.instrument"
    assert editors.for_path("surveys/x.yml") is None or editors.for_path("surveys/x.yml").name != "survey"
