"""The Studio's form editor of a case exercise's case.yaml (issue #19).

It reads the file's current text (``drafts.current_text``), shows its settings, stages, documents,
rubrics and hearing as fields, and writes the text back through ``drafts.save`` with the hash of
the text the form was opened from, so drafts, conflicts and publishing stay the text editor's.
Before saving, the text it writes is read by the package's own reader (``parse_case_entry``, as
`courses sync` reads it) and each problem is shown on the field it concerns. Keys the form does
not know are kept; YAML comments, but for the file's opening ones, are not.

Moving, removing and adding a stage, document, criterion or level is a submit button: the page
comes back with the change, saved only with "Save draft". A new document's Markdown file (and
its translations) is created as a draft with its title line when the case is saved.
"""
from __future__ import annotations

import re
import tempfile
from pathlib import Path

import yaml
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from courses.cases.models import ROLES
from courses.cases.package import CASE_KEYS, CRITERION_KEYS, DOCUMENT_KEYS, MAX_LEVELS, STAGE_KEYS
from courses.cases.studio_routes import PATH
from courses.models import Course, localized
from courses.package import SLUG_RE, _Loader, _Map, plain
from courses.services import language_label
from courses.studio import drafts, packages, yaml_text
from training.extensions import db
from training.i18n import current_language
from training.refusals import Refusal
from training.roles import trainer_required

MAX_STAGES, MAX_DOCUMENTS, MAX_CRITERIA = 20, 60, 20
TITLE_MAX, TEXT_MAX, LEVEL_MAX, NUMBER_MAX = 200, 4000, 2000, 12
OPENS = ("start", "trainer", "days")
HEARING_KEYS = {"stage", "speaker_minutes", "rebuttal_minutes"}
SUBMISSION_KEYS = {"due", "max_words"}





# --- The form ----------------------------------------------------------------------------------

def _texts_form(languages, what: str, area: bool, limit: int):
    """A subform with one field per course language, named by the language code."""
    attrs = {}
    for lang in languages:
        label = _("%(what)s (%(language)s)", what=what, language=language_label(lang))
        if area:
            attrs[lang] = TextAreaField(label, validators=[Length(max=limit)], render_kw={"rows": 3, "lang": lang})
        else:
            attrs[lang] = StringField(label, validators=[Length(max=limit)], render_kw={"lang": lang})
    return type("Texts", (Form,), attrs)


def _number(label, description=None):
    return StringField(label, validators=[Length(max=NUMBER_MAX)], description=description,
                       render_kw={"inputmode": "decimal", "size": 8})


def make_form(languages: list[str], formdata=None, data=None) -> FlaskForm:
    """The case's form for a course in ``languages``: its labels are in the reader's language,
    so the classes are made per request."""
    titles = _texts_form(languages, _("Title"), False, TITLE_MAX)
    role_labels = (_("Applicant's team"), _("Respondent's team"), _("Judges"), _("Observers"))
    role_choices = [SelectChoice(role, label) for role, label in zip(ROLES, role_labels, strict=True)]

    class StageForm(Form):
        orig = HiddenField()
        slug = StringField(_("Short name"), validators=[Length(max=64)],
                           description=_("Lowercase letters, digits and hyphens, e.g. case-file."))
        title = FormField(titles)
        opens = SelectField(_("Opens"), choices=[SelectChoice("start", _("When the trainer starts the exercise")),
                                                 SelectChoice("trainer", _("When the trainer opens it by hand")),
                                                 SelectChoice("days", _("A number of days after the cohort starts"))])
        days = _number(_("Days after the cohort starts (if so)"))

    class DocumentForm(Form):
        orig = HiddenField()
        file = StringField(_("File name in documents/ (without .md)"), validators=[Length(max=64)])
        stage = SelectField(_("Released at the stage"), choices=[], validate_choice=False)
        roles = SelectMultipleField(_("Who reads it"), choices=role_choices, option_widget=widgets.CheckboxInput(),
                                    widget=widgets.ListWidget(prefix_label=False))
        new_title = FormField(_texts_form(languages, _("Title of the new file"), False, TITLE_MAX))

    class CriterionForm(Form):
        orig = HiddenField()
        slug = StringField(_("Short name"), validators=[Length(max=64)])
        title = FormField(titles)
        weight = _number(_("Weight"))
        levels = FieldList(FormField(_texts_form(languages, _("Description"), True, LEVEL_MAX)),
                           max_entries=MAX_LEVELS)

    class CaseForm(FlaskForm):
        base = HiddenField()
        title = FormField(titles)
        summary = FormField(_texts_form(languages, _("Summary"), True, TEXT_MAX))
        content_warning = FormField(_texts_form(languages, _("Content warning"), True, TEXT_MAX))
        team_size = _number(_("Team size"), _("The most people in a team, 1 to 4 (empty: 2)."))
        pass_mark = _number(_("Pass mark (%)"), _("The final score a team needs, 0 to 100 (empty: 60)."))
        weight_written = _number(_("Weight of the written submissions"),
                                 _("Empty: 100, or 50 with an oral hearing."))
        weight_oral = _number(_("Weight of the oral hearing"), _("Empty: 0, or 50 with an oral hearing."))
        due = _number(_("Submissions due (days after the cohort starts)"), _("Empty: 7."))
        max_words = _number(_("Most words in a submission"), _("Optional, 50 to 50,000."))
        peer_review = BooleanField(_("Teams may review another team's submission (peer review)"))
        stages = FieldList(FormField(StageForm), max_entries=MAX_STAGES)
        documents = FieldList(FormField(DocumentForm), max_entries=MAX_DOCUMENTS)
        written_kind = SelectField(_("How judges score the written submissions"), choices=[
            SelectChoice("criteria", _("Criteria, each with described levels")),
            SelectChoice("banded", _("A mark from 50 to 100 (overall, or per criterion below, without levels)"))])
        written = FieldList(FormField(CriterionForm), max_entries=MAX_CRITERIA)
        has_oral = BooleanField(_("The case has an oral hearing scored by the judges"),
                                description=_("Not ticked: the hearing's settings and scoring sheet below are not saved."))
        oral = FieldList(FormField(CriterionForm), max_entries=MAX_CRITERIA)
        hearing_stage = SelectField(_("The hearing opens with the stage"), choices=[], validate_choice=False)
        speaker_minutes = _number(_("Minutes per speaker"), _("1 to 120 (empty: 10)."))
        rebuttal_minutes = _number(_("Minutes for a rebuttal"), _("0 to 60 (empty: 0)."))

    return CaseForm(formdata=formdata, data=data)


# --- case.yaml -> the form's data ----------------------------------------------------------------

def _texts(value, languages) -> dict[str, str]:
    if isinstance(value, str):
        value = {languages[0]: value}
    if not isinstance(value, dict):
        return {lang: "" for lang in languages}
    return {lang: value[lang].strip() if isinstance(value.get(lang), str) else "" for lang in languages}


def _show(value) -> str:
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return "" if value is None else str(value)
    return str(int(value)) if value == int(value) else str(value)


def _mapping(value) -> dict:
    return value if isinstance(value, dict) else {}


def _criteria_data(rubric, languages) -> tuple[str, list[dict]]:
    rubric = _mapping(rubric)
    kind, raw = "criteria", rubric.get("criteria")
    if "banded" in rubric:
        kind, raw = "banded", _mapping(rubric["banded"]).get("sub_criteria")
    out = []
    for i, entry in enumerate(raw if isinstance(raw, list) else []):
        entry = _mapping(entry)
        levels = entry.get("levels")
        out.append({"orig": str(i), "slug": _show(entry.get("slug")), "title": _texts(entry.get("title"), languages),
                    "weight": _show(entry.get("weight")),
                    "levels": [_texts(level, languages) for level in (levels if isinstance(levels, list) else [])]})
    return kind, out


def load(text: str) -> _Map:
    """The case.yaml text as the package reads it; yaml.YAMLError or ValueError if it cannot be
    shown as a form (then the text editor is the way)."""
    doc = yaml.load(text, Loader=_Loader)  # noqa: S506 - the package's SafeLoader
    if not isinstance(doc, _Map):
        raise ValueError("case.yaml is not a mapping")
    return doc


def to_data(doc: dict, languages: list[str]) -> dict:
    """The form's data for a case.yaml read with ``load``."""
    weights, submissions, hearing = _mapping(doc.get("weights")), _mapping(doc.get("submissions")), \
        _mapping(doc.get("hearing"))
    stages = []
    for i, entry in enumerate(doc.get("stages") if isinstance(doc.get("stages"), list) else []):
        entry = _mapping(entry)
        opens = entry.get("opens", "trainer")
        days = isinstance(opens, int) and not isinstance(opens, bool)
        stages.append({"orig": str(i), "slug": _show(entry.get("slug")), "title": _texts(entry.get("title"), languages),
                       "opens": "days" if days else opens if opens in OPENS else "trainer",
                       "days": str(opens) if days else ""})
    documents = []
    for i, entry in enumerate(doc.get("documents") if isinstance(doc.get("documents"), list) else []):
        entry = _mapping(entry)
        roles = entry.get("roles")
        roles = list(ROLES) if roles == "all" else [r for r in roles if r in ROLES] if isinstance(roles, list) else []
        documents.append({"orig": str(i), "file": _show(entry.get("file")), "stage": _show(entry.get("stage")),
                          "roles": roles, "new_title": {lang: "" for lang in languages}})
    written_kind, written = _criteria_data(doc.get("written_rubric"), languages)
    _kind, oral = _criteria_data(doc.get("oral_rubric"), languages)
    if len(stages) > MAX_STAGES or len(documents) > MAX_DOCUMENTS or len(written) > MAX_CRITERIA \
            or len(oral) > MAX_CRITERIA or any(len(c["levels"]) > MAX_LEVELS for c in [*written, *oral]):
        raise ValueError("more rows than the form holds")  # the file is edited as text
    return {
        "title": _texts(doc.get("title"), languages), "summary": _texts(doc.get("summary"), languages),
        "content_warning": _texts(doc.get("content_warning"), languages),
        "team_size": _show(doc.get("team_size")), "pass_mark": _show(doc.get("pass_mark")),
        "weight_written": _show(weights.get("written")), "weight_oral": _show(weights.get("oral")),
        "due": _show(submissions.get("due")), "max_words": _show(submissions.get("max_words")),
        "peer_review": doc.get("peer_review") is True,
        "stages": stages, "documents": documents, "written_kind": written_kind, "written": written,
        "has_oral": "oral_rubric" in doc, "oral": oral,
        "hearing_stage": _show(hearing.get("stage")), "speaker_minutes": _show(hearing.get("speaker_minutes")),
        "rebuttal_minutes": _show(hearing.get("rebuttal_minutes")),
    }


# --- the form's data -> case.yaml ----------------------------------------------------------------


def dump(doc: dict, header: str = "") -> str:
    return header + yaml.dump(doc, Dumper=yaml_text.Dumper, allow_unicode=True, sort_keys=False, width=100)


header_comments = yaml_text.opening_comments


class _Build:
    """Turns the form's data into case.yaml's mapping, noting each value it cannot write."""

    def __init__(self, data: dict, original: dict, languages: list[str]):
        self.data, self.original, self.languages = data, original, languages
        self.errors: dict[str, list[str]] = {}

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def texts(self, values: dict, name: str, required: bool):
        """A text per language: a plain string for a course in one language."""
        given = {lang: ((values or {}).get(lang) or "").strip() for lang in self.languages}
        given = {lang: text for lang, text in given.items() if text}
        if required and self.languages[0] not in given:
            self.error(f"{name}-{self.languages[0]}", _("Write this in %(language)s.",
                                                       language=language_label(self.languages[0])))
        if not given:
            return None
        if len(self.languages) == 1:
            return given[self.languages[0]]
        return given

    def number(self, name: str, low, high, whole=True):
        raw = (self.data.get(name) if "-" not in name else self._nested(name)) or ""
        raw = raw.strip().replace(",", ".")
        if not raw:
            return None
        try:
            value = float(raw)
        except ValueError:
            value = None
        if value is None or value != value or not low <= value <= high or (whole and value != int(value)):
            self.error(name, _("A whole number from %(low)s to %(high)s.", low=low, high=high) if whole
                       else _("A number from %(low)s to %(high)s.", low=low, high=high))
            return None
        return int(value) if value == int(value) else value

    def _nested(self, name: str):
        value = self.data
        for part in name.split("-"):
            value = value[int(part)] if isinstance(value, list) else value.get(part)
        return value

    def slug(self, name: str, value: str, seen: set, what_twice: str):
        value = (value or "").strip()
        if not SLUG_RE.match(value):
            self.error(name, _("Use lowercase letters, digits and hyphens, e.g. case-file."))
            return None
        if value in seen:
            self.error(name, what_twice)
            return None
        seen.add(value)
        return value

    def kept(self, raw_list, orig: str, known: set) -> dict:
        """The keys the form does not know of the list item it was made from."""
        if not isinstance(raw_list, list) or not (orig or "").isdigit() or int(orig) >= len(raw_list):
            return {}
        entry = raw_list[int(orig)]
        return {k: plain(v) for k, v in entry.items() if k not in known} if isinstance(entry, dict) else {}

    def build(self) -> dict:
        data, original = self.data, self.original
        doc = {}
        doc["title"] = self.texts(data["title"], "title", True)
        for key in ("summary", "content_warning"):
            doc[key] = self.texts(data[key], key, False)
        doc["team_size"] = self.number("team_size", 1, 4)
        doc["pass_mark"] = self.number("pass_mark", 0, 100, whole=False)
        weights = {"written": self.number("weight_written", 0, 1_000_000, whole=False),
                   "oral": self.number("weight_oral", 0, 1_000_000, whole=False)}
        doc["weights"] = {k: v for k, v in weights.items() if v is not None} or None
        doc["stages"], renamed = self.stages()
        submissions = dict(plain({k: v for k, v in _mapping(original.get("submissions")).items()
                                   if k not in SUBMISSION_KEYS}))
        submissions["due"] = self.number("due", 0, 365)
        submissions["max_words"] = self.number("max_words", 50, 50_000)
        doc["submissions"] = {k: v for k, v in submissions.items() if v is not None} or None
        doc["documents"] = self.documents(renamed)
        doc["written_rubric"] = self.rubric("written", data.get("written_kind") == "banded", "written_rubric")
        if data.get("has_oral"):
            doc["oral_rubric"] = self.rubric("oral", False, "oral_rubric")
            hearing = dict(plain({k: v for k, v in _mapping(original.get("hearing")).items() if k not in HEARING_KEYS}))
            stage = (data.get("hearing_stage") or "").strip()
            hearing["stage"] = renamed.get(stage, stage) or None
            hearing["speaker_minutes"] = self.number("speaker_minutes", 1, 120)
            hearing["rebuttal_minutes"] = self.number("rebuttal_minutes", 0, 60)
            doc["hearing"] = {k: v for k, v in hearing.items() if v is not None} or None
        doc["peer_review"] = True if data.get("peer_review") else None
        if original.get("peer_review") is False and not data.get("peer_review"):
            doc["peer_review"] = False
        out = {k: v for k, v in doc.items() if v is not None}
        for key, value in original.items():  # keys the form does not know, as they were
            if key not in CASE_KEYS:
                out[key] = plain(value)
        return out

    def stages(self) -> tuple[list, dict]:
        raw, out, seen, renamed = self.original.get("stages"), [], set(), {}
        for i, stage in enumerate(self.data["stages"]):
            name = f"stages-{i}"
            entry = {"slug": self.slug(f"{name}-slug", stage["slug"], seen, _("Another stage has this name."))}
            entry["title"] = self.texts(stage["title"], f"{name}-title", True)
            if stage["opens"] == "days":
                entry["opens"] = self.number(f"{name}-days", 0, 365)
                if entry["opens"] is None and not (stage.get("days") or "").strip():
                    self.error(f"{name}-days", _("Give the number of days."))
            else:
                entry["opens"] = stage["opens"] if stage["opens"] in OPENS else "trainer"
            entry.update(self.kept(raw, stage.get("orig"), STAGE_KEYS))
            before = self.kept_slug(raw, stage.get("orig"))
            if before and entry["slug"] and before != entry["slug"]:
                renamed[before] = entry["slug"]
            out.append(entry)
        if not out:
            self.error("stages", _("A case has at least one stage."))
        return out, renamed

    @staticmethod
    def kept_slug(raw, orig) -> str | None:
        if isinstance(raw, list) and (orig or "").isdigit() and int(orig) < len(raw) and isinstance(raw[int(orig)], dict):
            return raw[int(orig)].get("slug")
        return None

    def documents(self, renamed: dict) -> list:
        raw, out, seen = self.original.get("documents"), [], set()
        for i, document in enumerate(self.data["documents"]):
            name = f"documents-{i}"
            entry = {"file": self.slug(f"{name}-file", document["file"], seen, _("Another document has this file."))}
            stage = (document.get("stage") or "").strip()
            entry["stage"] = renamed.get(stage, stage)
            roles = [role for role in ROLES if role in (document.get("roles") or [])]
            if not roles:
                self.error(f"{name}-roles", _("Tick who reads it."))
            entry["roles"] = "all" if roles == list(ROLES) else roles
            entry.update(self.kept(raw, document.get("orig"), DOCUMENT_KEYS))
            out.append(entry)
        if not out:
            self.error("documents", _("A case has at least one document."))
        return out

    def rubric(self, name: str, banded: bool, key: str) -> dict:
        original = _mapping(self.original.get(key))
        raw = _mapping(original.get("banded")).get("sub_criteria") if "banded" in original else original.get("criteria")
        out, seen = [], set()
        for i, criterion in enumerate(self.data[name]):
            field = f"{name}-{i}"
            entry = {"slug": self.slug(f"{field}-slug", criterion["slug"], seen, _("Another criterion has this name.")),
                     "title": self.texts(criterion["title"], f"{field}-title", True)}
            entry["weight"] = self.number(f"{field}-weight", 0, 1000, whole=False)
            if entry["weight"] is None or entry["weight"] <= 0:
                if not self.errors.get(f"{field}-weight"):
                    self.error(f"{field}-weight", _("A number above 0 (at most 1000)."))
            if not banded:
                levels = criterion.get("levels") or []
                if not 2 <= len(levels) <= MAX_LEVELS:
                    self.error(f"{field}-levels", _("A criterion has %(low)d to %(high)d levels.", low=2, high=MAX_LEVELS))
                entry["levels"] = [self.texts(level, f"{field}-levels-{j}", True) for j, level in enumerate(levels)]
            entry.update(self.kept(raw, criterion.get("orig"), CRITERION_KEYS))
            if banded:
                entry.pop("levels", None)
            out.append(entry)
        kept = {k: plain(v) for k, v in original.items() if k not in ("criteria", "banded")}
        if banded:
            return {"banded": {"sub_criteria": out} if out else True, **kept}
        if not out:
            self.error(name, _("Add at least one criterion."))
        return {"criteria": out, **kept}


def build(data: dict, original: dict, languages: list[str]) -> tuple[dict, dict[str, list[str]]]:
    """case.yaml's mapping from the form's data (the keys it does not know taken from
    ``original``), and the problems by field name."""
    builder = _Build(data, original, languages)
    return builder.build(), builder.errors


# --- checking the text with the package's reader ----------------------------------------------------

_line_paths = yaml_text.places_by_line


def field_for(path: tuple, languages: list[str]) -> str:
    """The form field a path of case.yaml is shown in (a section's name for a list as a whole)."""
    first = languages[0]

    def lang(rest):
        return rest[0] if rest and rest[0] in languages else first

    top, rest = path[0], list(path[1:])
    if top in ("title", "summary", "content_warning"):
        return f"{top}-{lang(rest)}"
    if top in ("team_size", "pass_mark", "peer_review"):
        return top
    if top == "weights":
        return "weight_oral" if rest[:1] == ["oral"] else "weight_written"
    if top == "submissions":
        return "max_words" if rest[:1] == ["max_words"] else "due"
    if top == "hearing":
        return {"speaker_minutes": "speaker_minutes", "rebuttal_minutes": "rebuttal_minutes"}.get(
            rest[0] if rest else None, "hearing_stage")
    if top in ("stages", "documents"):
        if not rest or not isinstance(rest[0], int):
            return top
        key = rest[1] if len(rest) > 1 else None
        if top == "stages":
            return f"stages-{rest[0]}-" + {"title": f"title-{lang(rest[2:])}", "opens": "opens"}.get(key, "slug")
        return f"documents-{rest[0]}-" + (key if key in ("file", "stage", "roles") else "file")
    if top in ("written_rubric", "oral_rubric"):
        name = top.split("_")[0]
        if rest[:1] == ["banded"]:
            rest = rest[1:]
        if rest[:1] in (["criteria"], ["sub_criteria"]):
            rest = rest[1:]
        if not rest or not isinstance(rest[0], int):
            return name
        i, key = rest[0], rest[1] if len(rest) > 1 else None
        if key == "levels":
            if len(rest) > 2 and isinstance(rest[2], int):
                return f"{name}-{i}-levels-{rest[2]}-{lang(rest[3:])}"
            return f"{name}-{i}-levels"
        return f"{name}-{i}-" + {"title": f"title-{lang(rest[2:])}", "weight": "weight"}.get(key, "slug")
    return ""


def check(course: Course, case: str, text: str, documents: set[str]) -> dict[str, list[str]]:
    """The problems the package's reader finds in case.yaml's ``text`` (its documents present:
    ``documents``, their stems), by form field ("" for the case as a whole)."""
    from courses.cases.package import parse_case_entry
    from courses.package import CourseContext, _Reader

    rel = f"cases/{case}/case.yaml"
    with tempfile.TemporaryDirectory(prefix="amicus-case-") as tmp:
        root = Path(tmp)
        folder = root / "cases" / case
        (folder / "documents").mkdir(parents=True)
        (folder / "case.yaml").write_text(text, encoding="utf-8")
        for path in documents:  # their text is the document's own business: its title line is enough here
            (folder / "documents" / path).write_text("# Document\n", encoding="utf-8")
        reader = _Reader(root, course.slug)
        ctx = CourseContext(slug=course.slug, languages=list(course.languages), asset_paths=set())
        entry = _Map(case=case)
        entry.line, entry.lines = 1, {"case": 1}
        parse_case_entry(reader, ctx, entry, "course.yaml")
    lines = _line_paths(load(text))
    prefix = f"{course.slug}/{rel}:"
    out: dict[str, list[str]] = {}
    for problem in reader.errors:
        name = ""
        if problem.startswith(prefix):
            number, _sep, message = problem[len(prefix):].partition(": ")
            path = lines.get(int(number)) if number.isdigit() else None
            name = field_for(path, list(course.languages)) if path else ""
            problem = message
        out.setdefault(name, []).append(problem)
    return out


# --- the page ----------------------------------------------------------------------------------------

_ACTION = re.compile(r"(?P<list>stages|documents|written|oral)(?:-(?P<i>\d+)(?:-levels-(?P<j>\d+))?)?-"
                     r"(?P<verb>up|down|remove|add|add-level)")


def apply(data: dict, action: str, languages: list[str]) -> None:
    """Move, remove or add an item of the form's data, as a button asked: LookupError for a
    button the page has not, Refusal (on the list's field) when a list is full."""
    match = _ACTION.fullmatch(action or "")
    if not match:
        raise LookupError(action)
    name, verb = match["list"], match["verb"]
    items = data[name]
    if (match["i"] is None) != (verb == "add"):
        raise LookupError(action)
    blank = {lang: "" for lang in languages}
    if verb == "add":
        limit = {"stages": MAX_STAGES, "documents": MAX_DOCUMENTS}.get(name, MAX_CRITERIA)
        if len(items) >= limit:
            raise Refusal(_("There can be at most %(max)d here.", max=limit), name)
        if name == "stages":
            items.append({"orig": "", "slug": "", "title": dict(blank), "opens": "trainer", "days": ""})
        elif name == "documents":
            stage = data["stages"][0]["slug"] if data["stages"] else ""
            items.append({"orig": "", "file": "", "stage": stage, "roles": [], "new_title": dict(blank)})
        else:
            items.append({"orig": "", "slug": "", "title": dict(blank), "weight": "",
                          "levels": [dict(blank) for _n in range(5)]})
        return
    i = int(match["i"])
    if i >= len(items):
        raise LookupError(action)
    if match["j"] is not None:
        levels, j = items[i]["levels"], int(match["j"])
        if verb != "remove" or j >= len(levels):
            raise LookupError(action)
        del levels[j]
    elif verb == "add-level":
        if len(items[i]["levels"]) >= MAX_LEVELS:
            raise Refusal(_("A criterion has %(low)d to %(high)d levels.", low=2, high=MAX_LEVELS), f"{name}-{i}-levels")
        items[i]["levels"].append(dict(blank))
    elif verb == "remove":
        del items[i]
    else:
        other = i - 1 if verb == "up" else i + 1
        if not 0 <= other < len(items):
            raise LookupError(action)
        items[i], items[other] = items[other], items[i]




def _present(course: Course) -> set[str]:
    return {f.path for f in drafts.files(course)}


def _document_files(course: Course, case: str, data: dict, present: set[str]) -> list[list[dict]]:
    """For each document of the form: its file in each language, whether it exists."""
    out = []
    for document in data["documents"]:
        stem = (document.get("file") or "").strip()
        files = []
        for j, lang in enumerate(course.languages):
            path = f"cases/{case}/documents/{stem}.md" if j == 0 else f"cases/{case}/documents/{stem}.{lang}.md"
            files.append({"lang": lang, "language": language_label(lang), "path": path,
                          "exists": bool(SLUG_RE.match(stem)) and path in present})
        out.append(files)
    return out


def _new_files(course: Course, case: str, data: dict, present: set[str], errors: dict) -> dict[str, str]:
    """The documents' Markdown files to create as drafts: path -> its first line (the title)."""
    out = {}
    for i, (document, files) in enumerate(zip(data["documents"], _document_files(course, case, data, present),
                                              strict=True)):
        if not SLUG_RE.match((document.get("file") or "").strip()):
            continue
        for item in files:
            title = " ".join(((document.get("new_title") or {}).get(item["lang"]) or "").split())
            if item["exists"]:
                continue
            if title:
                out[item["path"]] = f"# {title}\n\n"
            elif item["lang"] == course.languages[0]:
                errors.setdefault(f"documents-{i}-new_title-{item['lang']}", []).append(
                    _("Give the new document its title: the file %(path)s is made with it.", path=item["path"]))
    return out


def _index(form) -> dict:
    """Every field of the form by its name."""
    out = {}

    def walk(fields):
        for f in fields:
            out[f.name] = f
            if isinstance(f, FormField):
                walk(f.form)
            elif isinstance(f, FieldList):
                walk(f.entries)

    walk(form)
    return out


_SECTION = re.compile(r"stages|documents|written|oral|(?:written|oral)-\d+-levels")


def _put_errors(form, problems: dict[str, list[str]]) -> dict[str, list[str]]:
    """Each problem on its field; returns those of a section (the stages, a criterion's levels...)
    and, under "", those of the case as a whole."""
    fields, rest = _index(form), {}
    for name, messages in problems.items():
        f = fields.get(name)
        if f is not None and not isinstance(f, FormField | FieldList):
            f.errors = [*f.errors, *messages]
        else:
            rest.setdefault(name if _SECTION.fullmatch(name) else "", []).extend(messages)
    return rest


def _stage_choices(stages: list[str], current: str | None) -> list[SelectChoice]:
    """The stages to choose from, and the one chosen even if no stage has that name now (a stage
    renamed on the page: the choice shows what will be saved, and the reader says if it is wrong)."""
    return [SelectChoice(s, s) for s in stages] + (
        [SelectChoice(current, current)] if current and current not in stages else [])


def _render(course, path, case, form, data, drafted, status=200, problems=None, saved_text=None, message=None,
            pending=False, mine=None):
    present = _present(course)
    stages = [s.get("slug") for s in data["stages"] if s.get("slug")]
    for entry in form.documents:
        entry.form.stage.choices = _stage_choices(stages, entry.form.stage.data)
    form.hearing_stage.choices = [SelectChoice("", _("The last stage")),
                                  *_stage_choices(stages, form.hearing_stage.data)]
    files = _document_files(course, case, data, present)
    for entry, document_files in zip(form.documents, files, strict=True):
        if entry.form.orig.data and document_files[0]["exists"]:
            entry.form.file.render_kw = {"readonly": True}  # a file of the package: renamed in a package only
    lang = current_language()
    return render_template(
        "cases/studio.html", course=course, title=localized(course.titles, lang), path=path, case=case, form=form,
        drafted=drafted, files=files, problems=problems or {},
        saved_text=saved_text, mine=mine, message=message, pending=pending, languages=list(course.languages),
        text_url=url_for("studio.edit", slug=course.slug, path=path)), status


@trainer_required
def edit(slug: str, path: str):
    """A case's case.yaml as a form: settings, stages, documents, rubrics, hearing."""
    match = PATH.fullmatch(path)
    course = packages.authored_or_404(slug)
    if match is None:
        abort(404)
    case, languages = match["case"], list(course.languages)
    try:
        text, drafted = drafts.current_text(course, path)
    except LookupError:
        abort(404)
    try:
        doc = load(text)
        data = to_data(doc, languages)
    except (yaml.YAMLError, ValueError):
        return render_template("cases/studio.html", course=course, path=path, case=case, form=None,
                               text_url=url_for("studio.edit", slug=slug, path=path)), 200
    if request.method == "GET":
        form = make_form(languages, data={**data, "base": drafts.text_hash(text)})
        return _render(course, path, case, form, data, drafted)

    form = make_form(languages, formdata=request.form)  # its CSRF token: CSRFProtect checked it before the view
    data = form.data
    data.pop("csrf_token", None)
    if not re.fullmatch(r"[0-9a-f]{64}", data.get("base") or ""):
        abort(400)  # not a form of this page
    action = request.form.get("action", "save")
    if action != "save":
        try:
            apply(data, action, languages)
        except LookupError:
            abort(400)
        except Refusal as full:
            return _render(course, path, case, form, data, drafted, 422, {full.field: [str(full.message)]})
        again = make_form(languages, data=data)
        return _render(course, path, case, again, data, drafted, pending=True)

    fields_ok = form.validate()
    if drafts.text_hash(text) != (data.get("base") or ""):
        return _conflict(course, path, case, form, data, drafted, text, doc, languages)
    new_doc, problems = build(data, doc, languages)
    present = _present(course)
    new_files = _new_files(course, case, data, present, problems)
    generated = dump(new_doc, header_comments(text))
    if not problems and fields_ok:
        stems = {p.rsplit("/", 1)[1] for p in present | set(new_files) if p.startswith(f"cases/{case}/documents/")}
        problems = check(course, case, generated, stems)
    if problems or not fields_ok:
        return _render(course, path, case, form, data, drafted, 422, _put_errors(form, problems))
    try:
        drafts.save(current_user, course, path, generated, data.get("base") or "")
        drafts.start(current_user, course, new_files)
    except drafts.Conflict as conflict:
        db.session.rollback()
        return _conflict(course, path, case, form, data, drafted, conflict.saved, doc, languages)
    except PermissionError:
        db.session.rollback()
        abort(403)
    except Refusal as refusal:
        db.session.rollback()
        return _render(course, path, case, form, data, drafted, 422, {"": [str(refusal.message)]})
    db.session.commit()
    if new_files:
        flash(_("Draft saved, with the new documents' files: write their text, then publish the drafts."), "success")
    else:
        flash(_("Draft saved. Publish the drafts when they are ready."), "success")
    return redirect(url_for("case_studio.edit", slug=slug, path=path))


def _conflict(course, path, case, form, data, drafted, saved: str, doc, languages):
    """Another author saved the file since she opened the form: her values stay in the form, the
    text now saved is shown beside hers (as text, if the form makes one); saving again replaces it
    with the form (as the text editor does)."""
    form.base.data = drafts.text_hash(saved)
    # Her rows were numbered in the text she opened; saving again writes them over the text now
    # saved, where those numbers name other rows: they are new rows from now on (no stage renamed
    # on the strength of a position that is not hers).
    for rows in (form.stages, form.documents, form.written, form.oral):
        for entry in rows:
            entry.form.orig.data = ""
    for rows in ("stages", "documents", "written", "oral"):
        for row in data.get(rows) or []:
            if isinstance(row, dict):
                row["orig"] = ""
    new_doc, problems = build(data, doc, languages)
    mine = None if problems else dump(new_doc, header_comments(saved))
    message = _("Someone saved this case after you opened it. Your changes are still in the form below, and the text "
                "now saved is shown under it: saving again replaces that text with the form. To merge the two by "
                "hand, use the text editor.")
    return _render(course, path, case, form, data, drafted, 409, saved_text=saved, message=message, mine=mine)
