"""The `survey:` activity of a course package and its instrument file.

course.yaml:
    - survey: before                  # an activity slug
      title: {en: Before the course, zh: 课前问卷}
      phase: pre                      # pre, post or followup
      instrument: knowledge           # surveys/knowledge.yaml, shared by pre and post

surveys/knowledge.yaml: a list of items, each with an ``id`` that stays the same in every
phase so that answers match (docs/surveys.md lists the item types).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import yaml
from sqlalchemy import select

from courses.package import SLUG_RE, _Loader, _localized, _Map, _unknown_keys
from quizzes.surveys.items import CHOICE_TYPES, SCALE_TYPES, SurveyItem
from quizzes.surveys.models import PHASES, Survey
from training.extensions import db

ITEM_TYPES = ("knowledge", "likert", "self", "retro", "single", "multiple", "text")
ITEM_KEYS = {"id", "type", "text", "choices", "answer", "points", "labels", "reversed", "of", "phases", "headline"}
DEFAULT_PHASES = {"retro": ["post"], "text": ["post"]}


@dataclass
class SurveySpec:
    slug: str
    kind: str = "survey"
    titles: dict = field(default_factory=dict)
    content_warnings: dict = field(default_factory=dict)
    phase: str = "pre"
    instrument: str = ""
    items: list[SurveyItem] = field(default_factory=list)


def parse_survey_entry(reader, ctx, entry, rel) -> SurveySpec | None:
    _unknown_keys(reader, rel, entry, {"survey", "title", "phase", "instrument", "content_warning"}, "a survey")
    slug = entry.get("survey")
    if not isinstance(slug, str) or not SLUG_RE.match(slug):
        reader.error(rel, entry.lines.get("survey", entry.line), "a survey needs a slug: lowercase letters, digits, hyphens")
        return None
    spec = SurveySpec(slug=slug)
    spec.titles = _localized(reader, rel, entry, "title", ctx.languages, True)
    spec.content_warnings = _localized(reader, rel, entry, "content_warning", ctx.languages, False)
    spec.phase = entry.get("phase")
    if spec.phase not in PHASES:
        reader.error(rel, entry.lines.get("phase", entry.line), f"'phase' must be one of: {', '.join(PHASES)}")
        return None
    instrument = entry.get("instrument")
    if not isinstance(instrument, str) or not SLUG_RE.match(instrument):
        reader.error(rel, entry.lines.get("instrument", entry.line), "'instrument' names a file in surveys/ without '.yaml'")
        return None
    spec.instrument = instrument
    items = read_instrument(reader, ctx, f"surveys/{instrument}.yaml")
    if items is None:
        return None
    spec.items = [item for item in items if spec.phase in item.phases]
    if not spec.items:
        reader.error(f"surveys/{instrument}.yaml", 1, f"no item is asked in the {spec.phase!r} phase")
        return None
    return spec


def read_instrument(reader, ctx, rel) -> list[SurveyItem] | None:
    text = reader.text(rel, 256 * 1024)
    if text is None:
        if not (reader.root / rel).is_file():
            reader.error(rel, 1, f"the survey file {rel} does not exist")
        return None
    try:
        doc = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        reader.error(rel, mark.line + 1 if mark else 1, f"invalid YAML: {exc.problem or exc}")
        return None
    if not isinstance(doc, _Map) or not isinstance(doc.get("items"), list) or not doc["items"]:
        reader.error(rel, 1, "a survey file is a mapping with a non-empty 'items' list")
        return None
    _unknown_keys(reader, rel, doc, {"items"}, "a survey file")
    items, seen, lines = [], set(), {}
    errors_before = len(reader.errors)
    for index, raw in enumerate(doc["items"]):
        line = doc["items"].lines[index]
        if not isinstance(raw, _Map):
            reader.error(rel, line, "each item is a mapping with id, type and text")
            continue
        item = _item(reader, ctx, rel, raw, seen)
        if item is not None:
            items.append(item)
            lines[item.id] = raw.line
    types = {item.id: item.type for item in items}
    for item in items:
        if item.type == "retro" and types.get(item.of) != "self":
            reader.error(rel, lines[item.id], "a 'retro' item names the 'self' item it looks back on with 'of'")
    return None if len(reader.errors) > errors_before else items


def _item(reader, ctx, rel, raw: _Map, seen: set) -> SurveyItem | None:
    _unknown_keys(reader, rel, raw, ITEM_KEYS, "a survey item")
    item_id, kind = raw.get("id"), raw.get("type")
    if not isinstance(item_id, str) or not SLUG_RE.match(item_id):
        reader.error(rel, raw.lines.get("id", raw.line), "an item needs an 'id': lowercase letters, digits, hyphens")
        return None
    if item_id in seen:
        reader.error(rel, raw.lines["id"], f"the item id {item_id!r} is used twice")
        return None
    seen.add(item_id)
    if kind not in ITEM_TYPES:
        reader.error(rel, raw.lines.get("type", raw.line), f"'type' must be one of: {', '.join(ITEM_TYPES)}")
        return None
    item = SurveyItem(id=item_id, type=kind, text=_localized(reader, rel, raw, "text", ctx.languages, True))
    phases = raw.get("phases", DEFAULT_PHASES.get(kind, ["pre", "post"]))
    if not isinstance(phases, list) or not phases or any(p not in PHASES for p in phases):
        reader.error(rel, raw.lines.get("phases"), f"'phases' is a list from: {', '.join(PHASES)}")
        return None
    item = replace(item, phases=tuple(phases))
    if kind in CHOICE_TYPES:
        choices = raw.get("choices")
        if not isinstance(choices, list) or len(choices) < 2:
            reader.error(rel, raw.lines.get("choices", raw.line), "this item needs a 'choices' list of at least two")
            return None
        choice_texts = []
        for i, choice in enumerate(choices):
            holder = _Map({"choice": choice})
            holder.lines, holder.line = {"choice": choices.lines[i]}, choices.lines[i]
            choice_texts.append(_localized(reader, rel, holder, "choice", ctx.languages, True))
        item = replace(item, choices=tuple(choice_texts))
    if kind == "knowledge":
        answer = raw.get("answer")
        if not isinstance(answer, int) or isinstance(answer, bool) or not 0 <= answer < len(item.choices):
            reader.error(rel, raw.lines.get("answer", raw.line), "a knowledge item needs 'answer': the number of the right choice, from 0")
            return None
        item = replace(item, answer=answer)
    if kind in SCALE_TYPES:
        points = raw.get("points", 5)
        if points not in (5, 7):
            reader.error(rel, raw.lines.get("points"), "'points' is 5 or 7")
            return None
        item = replace(item, points=points, reversed=bool(raw.get("reversed", False)))
        labels = raw.get("labels")
        if labels is not None:
            if not isinstance(labels, dict) or any(not isinstance(v, list) or len(v) != points for v in labels.values()):
                reader.error(rel, raw.lines.get("labels"), f"'labels' maps each language to a list of {points} labels")
                return None
            item = replace(item, labels={lang: tuple(str(x) for x in v) for lang, v in labels.items()})
        if kind == "retro":
            item = replace(item, of=raw.get("of"))
    headline = raw.get("headline")
    if headline is not None:
        if headline != "self_report" or kind != "likert":
            reader.error(rel, raw.lines.get("headline"), "'headline: self_report' marks a likert item such as 'My knowledge increased'")
            return None
        item = replace(item, headline=headline)
    return item


def write_survey(course, activity, spec: SurveySpec) -> None:
    survey = db.session.execute(select(Survey).where(Survey.activity_id == activity.id)).scalar_one_or_none()
    if survey is None:
        survey = Survey(activity_id=activity.id)
        db.session.add(survey)
    survey.phase, survey.instrument, survey.titles = spec.phase, spec.instrument, spec.titles
    survey.items_json = [item.to_json() for item in spec.items]
