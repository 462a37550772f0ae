"""Surveys for KoboToolbox and ODK Collect: a survey as an XLSForm, and their submissions back
as card responses.

Many NGOs already collect offline with KoboToolbox or ODK Collect. The XLSForm asks first for
the respondent card's number (required, and checked on the device: 17 digits whose Damm check
digit is right, computed in the form's own XPath), then the survey's items with the same ids
and the same values as Amicus stores them (a choice's name is its number), in the course's
languages. pyxform, the converter KoboToolbox and ODK use, converts every exported form here
before it is sent, so a form that would not load on a tablet is never handed out.

Their exports (CSV, with commas or semicolons, or JSON: a list, KoboToolbox's ``results`` or
ODK Central's ``value``) come back row by row: each row becomes the card's response to the
survey, exactly as if the card holder had answered on her phone. A submission's uuid is
remembered (as a keyed digest) so that importing the same file again adds nothing; a row
with a mistyped card number, a card of another cohort, a void card, a card that has answered
already, or an answer out of range is listed with the reason and not imported. Rows are
independent: one bad row does not stop the others.
"""
from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from courses.models import localized
from quizzes.surveys import services as surveys
from quizzes.surveys.cards import codes
from quizzes.surveys.cards.models import ImportedSubmission
from quizzes.surveys.cards.services import CardError, CardSurvey, card_survey, find, submit_entered
from quizzes.surveys.items import CHOICE_TYPES, SurveyItem
from quizzes.surveys.models import Survey
from training.cohorts import Cohort
from training.db import utcnow
from training.extensions import db

LANGUAGE_NAMES = {"en": "English (en)", "zh": "Chinese (zh)"}
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
CARD_FIELD = "card"
FORM_FIELD = "amicus_form"  # a calculate the form carries: which survey of which cohort it is
UUID_FIELDS = ("_uuid", "instanceID", "meta/instanceID", "meta-instanceID", "__id", "KEY")


class UnreadableFile(CardError):
    """A file that cannot be read as submissions at all: nothing was imported."""


def field_name(item_id: str) -> str:
    """The XLSForm name of an item: its id with hyphens as underscores (XForm names may not
    carry every character an id may; ids are unique once mapped, checked by ``build``)."""
    return "q_" + item_id.replace("-", "_")


def form_marker(cohort: Cohort, survey: Survey) -> str:
    return f"c{cohort.id}-s{survey.id}"


# ---------------------------------------------------------------------------------------------
# The card number, checked in XPath

def damm_constraint() -> str:
    """The XPath constraint of the card field: 17 digits once spaces and dashes are removed,
    whose Damm check comes to 0. ``${damm}`` is the table as 100 space-separated digits, read
    with ODK's ``selected-at``; each step feeds the next."""
    digits = "translate(., ' -', '')"
    interim = "0"
    for k in range(codes.DIGITS + 1):
        interim = f"number(selected-at(${{damm}}, {interim} * 10 + number(substr({digits}, {k}, {k + 1}))))"
    return f"regex({digits}, '^[0-9]{{{codes.DIGITS + 1}}}$') and {interim} = 0"


def damm_table() -> str:
    return " ".join(str(n) for row in codes._DAMM for n in row)


# ---------------------------------------------------------------------------------------------
# Export

def xlsform(cohort: Cohort, ctx: CardSurvey, languages: list[str]) -> bytes:
    """The survey as an XLSForm (xlsx) for this cohort, checked by converting it with pyxform."""
    from openpyxl import Workbook  # only here: the app's start-up stays lean
    from pyxform.errors import PyXFormError
    from pyxform.xls2xform import convert

    languages = [lang for lang in languages if lang in LANGUAGE_NAMES] or ["en"]
    names = {item.id: field_name(item.id) for item in ctx.items}
    if len(set(names.values())) != len(names):
        raise CardError(_l("Two questions of this survey have ids that differ only by a hyphen; rename one."))

    def both(text_for) -> list[str]:
        out = []
        for lang in languages:
            with force_locale(lang):
                out.append(str(text_for(lang)))
        return out

    labels = [f"label::{LANGUAGE_NAMES[lang]}" for lang in languages]
    hints = [f"hint::{LANGUAGE_NAMES[lang]}" for lang in languages]
    messages = [f"constraint_message::{LANGUAGE_NAMES[lang]}" for lang in languages]
    survey_rows = [["type", "name", *labels, *hints, "required", "constraint", *messages, "calculation"]]
    blank_text = [""] * len(languages)
    choices_rows = [["list_name", "name", *labels]]
    survey_rows.append(["calculate", "damm", *blank_text, *blank_text, "", "", *blank_text, f"'{damm_table()}'"])
    survey_rows.append(["calculate", FORM_FIELD, *blank_text, *blank_text, "", "", *blank_text,
                        f"'{form_marker(cohort, ctx.survey)}'"])
    survey_rows.append([
        "text", CARD_FIELD, *both(lambda _lang: _l("Number on the question card")),
        *both(lambda _lang: _l("17 digits, as printed: 1234 5678 9012 34567")), "yes", damm_constraint(),
        *both(lambda _lang: _l("That number is not right. Check each digit against the card.")), ""])
    default_scale = {5: ["1", "2", "3", "4", "5"], 7: ["1", "2", "3", "4", "5", "6", "7"]}
    for item in ctx.items:
        name = names[item.id]
        kind = item.type
        text = [localized(item.text, lang) for lang in languages]
        if kind == "text":
            survey_rows.append(["text", name, *text, *blank_text, "", "", *blank_text, ""])
            continue
        if kind in CHOICE_TYPES:
            values = [(str(i), [localized(choice, lang) for lang in languages]) for i, choice in enumerate(item.choices)]
        else:
            values = []
            for point in range(1, item.points + 1):
                per_language = []
                for lang in languages:
                    scale = item.scale_labels(lang)
                    per_language.append((scale or default_scale[item.points])[point - 1])
                values.append((str(point), per_language))
        list_name = f"l_{name}"
        question = "select_multiple" if kind == "multiple" else "select_one"
        survey_rows.append([f"{question} {list_name}", name, *text, *blank_text, "", "", *blank_text, ""])
        choices_rows += [[list_name, value, *shown] for value, shown in values]
    title = ctx.activity.title
    settings_rows = [["form_title", "form_id", "version", "default_language"],
                     [title, f"amicus_{form_marker(cohort, ctx.survey).replace('-', '_')}",
                      utcnow().strftime("%Y%m%d%H%M"), LANGUAGE_NAMES[languages[0]]]]
    book = Workbook()
    sheet = book.active
    sheet.title = "survey"
    for sheet_name, rows in (("survey", survey_rows), ("choices", choices_rows), ("settings", settings_rows)):
        target = sheet if sheet_name == "survey" else book.create_sheet(sheet_name)
        for row in rows:
            target.append(row)
    out = io.BytesIO()
    book.save(out)
    data = out.getvalue()
    try:
        convert(xlsform=io.BytesIO(data), file_type=".xlsx", warnings=[])
    except PyXFormError as error:  # a form ODK could not load: never hand it out
        current_app.logger.error("XLSForm for survey %s failed pyxform: %s", ctx.survey.id, error)
        raise CardError(_l("This survey could not be made into a form for KoboToolbox or ODK.")) from None
    return data


# ---------------------------------------------------------------------------------------------
# Import

@dataclass
class ImportReport:
    imported: int = 0
    already: int = 0  # submissions imported before (same uuid): skipped
    refused: list[tuple[int, str]] = field(default_factory=list)  # (row number, reason)


def _flatten(record: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in record.items():
        name = f"{prefix}/{key}" if prefix else str(key)
        if isinstance(value, dict):
            out.update(_flatten(value, name))
        else:
            out[name] = value
    return out


def read_rows(data: bytes, filename: str) -> list[dict]:
    """The submissions in an export file, each a flat {column: value}; UnreadableFile if the file
    is not a CSV or JSON export."""
    if len(data) > MAX_BYTES:
        raise UnreadableFile(_l("The file is larger than 5 MB. Export fewer submissions at a time."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableFile(_l("The file is not a CSV or JSON export (UTF-8) from KoboToolbox or ODK.")) from None
    stripped = text.lstrip()
    if filename.lower().endswith(".json") or stripped[:1] in ("[", "{"):
        try:
            parsed = json.loads(text)
        except ValueError:
            raise UnreadableFile(_l("The file is not a CSV or JSON export (UTF-8) from KoboToolbox or ODK.")) from None
        records = parsed.get("results", parsed.get("value")) if isinstance(parsed, dict) else parsed
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise UnreadableFile(_l("The JSON file holds no list of submissions."))
        rows = [_flatten(r) for r in records]
    else:
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        try:
            rows = list(csv.DictReader(io.StringIO(text), dialect=dialect))
        except csv.Error:
            raise UnreadableFile(_l("The file is not a CSV or JSON export (UTF-8) from KoboToolbox or ODK.")) from None
    if len(rows) > MAX_ROWS:
        raise UnreadableFile(_l("The file has more than %(n)d submissions. Export fewer at a time.", n=MAX_ROWS))
    return rows


def _column(row: dict, name: str):
    """A field's value whatever group it sits in ("group/name", or "group-name" in some CSVs)."""
    if name in row:
        return row[name]
    for key, value in row.items():
        key = str(key)
        if key.endswith("/" + name) or key.endswith("-" + name):
            return value
    return None


def _submission_id(row: dict) -> str | None:
    for name in UUID_FIELDS:
        value = row.get(name)
        if value is None:
            value = _column(row, name.split("/")[-1])
        if isinstance(value, str) and value.strip():
            return value.strip().removeprefix("uuid:")
    return None


def _answers(items: tuple[SurveyItem, ...], row: dict) -> dict:
    """The row's answers in the form the survey pages post; SurveyError naming the first
    question whose answer is not one it can have."""
    raw = {}
    for item in items:
        value = _column(row, field_name(item.id))
        if value is None:
            continue
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(int(value)) if float(value).is_integer() else str(value)
        if not isinstance(value, str):
            value = "" if value is None else str(value)
        raw[item.id] = value.split() if item.type == "multiple" else value.strip()
        try:
            surveys.clean_answer(item, raw[item.id])
        except ValueError:
            raise surveys.SurveyError(_l("The answer to “%(question)s” is not one it can have: %(value)s",
                                         question=field_name(item.id), value=str(value)[:40])) from None
    return raw


def import_submissions(trainer, cohort: Cohort, activity_slug: str, data: bytes, filename: str,
                       locale: str) -> ImportReport:
    """Import an export's submissions to one survey as this cohort's card responses."""
    from training.cohorts import require_manager

    require_manager(trainer, cohort)
    rows = read_rows(data, filename)
    report = ImportReport()
    for number, row in enumerate(rows, start=2):  # row 1 is the header in a CSV; JSON rows count alike
        submission = _submission_id(row)
        if submission is None:
            report.refused.append((number, str(_l("No submission id (_uuid or instanceID): export with the metadata."))))
            continue
        typed = _column(row, CARD_FIELD)
        try:
            card = find(typed if isinstance(typed, str) else None)
        except CardError as refusal:
            report.refused.append((number, str(refusal.message)))
            continue
        if card.cohort.id != cohort.id:
            report.refused.append((number, str(_l("This card belongs to another cohort."))))
            continue
        ctx = card_survey(card, activity_slug, locale)
        if ctx is None:
            raise UnreadableFile(_l("This course has no such survey."))
        survey = ctx.survey
        marker = _column(row, FORM_FIELD)
        if isinstance(marker, str) and marker and marker != form_marker(cohort, survey):
            report.refused.append((number, str(_l("This submission was made with the form of another survey or cohort."))))
            continue
        digest = hmac.new(surveys.survey_secret(), f"submission:{survey.id}:{submission}".encode(),
                          hashlib.sha256).hexdigest()
        seen = db.session.execute(select(ImportedSubmission.id).where(
            ImportedSubmission.survey_id == survey.id, ImportedSubmission.digest == digest)).first()
        if seen:
            report.already += 1
            continue
        try:
            answers = _answers(ctx.items, row)
            with db.session.begin_nested():
                submit_entered(card, ctx, answers)
                db.session.add(ImportedSubmission(survey_id=survey.id, cohort_id=cohort.id, digest=digest,
                                                  imported_at=utcnow().replace(minute=0, second=0, microsecond=0)))
                db.session.flush()
        except surveys.SurveyError as refusal:
            report.refused.append((number, str(refusal.message)))
            continue
        except IntegrityError:  # the same uuid twice in one file, or a simultaneous import
            report.already += 1
            continue
        report.imported += 1
    return report
