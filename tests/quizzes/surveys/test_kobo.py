"""KoboToolbox and ODK: a survey as an XLSForm (converted by pyxform, the card number checked in
the form's own XPath), and their exports imported back as card responses, idempotently, with
each refused row listed and the rest imported."""
import csv
import io
import json
import re
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pyxform.xls2xform import convert
from sqlalchemy import func, select

from courses.package import read_packages
from courses.services import get_course
from courses.sync import sync_courses
from quizzes.surveys.cards import codes, kobo, services
from quizzes.surveys.cards.models import ImportedSubmission
from quizzes.surveys.models import SurveyResponse
from tests.conftest import csrf_token, login
from tests.quizzes.surveys.test_cards import card_answers, coach_of
from training import cohorts
from training.audit import AuditEntry
from training.extensions import db

# ---------------------------------------------------------------------------------------------
# The card number's check, as the tablet runs it


def _xpath_to_python(expression: str) -> str:
    """The constraint's XPath in Python, for the few functions it uses (ODK's semantics below)."""
    text = expression.replace("${damm}", "damm").replace("selected-at(", "selected_at(")
    text = text.replace("(.,", "(dot,")
    return re.sub(r"(?<![=!<>])=(?!=)", "==", text)


def _evaluate(expression: str, typed: str) -> bool:
    def translate(s, chars, into):
        return "".join(into[chars.index(c)] if c in chars and chars.index(c) < len(into) else ("" if c in chars else c)
                       for c in s)

    def substr(s, start, end):  # ODK: 0-based start, end exclusive
        return s[int(start):int(end)]

    def selected_at(s, n):
        parts = s.split(" ")
        return parts[int(n)] if 0 <= int(n) < len(parts) else ""

    def number(x):
        try:
            return float(x)
        except ValueError:
            return float("nan")

    def regex(s, pattern):
        return re.search(pattern, s) is not None

    names = {"translate": translate, "substr": substr, "selected_at": selected_at, "number": number,
             "regex": regex, "damm": kobo.damm_table(), "dot": typed}
    return bool(eval(_xpath_to_python(expression), {"__builtins__": {}}, names))  # noqa: S307 - our own expression


def test_the_forms_check_accepts_card_numbers_and_refuses_every_typo():
    constraint = kobo.damm_constraint()
    for serial in range(1, 30):
        number = codes.with_check((serial * 7919 * 10 ** 9 + serial) % 10 ** 16)
        assert _evaluate(constraint, codes.grouped(number)), number
        assert _evaluate(constraint, number)
        for i in range(17):
            wrong = number[:i] + str((int(number[i]) + 3) % 10) + number[i + 1:]
            assert not _evaluate(constraint, wrong)
        for i in range(16):
            if number[i] != number[i + 1]:
                assert not _evaluate(constraint, number[:i] + number[i + 1] + number[i] + number[i + 2:])
    for typed in ("", "1234", "1234 5678 9012 3456", "abcd efgh ijkl mnopq", number + "0"):
        assert not _evaluate(constraint, typed)


# ---------------------------------------------------------------------------------------------
# The XLSForm


@pytest.fixture
def rights_cohort(app, make_user):
    """The migrant workers' course (English and Chinese) and a cohort with four cards."""
    folder = Path(__file__).resolve().parents[3] / "courses" / "library" / "know-your-rights"
    specs, errors, _ = read_packages([folder])
    assert not errors, errors
    sync_courses(specs)
    trainer = make_user("coach", role="trainer")
    course = get_course("know-your-rights")
    group = cohorts.create_cohort(trainer, course.id, "Sunday", date.today(), None)
    services.make_cards(trainer, group, 4)
    db.session.commit()
    return group


def test_a_bilingual_survey_becomes_a_valid_xlsform(app, rights_cohort):
    ctx = next(c for c in _surveys_of(rights_cohort) if c.survey.phase == "pre")
    data = kobo.xlsform(rights_cohort, ctx, ["en", "zh"])
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["survey", "choices", "settings"]
    rows = list(book["survey"].iter_rows(values_only=True))
    header = rows[0]
    assert "label::English (en)" in header and "label::Chinese (zh)" in header
    card = next(r for r in rows if r[1] == "card")
    assert card[0] == "text" and card[header.index("required")] == "yes"
    assert card[header.index("label::Chinese (zh)")]  # the card's question is asked in Chinese too
    names = [r[1] for r in rows[1:]]
    assert [n for n in names if n.startswith("q_")] == [kobo.field_name(i.id) for i in ctx.items]
    # pyxform, the converter KoboToolbox and ODK use, reads it; the XForm checks the number.
    xform = convert(xlsform=io.BytesIO(data), file_type=".xlsx", warnings=[]).xform
    assert 'nodeset="/' in xform and "selected-at(" in xform and 'required="true()"' in xform
    assert "问卷卡上的号码" in xform  # the card's question, in Chinese


def test_the_test_course_survey_exports_and_the_page_audits_the_download(client, cohort):
    login(client, "coach")
    response = client.get(f"/cohorts/{cohort.id}/cards/kobo/pre.xlsx")
    assert response.status_code == 200 and response.data[:2] == b"PK"
    assert convert(xlsform=io.BytesIO(response.data), file_type=".xlsx", warnings=[]).xform
    assert db.session.execute(select(AuditEntry.action).where(AuditEntry.action == "export.xlsform")).first()
    assert client.get(f"/cohorts/{cohort.id}/cards/kobo/nope.xlsx").status_code == 404


# ---------------------------------------------------------------------------------------------
# Importing submissions


def _numbers(cohort):
    return [number for _s, number in services.printable(coach_of(cohort), cohort)]


def _kobo_csv(rows: list[dict]) -> bytes:
    """A KoboToolbox CSV export: semicolons, group paths in the headers, XML values."""
    out = io.StringIO()
    headers = ["start", "card", "group_a/q_year", "group_a/q_confidence", "q_comment", "amicus_form", "_uuid",
               "_submission_time"]
    writer = csv.DictWriter(out, fieldnames=headers, delimiter=";")
    writer.writeheader()
    for row in rows:
        writer.writerow({h: row.get(h, "") for h in headers})
    return out.getvalue().encode("utf-8-sig")


def test_an_export_is_imported_once_with_every_bad_row_listed(app, cohort, make_user):
    numbers = _numbers_for(cohort, 5)
    services.void(coach_of(cohort), cohort, "#5")
    other = cohorts.create_cohort(coach_of(cohort), cohort.course_id, "Elsewhere", date.today(), None)
    services.make_cards(coach_of(cohort), other, 1)
    db.session.commit()
    stranger = _numbers(other)[0]
    services.set_open_phases(coach_of(cohort), cohort, ["pre"])
    card_answers(cohort, numbers[3], "pre", {"year": "0", "confidence": "2"})  # answered on her phone
    db.session.commit()
    typo = numbers[2][:-1] + str((int(numbers[2][-1]) + 1) % 10)
    data = _kobo_csv([
        {"card": codes.grouped(numbers[0]), "group_a/q_year": "1", "group_a/q_confidence": "4", "_uuid": "u-1"},
        {"card": numbers[1], "group_a/q_year": "0", "group_a/q_confidence": "3", "q_comment": "Good", "_uuid": "u-2"},
        {"card": typo, "group_a/q_year": "1", "_uuid": "u-3"},
        {"card": numbers[3], "group_a/q_year": "1", "_uuid": "u-4"},
        {"card": numbers[4], "group_a/q_year": "1", "_uuid": "u-5"},
        {"card": stranger, "group_a/q_year": "1", "_uuid": "u-6"},
        {"card": numbers[2], "group_a/q_year": "7", "_uuid": "u-7"},
        {"card": numbers[2], "group_a/q_year": "1"},
        {"card": numbers[2], "group_a/q_year": "1", "amicus_form": "c999-s1", "_uuid": "u-9"},
    ])
    report = kobo.import_submissions(coach_of(cohort), cohort, "pre", data, "export.csv", "en")
    db.session.commit()
    assert report.imported == 2 and report.already == 0
    reasons = dict(report.refused)
    assert "not right" in reasons[4] and "first answers stand" in reasons[5] and "can no longer be used" in reasons[6]
    assert "another cohort" in reasons[7] and "q_year" in reasons[8] and "submission id" in reasons[9]
    assert "another survey" in reasons[10]
    submitted = db.session.execute(select(func.count(SurveyResponse.id)).where(
        SurveyResponse.source == "card", SurveyResponse.state == "submitted")).scalar_one()
    assert submitted == 3  # two imported and the one answered on a phone
    first = db.session.execute(select(SurveyResponse).where(SurveyResponse.respondent_key == services.respondent_key(
        cohort.id, _instrument(cohort), numbers[1]))).scalar_one()
    assert first.answers["year"] == 0 and first.answers["confidence"] == 3
    assert "comment" not in first.answers  # a column of a question this survey does not ask is left out
    # The same file again adds nothing; a corrected row comes in on its own.
    again = kobo.import_submissions(coach_of(cohort), cohort, "pre", data, "export.csv", "en")
    assert (again.imported, again.already) == (0, 2)
    fixed = _kobo_csv([{"card": numbers[2], "group_a/q_year": "1", "_uuid": "u-7"}])
    assert kobo.import_submissions(coach_of(cohort), cohort, "pre", fixed, "export.csv", "en").imported == 1
    db.session.commit()
    assert db.session.execute(select(func.count(ImportedSubmission.id))).scalar_one() == 3
    stored = " ".join(row.digest for row in db.session.execute(select(ImportedSubmission)).scalars())
    assert "u-1" not in stored  # the uuid is kept only as a keyed digest


def _instrument(cohort):
    return next(c.survey.instrument for c in _surveys_of(cohort))


def _surveys_of(cohort):
    from courses.models import Course

    return services.cohort_surveys(cohort, db.session.get(Course, cohort.course_id), "en")


def _numbers_for(cohort, n):
    services.make_cards(coach_of(cohort), cohort, n)
    db.session.commit()
    return _numbers(cohort)


def test_kobotoolbox_json_and_odk_central_csv_are_read(app, cohort):
    numbers = _numbers_for(cohort, 3)
    kobo_json = json.dumps({"count": 1, "results": [
        {"_uuid": "k-1", "card": numbers[0], "group_a/q_year": "1", "q_confidence": 5, "meta/instanceID": "uuid:k-1"}]})
    report = kobo.import_submissions(coach_of(cohort), cohort, "post", kobo_json.encode(), "data.json", "en")
    assert report.imported == 1, report.refused
    central = "SubmissionDate,card,q_year,q_confidence,meta-instanceID,KEY\n" \
              f"2026-12-06,{numbers[1]},0,2,uuid:c-1,uuid:c-1\n"
    assert kobo.import_submissions(coach_of(cohort), cohort, "post", central.encode(), "x.csv", "en").imported == 1
    nested = json.dumps({"value": [{"__id": "uuid:n-1", "card": numbers[2], "group_a": {"q_year": "1"}}]})
    assert kobo.import_submissions(coach_of(cohort), cohort, "post", nested.encode(), "odata.json", "en").imported == 1
    db.session.commit()
    assert db.session.execute(select(func.count(SurveyResponse.id)).where(
        SurveyResponse.state == "submitted")).scalar_one() == 3


@pytest.mark.parametrize("data, name, message", [
    (b"\xff\xfe\x00junk", "x.csv", "not a CSV or JSON export"),
    (b"{not json", "x.json", "not a CSV or JSON export"),
    (b'{"results": 3}', "x.json", "no list of submissions"),
    (b"a" * (kobo.MAX_BYTES + 1), "x.csv", "larger than 5 MB"),
])
def test_an_unreadable_file_imports_nothing(app, cohort, data, name, message):
    _numbers_for(cohort, 1)
    with pytest.raises(services.CardError, match=message):
        kobo.import_submissions(coach_of(cohort), cohort, "pre", data, name, "en")
    assert db.session.execute(select(func.count(SurveyResponse.id))).scalar_one() == 0


def test_the_trainer_imports_on_the_page_and_others_cannot(app, cohort, make_user):
    numbers = _numbers_for(cohort, 1)
    make_user("other-coach", role="trainer")
    client = app.test_client()
    login(client, "coach")
    page = client.get(f"/cohorts/{cohort.id}/cards/kobo").get_data(as_text=True)
    assert "XLSForm" in page and f"/cohorts/{cohort.id}/cards/kobo/pre.xlsx" in page
    token = csrf_token(page)
    data = _kobo_csv([{"card": numbers[0], "group_a/q_year": "1", "_uuid": "p-1"},
                      {"card": "1234", "group_a/q_year": "1", "_uuid": "p-2"}])
    response = client.post(f"/cohorts/{cohort.id}/cards/kobo", data={
        "csrf_token": token, "survey": "pre", "file": (io.BytesIO(data), "export.csv")},
        content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "1 imported, 0 imported before (skipped), 1 not imported." in html
    assert "That number is not right" in html
    missing = client.post(f"/cohorts/{cohort.id}/cards/kobo", data={"csrf_token": token, "survey": "pre"},
                          content_type="multipart/form-data")
    assert missing.status_code == 422 and "Choose the export file." in missing.get_data(as_text=True)
    bad = client.post(f"/cohorts/{cohort.id}/cards/kobo", data={
        "csrf_token": token, "survey": "nope", "file": (io.BytesIO(data), "export.csv")},
        content_type="multipart/form-data")
    assert bad.status_code == 422
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "cards.import")).scalar_one()
    assert entry.detail["imported"] == 1 and entry.detail["refused"] == 1
    other = app.test_client()
    login(other, "other-coach")
    assert other.post(f"/cohorts/{cohort.id}/cards/kobo", data={"survey": "pre"}).status_code == 403
    assert other.get(f"/cohorts/{cohort.id}/cards/kobo/pre.xlsx").status_code == 403
