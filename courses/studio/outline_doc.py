"""course.yaml as a document the outline editor changes: read, edited step by step, written back.

The editor works on the plain data of the file (``yaml.safe_load``) and writes it back in the
package's style (``yaml.safe_dump``, keys in their order): every key it does not know, at any
level, stays as it was; comments do not survive (the page says so). Before a text is saved it is
checked with the package reader itself (``courses.package.read_package``) on the course's files
as publishing would see them: the newest version's, the drafts, and this text.
"""
from __future__ import annotations

import re
import tempfile
import unicodedata
from datetime import date
from pathlib import Path

import yaml
from flask_babel import lazy_gettext as _l

from courses.package import _Loader, plain, read_package
from courses.studio import yaml_text
from training.refusals import Refusal

PATH = "course.yaml"
MAX_MODULES = 60
MAX_ACTIVITIES = 80  # in one module

# Where a key goes when the editor adds it (a key already there keeps its place).
COURSE_ORDER = ("title", "summary", "track", "languages", "last_reviewed", "content_warning", "sequential",
                "handbook", "completion", "certificate", "modules")
MODULE_ORDER = ("slug", "title", "summary", "requires_previous", "activities")
ACTIVITY_ORDER = ("lesson", "quiz", "survey", "case", "title", "content_warning", "phase", "instrument",
                  "pass_mark", "attempts", "grading", "shuffle_questions", "shuffle_answers", "time_limit",
                  "review", "from_bank")
COMPLETION_ORDER = ("lessons", "quizzes", "surveys", "cases", "attendance")
CERTIFICATE_ORDER = ("title", "text", "organisation", "logo", "signatories", "colours", "valid_for_months")
#: completion's keys and the kind each one lists (certificates/package.py reads them; courses may not
#: import certificates, so the names are repeated here and the reader checks them).
COMPLETION_KINDS = {"lessons": "lesson", "quizzes": "quiz", "surveys": "survey", "cases": "case"}
_LINE = re.compile(r"^[^:]*course\.yaml:(\d+): (.*)$", re.S)


class OutlineError(Refusal):
    """The file cannot be edited as an outline (broken YAML, not a mapping, no module list)."""


def load(text: str) -> dict:
    """The data of a course.yaml text; OutlineError when only the text editor can fix it."""
    try:
        doc = plain(yaml.load(text, Loader=_Loader))  # noqa: S506 - a SafeLoader: also refuses a key given twice
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise OutlineError(_l("line %(line)d: %(problem)s", line=mark.line + 1 if mark else 1,
                              problem=getattr(exc, "problem", None) or str(exc))) from None
    if not isinstance(doc, dict):
        raise OutlineError(_l("course.yaml is not a mapping of keys to values."))
    modules = doc.get("modules")
    if not isinstance(modules, list) or not all(isinstance(m, dict) for m in modules):
        raise OutlineError(_l("'modules' is not a list of modules."))
    for module in modules:
        acts = module.get("activities", [])
        if not isinstance(acts, list) or not all(isinstance(a, dict) for a in acts):
            raise OutlineError(_l("A module's 'activities' is not a list of activities."))
    return doc



class _Dumper(yaml_text.Dumper):
    """The library's style, and short lists of names on one line (``languages: [en, zh]``)."""


def _list(dumper: yaml.SafeDumper, value: list):
    short = all(isinstance(v, str) and "\n" not in v for v in value) and sum(len(v) + 2 for v in value) < 80
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=bool(value) and short)


_Dumper.add_representer(list, _list)


def dump(doc: dict) -> str:
    return yaml.dump(doc, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=4096)


# --- Reading and writing values ---------------------------------------------------------------------

def texts(value, languages: list[str]) -> dict[str, str]:
    """A localized text (a string in the first language, or {lang: text}) as {lang: text}."""
    if isinstance(value, str):
        return {languages[0]: value}
    if isinstance(value, dict):
        return {lang: text for lang, text in value.items() if isinstance(text, str)}
    return {}


def put(mapping: dict, key: str, value, order: tuple[str, ...]) -> dict:
    """Set ``key`` in place; a new key goes where ``order`` puts it. Returns the mapping (changed in place)."""
    if key in mapping or key not in order:
        mapping[key] = value
        return mapping
    items = list(mapping.items())
    later = set(order[order.index(key) + 1:])
    at = next((i for i, (k, _) in enumerate(items) if k in later), len(items))
    items.insert(at, (key, value))
    mapping.clear()
    mapping.update(items)
    return mapping


def put_texts(mapping: dict, key: str, values: dict[str, str], languages: list[str], order: tuple[str, ...],
              title: bool = False) -> None:
    """Write a localized text: absent when empty; a plain string where the file had one and only the
    first language is given; else {lang: text} in the course's language order."""
    clean = {}
    for lang in languages:
        # Control characters (a NUL...) have no place in a title or a summary: the database refuses some.
        text = "".join(ch for ch in values.get(lang) or "" if ch in "\n\t" or unicodedata.category(ch) != "Cc").strip()
        if text:
            clean[lang] = " ".join(text.split()) if title else text.replace("\r\n", "\n")
    if not clean:
        mapping.pop(key, None)
        return
    if isinstance(mapping.get(key), str) and list(clean) == [languages[0]]:
        put(mapping, key, clean[languages[0]], order)
        return
    put(mapping, key, clean, order)


def put_optional(mapping: dict, key: str, value, default, order: tuple[str, ...]) -> None:
    """Write ``value``, but add no key that only says the default (a key already written stays written)."""
    if value is None:
        mapping.pop(key, None)
    elif key in mapping or value != default:
        put(mapping, key, value, order)


def kind_of(activity: dict, kinds: tuple[str, ...]) -> str | None:
    found = [k for k in activity if k in kinds]
    return found[0] if len(found) == 1 else None


# --- Steps on the outline --------------------------------------------------------------------------

def _module(doc: dict, m: int) -> dict:
    modules = doc["modules"]
    if not 0 <= m < len(modules):
        raise LookupError(m)
    return modules[m]


def activity(doc: dict, m: int, a: int) -> dict:
    acts = _module(doc, m).get("activities") or []
    if not 0 <= a < len(acts):
        raise LookupError((m, a))
    return acts[a]


def move_module(doc: dict, m: int, step: int) -> int:
    """Move module ``m`` up (-1) or down (+1); returns its new index."""
    modules = doc["modules"]
    _module(doc, m)
    to = m + step
    if not 0 <= to < len(modules):
        raise LookupError(to)
    modules[m], modules[to] = modules[to], modules[m]
    return to


def remove_module(doc: dict, m: int, kinds: tuple[str, ...]) -> dict:
    module = _module(doc, m)
    for act in module.get("activities") or []:
        _forget_required(doc, act, kinds)
    del doc["modules"][m]
    return module


def move_activity(doc: dict, m: int, a: int, step: int) -> tuple[int, int]:
    """Move an activity up (-1) or down (+1) in its module; from the first place up it goes to the
    end of the previous module, from the last place down to the start of the next. Returns where it is."""
    acts = _module(doc, m).setdefault("activities", [])
    activity(doc, m, a)
    to = a + step
    if 0 <= to < len(acts):
        acts[a], acts[to] = acts[to], acts[a]
        return m, to
    target = m + step
    if not 0 <= target < len(doc["modules"]):
        raise LookupError(target)
    moved = acts.pop(a)
    other = _module(doc, target).setdefault("activities", [])
    if len(other) >= MAX_ACTIVITIES:
        raise Refusal(_l("A module may have at most %(max)d activities.", max=MAX_ACTIVITIES))
    if step < 0:
        other.append(moved)
        return target, len(other) - 1
    other.insert(0, moved)
    return target, 0


def remove_activity(doc: dict, m: int, a: int, kinds: tuple[str, ...]) -> dict:
    """Take an activity out of the outline (its files stay in the package) and out of the completion rule's lists."""
    act = activity(doc, m, a)
    _forget_required(doc, act, kinds)
    del doc["modules"][m]["activities"][a]
    return act


def _forget_required(doc: dict, act: dict, kinds: tuple[str, ...]) -> None:
    kind = kind_of(act, kinds)
    completion = doc.get("completion")
    if kind is None or not isinstance(completion, dict):
        return
    for key, listed_kind in COMPLETION_KINDS.items():
        if listed_kind == kind and isinstance(completion.get(key), list):
            completion[key] = [slug for slug in completion[key] if slug != act[kind]]


def listed(doc: dict, kinds: tuple[str, ...]) -> list[tuple[str, str]]:
    """(kind, name) of every activity in the outline, in order."""
    out = []
    for module in doc["modules"]:
        for act in module.get("activities") or []:
            kind = kind_of(act, kinds)
            if kind is not None and isinstance(act[kind], str):
                out.append((kind, act[kind]))
    return out


# --- Checking a text as publishing would ------------------------------------------------------------

def _course_yaml_problems(course, text: str) -> list[tuple[int, str]]:
    from courses.studio import drafts

    with tempfile.TemporaryDirectory(prefix="amicus-outline-") as tmp:
        root = drafts.assemble(course, Path(tmp))  # what publishing the drafts would publish, with this text
        (root / PATH).write_text(text, encoding="utf-8")
        _spec, errors, _warnings = read_package(root, course.slug)
    out = []
    for error in errors:
        if not error.startswith(f"{course.slug}/{PATH}:"):
            continue  # another file's problem: publishing reports it on that file
        match = _LINE.match(error)
        out.append((int(match.group(1)), match.group(2)) if match else (1, error))
    return out


def problems(course, text: str, before: str | None) -> list[tuple[int, str]]:
    """The problems the package reader finds in course.yaml with ``text`` (line, message), leaving
    out those the text ``before`` had already (an outline step is not refused for an old problem)."""
    found = _course_yaml_problems(course, text)
    if found and before is not None:
        old = {message for _line, message in _course_yaml_problems(course, before)}
        found = [(line, message) for line, message in found if message not in old]
    return found


def paths_by_line(text: str) -> dict[int, tuple]:
    """For each line of ``text`` that starts a key or a list item, where it is in the document:
    ("modules", 1, "activities", 0, "pass_mark"). The innermost place wins on a shared line: the line
    of ``- slug: x`` is the module's slug."""
    try:
        doc = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError:
        return {}
    return yaml_text.places_by_line(doc)



def review_date(value) -> date | None:
    return value if isinstance(value, date) else None


# --- New files for a new activity ---------------------------------------------------------------------

def starter_files(kind: str, name: str, titles: dict[str, str], languages: list[str],
                  instrument: str | None = None) -> dict[str, str]:
    """The files a new activity needs to be read at all, in each language: a lesson's Markdown (its
    title as the heading), a quiz's GIFT with one question to replace, a case's folder
    (courses/studio/skeleton.py), or a survey's new ``instrument`` (two items to replace)."""
    from courses.studio import skeleton

    out = {}
    if kind == "case":
        return skeleton.case_files(name, titles, languages)
    if kind == "survey":
        return {f"surveys/{instrument}.yaml": skeleton.instrument_text(languages)} if instrument else {}
    for i, lang in enumerate(languages):
        suffix = "" if i == 0 else f".{lang}"
        title = titles.get(lang) or titles.get(languages[0]) or name.replace("-", " ")
        if kind == "lesson":
            body = "在这里写课文。" if lang == "zh" else "Write the lesson here."
            out[f"lessons/{name}{suffix}.md"] = f"# {title}\n\n{body}\n"
        elif kind == "quiz":
            question, right, wrong = (("下面哪一项是对的？", "正确答案", "错误答案") if lang == "zh"
                                      else ("Which of these is true?", "The right answer", "A wrong answer"))
            out[f"quizzes/{name}{suffix}.gift"] = f"::{question}::{question}\n{{\n  ={right}\n  ~{wrong}\n}}\n"
    return out


def start_files(user, course, files: dict[str, str]) -> list[str]:
    """Drafts of the files that do not exist yet (a file that exists is left as it is); returns
    the paths drafted."""
    from courses.studio import drafts

    return drafts.start(user, course, files)
