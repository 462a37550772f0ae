"""A survey instrument file (surveys/<name>.yaml) as the Studio's survey editor reads and writes it.

The editor (quizzes/surveys/studio.py) shows the file as items and fields and writes the text
back as a draft. This module turns the text into items and back (readable YAML in the library's
style: flow-style choices, labels and phases; the opening comment kept, other comments lost),
checks the text it writes with the package's own reader (``package.read_instrument``) and says
which item and key each problem concerns, and counts the stored answers an edit would affect
(a knowledge item's new right answer, an item removed or renamed).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from sqlalchemy import func, select

from courses.models import Activity
from courses.package import SLUG_RE, CourseContext, _Loader, _Reader
from courses.studio import yaml_text
from quizzes.surveys.items import CHOICE_TYPES, SCALE_TYPES
from quizzes.surveys.models import Survey, SurveyAnswer, SurveyResponse
from quizzes.surveys.package import DEFAULT_PHASES, read_instrument
from training.extensions import db

MAX_ITEMS = 200
MAX_CHOICES = 12
TEXT_MAX = 2000  # characters of one text (a question, a choice, a label list)
#: Where the editor's keys go in an item it writes (the library's order).
KEY_ORDER = ("id", "type", "headline", "of", "phases", "text", "choices", "answer", "points", "reversed", "labels")


class Unreadable(Exception):
    """The text is not an instrument the form can show (the text editor can still open it)."""


@dataclass
class Instrument:
    """An instrument file as data: its opening comment (kept), its top-level mapping (keys the
    editor does not know are kept as they are) and, in it, ``items``: each item as a mapping."""

    head: str
    doc: dict

    @property
    def items(self) -> list[dict]:
        return self.doc["items"]

    def index_of(self, item_id: str) -> int | None:
        return next((i for i, raw in enumerate(self.items) if raw.get("id") == item_id), None)


def parse(text: str) -> Instrument:
    """The instrument in ``text``; Unreadable when it is not a mapping with a list of item mappings."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise Unreadable(f"line {mark.line + 1}: {getattr(exc, 'problem', exc)}" if mark else str(exc)) from None
    if doc is None:
        doc = {"items": []}
    if not isinstance(doc, dict) or not isinstance(doc.get("items", []), list):
        raise Unreadable("a survey file is a mapping with an 'items' list")
    doc.setdefault("items", [])
    if any(not isinstance(raw, dict) for raw in doc["items"]):
        raise Unreadable("each item is a mapping with id, type and text")
    head = []
    for line in text.splitlines(keepends=True):
        if not line.startswith("#"):
            break
        head.append(line if line.endswith("\n") else line + "\n")
    return Instrument(head="".join(head), doc=doc)


class _Flow(list):
    """A list written on one line: [a, b]."""


class _FlowMap(dict):
    """A mapping written on one line: {en: ..., zh: ...}."""


class _Quoted(str):
    """A choice written in double quotes, as the library writes its English (ASCII) choices."""


class _Dumper(yaml_text.Dumper):
    def choose_scalar_style(self):
        style = super().choose_scalar_style()
        return '"' if style == "'" else style  # "survivors' stories", not 'survivors'' stories'


def _represent_str(dumper, value: str):
    style = "|" if "\n" in value.strip("\n") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(_Quoted, lambda dumper, value: dumper.represent_scalar(
    "tag:yaml.org,2002:str", str(value), style='"'))
_Dumper.add_representer(_Flow, lambda dumper, value: dumper.represent_sequence(
    "tag:yaml.org,2002:seq", list(value), flow_style=True))
_Dumper.add_representer(_FlowMap, lambda dumper, value: dumper.represent_mapping(
    "tag:yaml.org,2002:map", dict(value), flow_style=True))


def _styled(raw: dict) -> dict:
    out = dict(raw)
    if isinstance(out.get("phases"), list):
        out["phases"] = _Flow(out["phases"])
    if isinstance(out.get("choices"), list):
        out["choices"] = [_FlowMap({lang: _Quoted(v) if v[:1].isascii() else v for lang, v in c.items()})
                          if isinstance(c, dict) and all(isinstance(v, str) and "\n" not in v
                                                                     for v in c.values()) else c
                          for c in out["choices"]]
    if isinstance(out.get("labels"), dict):
        out["labels"] = {lang: _Flow(v) if isinstance(v, list) else v for lang, v in out["labels"].items()}
    return out


def dump(instrument: Instrument) -> str:
    """The instrument as readable YAML: its opening comment, then the top-level keys in their order."""
    doc = {key: ([_styled(raw) for raw in value] if key == "items" else copy.deepcopy(value))
           for key, value in instrument.doc.items()}
    body = yaml.dump(doc, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100_000,
                     default_flow_style=False)
    return instrument.head + body


# --- The package's reader, on the text the editor writes ---------------------------------------

class _TextReader(_Reader):
    """The package reader's error collector, reading one file from memory."""

    def __init__(self, rel: str, text: str, display_root: str):
        super().__init__(Path("/nonexistent"), display_root)
        self._rel, self._text = rel, text

    def text(self, rel: str, max_bytes: int) -> str | None:
        if rel != self._rel:
            return None
        if len(self._text.encode("utf-8")) > max_bytes:
            self.error(rel, 1, f"the file is larger than {max_bytes // 1024} KB")
            return None
        return self._text


@dataclass
class Problem:
    message: str
    line: int
    item: int | None = None  # the item's position in the file, if the problem is in an item
    key: str | None = None  # the item's key it concerns, if known


def check(text: str, rel: str, slug: str, languages: list[str]) -> list[Problem]:
    """What the package's reader (the one `courses sync` and publishing use) finds wrong with
    ``text`` as the instrument ``rel``, each problem placed on its item and key where it can be."""
    reader = _TextReader(rel, text, slug)
    read_instrument(reader, CourseContext(slug=slug, languages=list(languages), asset_paths=set()), rel)
    if not reader.errors:
        return []
    try:
        located = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader that keeps lines
    except yaml.YAMLError:
        located = None
    starts: list[tuple[int, int, dict]] = []  # (line, item index, {key: line})
    if isinstance(located, dict) and isinstance(located.get("items"), list):
        for index, raw in enumerate(located["items"]):
            if isinstance(raw, dict):
                starts.append((raw.line, index, dict(raw.lines)))
    problems = []
    prefix = f"{slug}/{rel}:"
    for error in reader.errors:
        rest = error[len(prefix):] if error.startswith(prefix) else error
        number, _, message = rest.partition(": ")
        line = int(number) if number.isdigit() else 1
        problem = Problem(message=message or rest, line=line)
        for start, index, keys in starts:
            if start <= line:
                problem.item = index
                at = [(key_line, key) for key, key_line in keys.items() if key_line <= line]
                problem.key = max(at)[1] if at else None
        problems.append(problem)
    return problems


# --- An item's fields ------------------------------------------------------------------------

@dataclass
class ItemFields:
    """One item as the form shows it: texts per language, choices as rows of texts per language."""

    id: str = ""
    type: str = "knowledge"
    text: dict[str, str] = field(default_factory=dict)
    phases: list[str] = field(default_factory=list)
    choices: list[dict[str, str]] = field(default_factory=list)
    answer: int | None = None
    points: int = 5
    reversed: bool = False
    labels: dict[str, list[str]] = field(default_factory=dict)
    of: str = ""
    headline: bool = False


def _texts(value, languages: list[str]) -> dict[str, str]:
    if isinstance(value, str):
        return {languages[0]: value}
    if isinstance(value, dict):
        return {str(lang): "" if text is None else str(text) for lang, text in value.items()}
    return {}


def fields_of(raw: dict, languages: list[str]) -> ItemFields:
    """The form's values for an item as the file has it."""
    kind = raw.get("type") if isinstance(raw.get("type"), str) else "text"
    phases = raw.get("phases", DEFAULT_PHASES.get(kind, ["pre", "post"]))
    labels = raw.get("labels") if isinstance(raw.get("labels"), dict) else {}
    answer = raw.get("answer")
    return ItemFields(
        id=str(raw.get("id", "")), type=kind, text=_texts(raw.get("text"), languages),
        phases=[p for p in phases if isinstance(p, str)] if isinstance(phases, list) else [],
        choices=[_texts(c, languages) for c in raw.get("choices") or [] if c is not None]
        if isinstance(raw.get("choices"), list) else [],
        answer=answer if isinstance(answer, int) and not isinstance(answer, bool) else None,
        points=raw.get("points", 5) if raw.get("points", 5) in (5, 7) else 5,
        reversed=bool(raw.get("reversed", False)),
        labels={str(lang): [str(x) for x in v] for lang, v in labels.items() if isinstance(v, list)},
        of=str(raw.get("of") or ""), headline=raw.get("headline") == "self_report")


def _localized_out(texts: dict[str, str], languages: list[str]):
    given = {lang: texts[lang].strip() for lang in languages if texts.get(lang, "").strip()}
    if len(languages) == 1 and list(given) == languages:
        return given[languages[0]]
    return given


def raw_of(fields: ItemFields, languages: list[str], previous: dict | None = None) -> dict:
    """The item's mapping for the file, keys in the library's order. Keys of ``previous`` (the
    item as the file had it) that the form does not show are kept."""
    kind = fields.type
    out: dict = {"id": fields.id, "type": kind}
    if kind == "likert" and fields.headline:
        out["headline"] = "self_report"
    if kind == "retro":
        out["of"] = fields.of
    if sorted(fields.phases) != sorted(DEFAULT_PHASES.get(kind, ["pre", "post"])):
        out["phases"] = [p for p in ("pre", "post", "followup") if p in fields.phases]
    out["text"] = _localized_out(fields.text, languages)
    if kind in CHOICE_TYPES:
        out["choices"] = [_localized_out(choice, languages) for choice in fields.choices]
    if kind == "knowledge":
        out["answer"] = fields.answer
    if kind in SCALE_TYPES:
        if fields.points != 5 or "points" in (previous or {}):
            out["points"] = fields.points
        if fields.reversed:
            out["reversed"] = True
        labels = {lang: fields.labels[lang] for lang in languages if fields.labels.get(lang)}
        if labels:
            out["labels"] = labels
    known = set(KEY_ORDER)
    for key, value in (previous or {}).items():
        if key not in known:
            out[key] = value
    return out


def missing_languages(raw: dict, languages: list[str]) -> list[str]:
    """The course's languages lacking a text of this item (its question, a choice or its labels)."""
    texts = [_texts(raw.get("text"), languages)]
    texts += [_texts(c, languages) for c in raw.get("choices") or [] if isinstance(raw.get("choices"), list)]
    lacking = [lang for lang in languages if any(not str(t.get(lang) or "").strip() for t in texts)]
    labels = raw.get("labels")
    if isinstance(labels, dict) and labels:
        lacking += [lang for lang in languages if not labels.get(lang) and lang not in lacking]
    return [lang for lang in languages if lang in lacking]


def valid_id(value: str) -> bool:
    return bool(SLUG_RE.match(value or ""))


# --- Stored answers an edit affects ------------------------------------------------------------

@dataclass
class Recount:
    """One survey activity using the instrument: how many answered an item, and how many of
    them are counted right with the right answer now published and with the new one."""

    activity: str
    phase: str
    answered: int
    right_now: int | None  # None: the published survey does not ask the item as a knowledge item
    right_then: int
    published_answer: int | None = None
    new_answer: int | None = None

    @property
    def changes(self) -> bool:
        return self.published_answer != self.new_answer


def answers_to(course_id: int, instrument: str, item_id: str) -> dict[int, tuple[Survey, dict[int, int]]]:
    """survey id -> (the survey, {answer: how many submitted responses gave it}) for the item, in
    the course's surveys of this instrument. Two statements, whatever the number of answers."""
    surveys = {s.id: s for s in db.session.execute(
        select(Survey).join(Activity, Activity.id == Survey.activity_id)
        .where(Activity.course_id == course_id, Survey.instrument == instrument)).scalars()}
    if not surveys:
        return {}
    counts = db.session.execute(
        select(SurveyResponse.survey_id, SurveyAnswer.value, func.count())
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .where(SurveyResponse.survey_id.in_(list(surveys)), SurveyResponse.state == "submitted",
               SurveyAnswer.item == item_id, SurveyAnswer.position == 0)
        .group_by(SurveyResponse.survey_id, SurveyAnswer.value)).all()
    out: dict[int, tuple[Survey, dict[int, int]]] = {}
    for survey_id, value, n in counts:
        out.setdefault(survey_id, (surveys[survey_id], {}))[1][value] = n
    return out


def _slugs(surveys: list[Survey]) -> dict[int, str]:
    if not surveys:
        return {}
    return dict(db.session.execute(select(Activity.id, Activity.slug).where(
        Activity.id.in_([s.activity_id for s in surveys]))).all())


def recount(course_id: int, instrument: str, item_id: str, new_answer: int) -> list[Recount]:
    """What a new right answer of a knowledge item changes in the stored answers, per survey
    activity that has answers to it: the scores are counted when the results are read, so once
    published, every stored answer is counted with the new right answer."""
    found = answers_to(course_id, instrument, item_id)
    slugs = _slugs([survey for survey, _ in found.values()])
    out = []
    for survey, values in sorted(found.values(), key=lambda pair: ("pre", "post", "followup").index(pair[0].phase)
                                 if pair[0].phase in ("pre", "post", "followup") else 3):
        published = next((i for i in survey.items if i.id == item_id and i.type == "knowledge"), None)
        out.append(Recount(activity=slugs.get(survey.activity_id, ""), phase=survey.phase,
                           answered=sum(values.values()),
                           right_now=None if published is None else values.get(published.answer, 0),
                           right_then=values.get(new_answer, 0),
                           published_answer=None if published is None else published.answer, new_answer=new_answer))
    return out


def answered(course_id: int, instrument: str, item_id: str) -> list[tuple[str, str, int]]:
    """(activity, phase, how many submitted responses answered the item), per survey activity
    with answers to it."""
    found = answers_to(course_id, instrument, item_id)
    slugs = _slugs([survey for survey, _ in found.values()])
    return [(slugs.get(survey.activity_id, ""), survey.phase, sum(values.values()))
            for survey, values in found.values()]
