"""Reading case.yaml: a valid case is stored; every mistake is reported at its file and line."""
from __future__ import annotations

import pytest

from courses.cases.settings import Hearing, Weights
from courses.package import read_packages
from tests.conftest import write_course
from tests.courses.cases.helpers import CASE_YAML, case_files

pytestmark = pytest.mark.usefixtures("activity_kinds")  # the `case:` reader is the case kind's


def read(tmp_path, **files):
    folder = write_course(tmp_path, slug="c", modules=1, lessons=1, case=case_files(**files))
    specs, errors, _ = read_packages([folder])
    return specs, errors


def test_a_valid_case_is_read_with_its_stages_rubrics_and_documents(tmp_path):
    specs, errors = read(tmp_path)
    assert errors == []
    case = specs[0].modules[0].activities[-1]
    assert case.kind == "case" and case.slug == "moot"
    assert case.titles == {"en": "The Wang application"}
    s = case.settings
    assert [st.opens for st in s.stages] == ["start", "trainer", "trainer"]
    assert s.team_size == 2 and s.pass_mark == 60 and s.max_words == 50 and s.due_days == 7
    assert s.weights == Weights(written=60.0, oral=40.0)
    assert s.written_rubric.kind == "criteria"
    assert [c.weight for c in s.written_rubric.criteria] == [3.0, 1.0]
    assert s.hearing == Hearing(stage="hearing", speaker_minutes=10, rebuttal_minutes=3)
    docs = {d["slug"]: d for d in case.documents}
    assert docs["police"]["roles"] == ["applicant", "respondent", "judge", "observer"]
    assert docs["memo"]["roles"] == ["judge"] and docs["intake"]["titles"] == {"en": "Intake notes"}


def test_a_banded_rubric_with_sub_criteria(tmp_path):
    yaml = CASE_YAML.split("written_rubric:")[0].replace("weights: {written: 60, oral: 40}\n", "") + """written_rubric:
  banded:
    sub_criteria:
      - {slug: argument, title: Argument, weight: 2}
      - {slug: form, title: Form, weight: 1}
"""
    specs, errors = read(tmp_path, **{"case.yaml": yaml})
    assert errors == []
    rubric = specs[0].modules[0].activities[-1].settings.written_rubric
    assert rubric.kind == "banded" and [c.slug for c in rubric.criteria] == ["argument", "form"]
    assert specs[0].modules[0].activities[-1].settings.oral_rubric is None


@pytest.mark.parametrize("change, line, message", [
    (("team_size: 2", "team_size: 6"), 4, "'team_size' is a whole number from 1 to 4"),
    (("opens: trainer}", "opens: later}", 1), 9, "'opens' is start, trainer, or a number"),
    (("stage: inject", "stage: nowhere"), 16, "'stage' names one of this case's stages"),
    (("roles: [judge]", "roles: [clerk]"), 17, "'roles' is all, or a list from"),
    (("weight: 3", "weight: 0"), 22, "'weight' is a number above 0"),
    (("levels: [None, Some, Good, Very good, Complete]", "levels: [Only]"), 23, "'levels' lists 2 to 10"),
    (("peer_review: true", "peer_review: yes please"), 35, "'peer_review' is true or false"),
    (("pass_mark: 60", "pass_mark: 60\ncolour: red"), 6, "unknown key 'colour' in case.yaml"),
])
def test_mistakes_are_reported_at_their_line(tmp_path, change, line, message):
    old, new, *count = change
    yaml = CASE_YAML.replace(old, new, *count)
    _specs, errors = read(tmp_path, **{"case.yaml": yaml})
    assert any(f"cases/moot/case.yaml:{line}: {message}" in e for e in errors), errors


def test_a_missing_document_file_and_a_missing_case_folder(tmp_path):
    files = case_files()
    del files["documents/memo.md"]
    folder = write_course(tmp_path, slug="c", modules=1, lessons=1, case=files)
    _specs, errors, _ = read_packages([folder])
    assert any("the document cases/moot/documents/memo.md does not exist" in e for e in errors), errors
    folder = write_course(tmp_path / "b", slug="c", modules=1, lessons=1, case={})
    _specs, errors, _ = read_packages([folder])
    assert any("course.yaml" in e and "the case file cases/moot/case.yaml does not exist" in e for e in errors)


def test_weights_for_a_hearing_that_does_not_exist(tmp_path):
    yaml = CASE_YAML.split("oral_rubric:")[0] + "peer_review: true\n"
    _specs, errors = read(tmp_path, **{"case.yaml": yaml})
    assert any("gives the oral hearing a weight, but there is no 'oral_rubric'" in e for e in errors), errors


def test_the_starter_library_case_is_valid(app):
    from pathlib import Path

    root = Path(__file__).resolve().parents[3] / "courses" / "library" / "gbv-litigation"
    specs, errors, _ = read_packages([root])
    assert errors == []
    cases = [a for m in specs[0].modules for a in m.activities if a.kind == "case"]
    assert len(cases) == 1
    case = cases[0]
    assert {"en", "zh"} <= set(case.titles)
    assert any(d["roles"] == ["judge"] for d in case.documents), "a bench memo for judges only"
    assert any("survivor" in c.slug for c in case.settings.written_rubric.criteria)
    assert all(set(d["titles"]) == {"en", "zh"} for d in case.documents)


def test_the_settings_are_stored_as_json_and_read_back_the_same(tmp_path):
    import json

    from courses.cases.settings import CaseSettings

    specs, errors = read(tmp_path)
    assert errors == []
    settings = specs[0].modules[0].activities[-1].settings
    stored = settings.to_json()
    assert stored["stages"][0] == {"slug": "case-file", "titles": {"en": "Case file"}, "opens": "start"}
    assert CaseSettings.from_json(json.loads(json.dumps(stored))) == settings  # as the JSON column gives it back
    assert settings.written_rubric.criteria[0].weight == 3.0 and len(settings.written_rubric.criteria[0].levels) >= 2
    # A row stored before a setting existed reads with its default.
    older = {key: value for key, value in stored.items() if key != "peer_review"}
    assert CaseSettings.from_json(older).peer_review is False


def test_a_rows_settings_are_made_once_and_again_when_replaced(tmp_path):
    from courses.cases.models import CaseExercise

    specs, errors = read(tmp_path)
    assert errors == []
    stored = specs[0].modules[0].activities[-1].settings.to_json()
    row = CaseExercise(activity_id=1, settings_json=stored)
    first = row.settings
    assert row.settings is first  # a page reading them ten times builds them once
    row.settings_json = {**stored, "team_size": 3}  # a sync replaces the column
    assert row.settings is not first and row.settings.team_size == 3
