"""The `completion:` and `certificate:` keys of course.yaml (docs/authoring.md, "Certificates").

completion:                      # what completing the course means; every key is optional
  lessons: all                   # all (the default), none, or a list of lesson slugs
  quizzes: [01-framework-check]  # quizzes that must be passed
  surveys: [after-the-course]    # default: every pre and post survey (not follow-ups)
  cases: all                     # case exercises scored at or above their threshold
  attendance: 80%                # share of the cohort's sessions attended (present or late)

certificate:                     # or `certificate: false` for a course without certificates
  title: {en: Certificate of completion, zh: 结业证书}
  text: {en: has completed the course, zh: 已完成课程}
  organisation: {en: Amicus Legal Network, zh: ...}
  logo: assets/logo.svg
  signatories:
    - {name: Li Ming, role: {en: Course director, zh: 课程负责人}, signature: assets/li.png}
  colours: {primary: "#5b2333", accent: "#b08d57"}
  valid_for_months: 24           # optional expiry
"""
from __future__ import annotations

import re

from sqlalchemy import delete

from certificates.models import CertificateSettings
from courses.package import _localized, _Map, _unknown_keys, section_parser
from courses.sync import section_writer
from training.extensions import db

RULE_KEYS = {"lessons": "lesson", "quizzes": "quiz", "surveys": "survey", "cases": "case"}
PERCENT_RE = re.compile(r"^\s*(\d{1,3})\s*%?\s*$")
DESIGN_KEYS = {"title", "text", "organisation", "logo", "signatories", "colours", "valid_for_months"}
COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
MAX_SIGNATORIES = 3


def _default_required(spec) -> bool:
    """Activities required when the course does not say: all but follow-up surveys."""
    return not (spec.kind == "survey" and getattr(spec, "phase", None) == "followup")


@section_parser("certificates", ("completion", "certificate"))
def read_certificate_sections(reader, ctx, doc, modules) -> dict:
    rel = "course.yaml"
    activities = [a for m in modules for a in m.activities]
    required = [a.slug for a in activities if _default_required(a)]
    attendance = None
    completion = doc.get("completion")
    if completion is not None:
        if not isinstance(completion, _Map):
            reader.error(rel, doc.lines.get("completion"), "'completion' is a mapping such as {quizzes: all}")
        else:
            required = _read_rule(reader, rel, completion, activities)
            if "attendance" in completion:
                attendance = read_percent(completion["attendance"])
                if attendance is None:
                    reader.error(rel, completion.lines.get("attendance", completion.line),
                                 "'completion: attendance' is a share of the sessions from 1% to 100%, like 80%")

    raw = doc.get("certificate")
    if raw is False:
        return {"enabled": False, "required": required, "design": {}, "valid_months": None, "attendance": attendance}
    design: dict = {}
    valid_months = None
    if raw is not None and not isinstance(raw, _Map):
        reader.error(rel, doc.lines.get("certificate"), "'certificate' is a mapping, or false for no certificates")
    elif isinstance(raw, _Map):
        _unknown_keys(reader, rel, raw, DESIGN_KEYS, "certificate")
        for key in ("title", "text", "organisation"):
            if key in raw:
                design[key] = _localized(reader, rel, raw, key, ctx.languages, False)
        if "logo" in raw:
            design["logo"] = _asset(reader, ctx, rel, raw, "logo")
        design["signatories"] = _signatories(reader, ctx, rel, raw)
        colours = raw.get("colours", {})
        if not isinstance(colours, _Map) or set(colours) - {"primary", "accent"} or not all(
            isinstance(v, str) and COLOUR_RE.match(v) for v in colours.values()
        ):
            reader.error(rel, raw.lines.get("colours", raw.line),
                         "'colours' has 'primary' and 'accent', each like \"#5b2333\"")
        else:
            design["colours"] = dict(colours)
        valid_months = raw.get("valid_for_months")
        if valid_months is not None and (isinstance(valid_months, bool) or not isinstance(valid_months, int)
                                         or not 1 <= valid_months <= 240):
            reader.error(rel, raw.lines.get("valid_for_months"), "'valid_for_months' is a whole number from 1 to 240")
            valid_months = None
    return {"enabled": True, "required": required, "design": design, "valid_months": valid_months,
            "attendance": attendance}


def read_percent(value) -> int | None:
    """80, "80%" or "80 %" as 80; None unless a whole number from 1 to 100."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and PERCENT_RE.match(value):
        number = int(PERCENT_RE.match(value).group(1))
    else:
        return None
    return number if 1 <= number <= 100 else None


def _read_rule(reader, rel: str, completion: _Map, activities: list) -> list[str]:
    _unknown_keys(reader, rel, completion, set(RULE_KEYS) | {"attendance"}, "completion")
    by_kind: dict[str, list] = {}
    for a in activities:
        by_kind.setdefault(a.kind, []).append(a)
    required: list[str] = []
    for key, kind in RULE_KEYS.items():
        mine = by_kind.get(kind, [])
        value = completion.get(key, "default")
        line = completion.lines.get(key, completion.line)
        if value == "default":
            chosen = [a.slug for a in mine if _default_required(a)]
        elif value == "all":
            chosen = [a.slug for a in mine]
        elif value == "none":
            chosen = []
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            known = {a.slug for a in mine}
            chosen = []
            for slug in value:
                if slug not in known:
                    reader.error(rel, line, f"'completion: {key}' names {slug!r}, which is not a {kind} of this course")
                else:
                    chosen.append(slug)
        else:
            reader.error(rel, line, f"'completion: {key}' is all, none, or a list of {kind} slugs")
            chosen = []
        required += chosen
    order = {a.slug: i for i, a in enumerate(activities)}
    return sorted(set(required), key=order.__getitem__)


def _asset(reader, ctx, rel: str, parent: _Map, key: str) -> str | None:
    path = parent.get(key)
    if not isinstance(path, str) or path not in ctx.asset_paths:
        reader.error(rel, parent.lines.get(key, parent.line),
                     f"'{key}' names an image in the package's assets/ folder, like assets/logo.svg")
        return None
    return path


def _signatories(reader, ctx, rel: str, raw: _Map) -> list[dict]:
    people = raw.get("signatories", [])
    if not isinstance(people, list) or len(people) > MAX_SIGNATORIES:
        reader.error(rel, raw.lines.get("signatories", raw.line),
                     f"'signatories' is a list of at most {MAX_SIGNATORIES} people")
        return []
    out = []
    for i, person in enumerate(people):
        line = people.lines[i]
        if not isinstance(person, _Map):
            reader.error(rel, line, "a signatory is a mapping with name, role and optionally signature")
            continue
        _unknown_keys(reader, rel, person, {"name", "role", "signature"}, "a signatory")
        entry = {
            "name": _localized(reader, rel, person, "name", ctx.languages, True),
            "role": _localized(reader, rel, person, "role", ctx.languages, False),
        }
        if "signature" in person:
            entry["signature"] = _asset(reader, ctx, rel, person, "signature")
        out.append(entry)
    return out


@section_writer("certificates")
def write_certificate_settings(course, value: dict) -> None:
    db.session.execute(delete(CertificateSettings).where(CertificateSettings.course_id == course.id))
    if value and value.get("enabled"):
        db.session.add(CertificateSettings(
            course_id=course.id, required=value["required"], design=value["design"],
            valid_months=value["valid_months"], attendance=value.get("attendance")))
