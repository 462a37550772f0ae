"""The `case:` activity of a course package: cases/<slug>/case.yaml and its documents.

docs/cases.md describes the format. Everything is checked here, with file:line errors, so a
running exercise never meets a rubric or stage it cannot handle.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import yaml
from sqlalchemy import delete, select

from courses.cases.models import ROLES, SIDES, CaseDocument, CaseExercise
from courses.cases.settings import CaseSettings, Criterion, Hearing, Rubric, StageSpec, Weights
from courses.package import (
    LESSON_MAX_BYTES,
    SLUG_RE,
    _Loader,
    _localized,
    _Map,
    _split_title,
    _unknown_keys,
)
from courses.sync import asset_prefix
from training.extensions import db
from training.markdown import render_markdown

CASE_KEYS = {"title", "summary", "content_warning", "team_size", "pass_mark", "weights", "stages",
             "submissions", "documents", "written_rubric", "oral_rubric", "hearing", "peer_review"}
STAGE_KEYS = {"slug", "title", "opens"}
DOCUMENT_KEYS = {"file", "stage", "roles"}
CRITERION_KEYS = {"slug", "title", "weight", "levels"}
MAX_LEVELS = 10


@dataclass
class CaseSpec:
    slug: str
    kind: str = "case"
    titles: dict = field(default_factory=dict)
    content_warnings: dict = field(default_factory=dict)
    settings: CaseSettings = field(default_factory=CaseSettings)
    documents: list[dict] = field(default_factory=list)


def parse_case_entry(reader, ctx, entry, rel) -> CaseSpec | None:
    _unknown_keys(reader, rel, entry, {"case"}, "a case exercise (its settings are in its case.yaml)")
    slug = entry.get("case")
    if not isinstance(slug, str) or not SLUG_RE.match(slug):
        reader.error(rel, entry.lines.get("case", entry.line), "a case exercise is named by its folder in cases/: "
                     "lowercase letters, digits and hyphens")
        return None
    folder = f"cases/{slug}"
    case_rel = f"{folder}/case.yaml"
    text = reader.text(case_rel, 256 * 1024)
    if text is None:
        if not (reader.root / case_rel).is_file():
            reader.error(rel, entry.lines.get("case"), f"the case file {case_rel} does not exist")
        return None
    try:
        doc = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        reader.error(case_rel, mark.line + 1 if mark else 1, f"invalid YAML: {exc.problem or exc}")
        return None
    if not isinstance(doc, _Map):
        reader.error(case_rel, 1, "case.yaml is a mapping of keys to values")
        return None
    return _CaseReader(reader, ctx, case_rel, folder, doc).read(slug)


class _CaseReader:
    def __init__(self, reader, ctx, rel, folder, doc):
        self.reader, self.ctx, self.rel, self.folder, self.doc = reader, ctx, rel, folder, doc

    def error(self, mapping, key, message) -> None:
        line = mapping.lines.get(key, mapping.line) if isinstance(mapping, _Map) else None
        self.reader.error(self.rel, line, message)

    def text(self, mapping, key, required=False) -> dict:
        return _localized(self.reader, self.rel, mapping, key, self.ctx.languages, required)

    def number(self, mapping, key, low, high, default, whole=True):
        value = mapping.get(key, default)
        if value is default:
            return default
        if (isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high
                or (whole and value != int(value))):
            kind = "a whole number" if whole else "a number"
            self.error(mapping, key, f"'{key}' is {kind} from {low} to {high}")
            return default
        return int(value) if whole else float(value)

    def read(self, slug: str) -> CaseSpec | None:
        doc = self.doc
        _unknown_keys(self.reader, self.rel, doc, CASE_KEYS, "case.yaml")
        spec = CaseSpec(slug=slug, titles=self.text(doc, "title", True),
                        content_warnings=self.text(doc, "content_warning"))
        stages = self.stages()
        oral = self.rubric("oral_rubric", banded_allowed=False) if "oral_rubric" in doc else None
        written = self.rubric("written_rubric", banded_allowed=True)
        weights = self.weights(oral is not None)
        hearing = self.hearing(oral is not None, stages)
        submissions = doc.get("submissions", _Map())
        if not isinstance(submissions, _Map):
            self.error(doc, "submissions", "'submissions' is a mapping with 'due' (days) and 'max_words'")
            submissions = _Map()
        _unknown_keys(self.reader, self.rel, submissions, {"due", "max_words"}, "'submissions'")
        peer_review = doc.get("peer_review", False)
        if not isinstance(peer_review, bool):
            self.error(doc, "peer_review", "'peer_review' is true or false")
            peer_review = False
        spec.settings = CaseSettings(
            summaries=self.text(doc, "summary"),
            team_size=self.number(doc, "team_size", 1, 4, 2),
            pass_mark=self.number(doc, "pass_mark", 0, 100, 60.0, whole=False),
            weights=weights,
            stages=tuple(stages),
            due_days=self.number(submissions, "due", 0, 365, 7),
            max_words=self.number(submissions, "max_words", 50, 50_000, None),
            written_rubric=written,
            oral_rubric=oral,
            hearing=hearing,
            peer_review=peer_review,
        )
        spec.documents = self.documents({s.slug for s in stages})
        return None if written is None or not stages else spec

    def stages(self) -> list[StageSpec]:
        raw = self.doc.get("stages")
        if not isinstance(raw, list) or not raw:
            self.error(self.doc, "stages", "'stages' is a non-empty list of stages (slug, title, opens)")
            return []
        stages, seen = [], set()
        for i, entry in enumerate(raw):
            if not isinstance(entry, _Map):
                self.reader.error(self.rel, raw.lines[i], "each stage is a mapping with slug, title and opens")
                continue
            _unknown_keys(self.reader, self.rel, entry, STAGE_KEYS, "a stage")
            slug = entry.get("slug")
            if not isinstance(slug, str) or not SLUG_RE.match(slug):
                self.error(entry, "slug", "a stage needs a 'slug': lowercase letters, digits and hyphens")
                continue
            if slug in seen:
                self.error(entry, "slug", f"the stage {slug!r} is listed twice")
                continue
            seen.add(slug)
            opens = entry.get("opens", "trainer")
            if not (opens in ("start", "trainer") or (isinstance(opens, int) and not isinstance(opens, bool)
                                                       and 0 <= opens <= 365)):
                self.error(entry, "opens", "'opens' is start, trainer, or a number of days after the cohort starts (0-365)")
                opens = "trainer"
            stages.append(StageSpec(slug=slug, titles=self.text(entry, "title", True), opens=opens))
        return stages

    def weights(self, has_oral: bool) -> Weights:
        default = Weights(50.0, 50.0) if has_oral else Weights(100.0, 0.0)
        raw = self.doc.get("weights")
        if raw is None:
            return default
        if not isinstance(raw, _Map) or set(raw) - {"written", "oral"} or not all(
                isinstance(v, int | float) and not isinstance(v, bool) and v >= 0 for v in raw.values()):
            self.error(self.doc, "weights", "'weights' is {written: N, oral: N} with numbers of 0 or more")
            return default
        weights = Weights(written=float(raw.get("written", 0)), oral=float(raw.get("oral", 0)))
        if weights.oral and not has_oral:
            self.error(self.doc, "weights", "'weights' gives the oral hearing a weight, but there is no 'oral_rubric'")
        if weights.written + weights.oral <= 0:
            self.error(self.doc, "weights", "'weights' must not all be 0")
            return default
        return weights

    def hearing(self, has_oral: bool, stages: list[StageSpec]) -> Hearing | None:
        """The hearing: the stage it opens with (default: the last) and the clerk's timer."""
        raw = self.doc.get("hearing", _Map())
        if "hearing" in self.doc and not has_oral:
            self.error(self.doc, "hearing", "'hearing' needs an 'oral_rubric' (the judges' scoring sheet)")
        if not has_oral or not stages:
            return None
        if not isinstance(raw, _Map):
            self.error(self.doc, "hearing", "'hearing' is a mapping with stage, speaker_minutes and rebuttal_minutes")
            return None
        _unknown_keys(self.reader, self.rel, raw, {"stage", "speaker_minutes", "rebuttal_minutes"}, "'hearing'")
        stage = raw.get("stage", stages[-1].slug)
        if stage not in {s.slug for s in stages}:
            self.error(raw, "stage", "'stage' names the stage with which the hearing opens")
            stage = stages[-1].slug
        return Hearing(stage=stage, speaker_minutes=self.number(raw, "speaker_minutes", 1, 120, 10),
                       rebuttal_minutes=self.number(raw, "rebuttal_minutes", 0, 60, 0))

    def rubric(self, key: str, banded_allowed: bool) -> Rubric | None:
        raw = self.doc.get(key)
        if not isinstance(raw, _Map):
            forms = "'criteria: [...]' or 'banded: ...'" if banded_allowed else "'criteria: [...]'"
            self.error(self.doc, key, f"'{key}' is a mapping with {forms}")
            return None
        allowed = {"criteria", "banded"} if banded_allowed else {"criteria"}
        _unknown_keys(self.reader, self.rel, raw, allowed, f"'{key}'")
        if ("criteria" in raw) == ("banded" in raw):
            self.error(raw, None, f"'{key}' has either 'criteria' or 'banded', not both or neither")
            return None
        if "banded" in raw:
            return self.banded(raw)
        criteria = self.criteria(raw, "criteria", with_levels=True)
        return Rubric(kind="criteria", criteria=tuple(criteria)) if criteria else None

    def banded(self, raw: _Map) -> Rubric | None:
        banded = raw["banded"]
        if banded is True:
            return Rubric(kind="banded")
        if not isinstance(banded, _Map):
            self.error(raw, "banded", "'banded' is true, or a mapping with 'sub_criteria'")
            return None
        _unknown_keys(self.reader, self.rel, banded, {"sub_criteria"}, "'banded'")
        criteria = self.criteria(banded, "sub_criteria", with_levels=False)
        return Rubric(kind="banded", criteria=tuple(criteria)) if criteria else None

    def criteria(self, parent: _Map, key: str, with_levels: bool) -> list[Criterion]:
        raw = parent.get(key)
        if not isinstance(raw, list) or not raw:
            self.error(parent, key, f"'{key}' is a non-empty list of criteria")
            return []
        allowed = CRITERION_KEYS if with_levels else CRITERION_KEYS - {"levels"}
        out, seen, ok = [], set(), True
        for i, entry in enumerate(raw):
            if not isinstance(entry, _Map):
                self.reader.error(self.rel, raw.lines[i], "each criterion is a mapping with slug, title and weight")
                ok = False
                continue
            _unknown_keys(self.reader, self.rel, entry, allowed, "a criterion")
            slug = entry.get("slug")
            if not isinstance(slug, str) or not SLUG_RE.match(slug) or slug in seen:
                self.error(entry, "slug", "a criterion needs a 'slug' of its own: lowercase letters, digits and hyphens")
                ok = False
                continue
            seen.add(slug)
            weight = entry.get("weight")
            if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 < weight <= 1000:
                self.error(entry, "weight", "'weight' is a number above 0 (at most 1000)")
                ok = False
                continue
            titles = self.text(entry, "title", True)
            texts = []
            if with_levels:
                levels = entry.get("levels")
                if not isinstance(levels, list) or not 2 <= len(levels) <= MAX_LEVELS:
                    self.error(entry, "levels", f"'levels' lists 2 to {MAX_LEVELS} described levels, lowest first")
                    ok = False
                    continue
                for j, level in enumerate(levels):
                    holder = _Map(level=level)
                    holder.line, holder.lines = levels.lines[j], {"level": levels.lines[j]}
                    texts.append(self.text(holder, "level", True))
            out.append(Criterion(slug=slug, titles=titles, weight=float(weight), levels=tuple(texts)))
        return out if ok else []

    def documents(self, stage_slugs: set[str]) -> list[dict]:
        raw = self.doc.get("documents")
        if not isinstance(raw, list) or not raw:
            self.error(self.doc, "documents", "'documents' is a non-empty list (file, stage, roles)")
            return []
        out, seen = [], set()
        for i, entry in enumerate(raw):
            if not isinstance(entry, _Map):
                self.reader.error(self.rel, raw.lines[i], "each document is a mapping with file, stage and roles")
                continue
            _unknown_keys(self.reader, self.rel, entry, DOCUMENT_KEYS, "a document")
            stem = entry.get("file")
            if not isinstance(stem, str) or not SLUG_RE.match(stem):
                self.error(entry, "file", "'file' names a file of documents/ without '.md'")
                continue
            if stem in seen:
                self.error(entry, "file", f"the document {stem!r} is listed twice")
                continue
            seen.add(stem)
            stage = entry.get("stage")
            if stage not in stage_slugs:
                self.error(entry, "stage", f"'stage' names one of this case's stages ({', '.join(sorted(stage_slugs))})")
                continue
            roles = entry.get("roles")
            if roles == "all":
                roles = list(ROLES)
            if not isinstance(roles, list) or not roles or any(r not in ROLES for r in roles):
                self.error(entry, "roles", f"'roles' is all, or a list from: {', '.join(ROLES)}")
                continue
            document = {"slug": stem, "stage": stage, "roles": [r for r in ROLES if r in roles],
                        "titles": {}, "bodies": {}}
            for j, lang in enumerate(self.ctx.languages):
                doc_rel = f"{self.folder}/documents/{stem}.md" if j == 0 else f"{self.folder}/documents/{stem}.{lang}.md"
                text = self.reader.text(doc_rel, LESSON_MAX_BYTES)
                if text is None:
                    if j == 0 and not (self.reader.root / doc_rel).is_file():
                        self.error(entry, "file", f"the document {doc_rel} does not exist")
                    continue
                title, body = _split_title(self.reader, doc_rel, text)
                if title is not None:
                    document["titles"][lang], document["bodies"][lang] = title, body
            if document["titles"]:
                out.append(document)
        if out and not any(set(d["roles"]) & set(SIDES) for d in out):
            self.error(self.doc, "documents", "no document is released to the applicant or respondent")
        return out


def write_case(course, activity, spec: CaseSpec) -> None:
    exercise = db.session.execute(
        select(CaseExercise).where(CaseExercise.activity_id == activity.id)).scalar_one_or_none()
    if exercise is None:
        exercise = CaseExercise(activity_id=activity.id)
        db.session.add(exercise)
    exercise.settings_json = spec.settings.to_json()
    db.session.flush()
    db.session.execute(delete(CaseDocument).where(CaseDocument.exercise_id == exercise.id))
    for position, document in enumerate(spec.documents):
        db.session.add(CaseDocument(
            exercise_id=exercise.id, slug=document["slug"], position=position, stage=document["stage"],
            roles=document["roles"], titles=document["titles"],
            html={lang: render_markdown(body, asset_prefix(course.slug)) for lang, body in document["bodies"].items()},
        ))
