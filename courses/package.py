"""Reading and validating a course package (a folder) without touching the database.

Every problem is reported as ``file:line: what is wrong`` and all of them are collected, so an
author fixes a package in one pass. docs/authoring.md describes the format.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

from courses.models import TRACKS
from courses.registration import import_reader_modules
from courses.style_checks import style_warnings
from training import activities as activity_kinds

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
SUPPORTED_LANGUAGES = ("en", "zh")
ASSET_TYPES = {
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".gif": ("image/gif", (b"GIF87a", b"GIF89a")),
    ".webp": ("image/webp", (b"RIFF",)),
    ".svg": ("image/svg+xml", ()),
}
ASSET_MAX_BYTES = 2 * 1024 * 1024
LESSON_MAX_BYTES = 512 * 1024
COURSE_KEYS = {"title", "summary", "track", "languages", "last_reviewed", "content_warning",
               "sequential", "modules", "handbook"}
HANDBOOK_KEYS = {"answer_key"}
MODULE_KEYS = {"slug", "title", "summary", "activities", "requires_previous"}
_IMAGE_RE = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)")


class PackageError(Exception):
    """One or more problems in course packages; ``errors`` holds ``file:line: message`` lines."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class LessonSpec:
    slug: str
    kind: str = "lesson"
    titles: dict[str, str] = field(default_factory=dict)
    bodies: dict[str, str] = field(default_factory=dict)  # lang -> Markdown without the title
    content_warnings: dict[str, str] = field(default_factory=dict)


@dataclass
class ModuleSpec:
    slug: str
    titles: dict[str, str]
    summaries: dict[str, str]
    requires_previous: bool
    activities: list = field(default_factory=list)


@dataclass
class AssetSpec:
    path: str
    mimetype: str
    data: bytes


@dataclass
class CourseSpec:
    slug: str
    path: Path
    titles: dict[str, str]
    summaries: dict[str, str]
    content_warnings: dict[str, str]
    track: str
    languages: list[str]
    sequential: bool
    last_reviewed: date | None
    modules: list[ModuleSpec]
    # How the course prints as a handbook (courses/handbook.py): {"answer_key": bool}.
    handbook: dict
    assets: dict[str, AssetSpec]
    content_hash: str
    # Course-level sections read by other packages (certificates: `completion`, `certificate`).
    sections: dict[str, object] = field(default_factory=dict)


class _Map(dict):
    """A YAML mapping that remembers the line of each key."""

    line = 0
    lines: dict


class _Seq(list):
    line = 0
    lines: list


def plain(value):
    """A value as read (these mappings and lists remember their lines) as plain dicts and lists, as
    yaml.safe_dump writes them: the Studio's form editors write files back from it."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


class _Loader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> _Map:
    loader.flatten_mapping(node)
    result = _Map()
    result.line, result.lines = node.start_mark.line + 1, {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str | int | float | bool | date) or key is None:
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be a plain word", key_node.start_mark
            )
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"the key {key!r} appears twice", key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> _Seq:
    result = _Seq(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.lines = [child.start_mark.line + 1 for child in node.value]
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


class _Reader:
    """Collects errors while one package is read."""

    def __init__(self, root: Path, display_root: str):
        self.root = root
        self.display_root = display_root
        self.errors: list[str] = []
        self.warnings: list[str] = []

    def where(self, rel: str, line: int | None) -> str:
        return f"{self.display_root}/{rel}:{line or 1}"

    def error(self, rel: str, line: int | None, message: str) -> None:
        self.errors.append(f"{self.where(rel, line)}: {message}")

    def text(self, rel: str, max_bytes: int) -> str | None:
        path = self.root / rel
        if not path.is_file():
            return None
        data = path.read_bytes()
        if len(data) > max_bytes:
            self.error(rel, 1, f"the file is larger than {max_bytes // 1024} KB")
            return None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            self.error(rel, line, "the file is not valid UTF-8")
            return None
        return text.replace("\r\n", "\n").replace("\r", "\n")


@dataclass
class CourseContext:
    slug: str
    languages: list[str]
    asset_paths: set[str]


# Top-level keys of course.yaml that other packages read, each with a function called for every
# package (the key may be absent) after the modules are read: fn(reader, ctx, doc, modules).
SectionParser = Callable[[_Reader, "CourseContext", _Map, list], object]
SECTION_PARSERS: dict[str, tuple[tuple[str, ...], SectionParser]] = {}


def section_parser(name: str, keys: tuple[str, ...]):
    """Register a reader of the top-level ``keys`` of course.yaml; its result is spec.sections[name]."""

    def decorator(fn: SectionParser) -> SectionParser:
        SECTION_PARSERS[name] = (keys, fn)
        return fn

    return decorator


def _localized(reader: _Reader, rel: str, parent: _Map, key: str, languages: list[str],
               required: bool) -> dict[str, str]:
    """A text given as a string (in the course's first language) or as {lang: text}."""
    line = parent.lines.get(key, parent.line)
    value = parent.get(key)
    if value is None:
        if required:
            reader.error(rel, parent.line, f"'{key}' is missing")
        return {}
    if isinstance(value, str):
        value = {languages[0]: value}
    if not isinstance(value, dict) or not value:
        reader.error(rel, line, f"'{key}' must be a text, or a mapping of language to text")
        return {}
    out = {}
    for lang, text in value.items():
        if lang not in languages:
            reader.error(rel, line, f"'{key}' has text in {lang!r}, which is not in the course's languages")
        elif not isinstance(text, str) or not text.strip():
            reader.error(rel, line, f"'{key}' in {lang!r} must be a non-empty text")
        else:
            out[lang] = " ".join(text.split()) if key == "title" else text.strip()
    return out


def _unknown_keys(reader: _Reader, rel: str, mapping: _Map, allowed: set[str], what: str) -> None:
    for key in mapping:
        if key not in allowed:
            reader.error(rel, mapping.lines.get(key), f"unknown key {key!r} in {what} "
                         f"(allowed: {', '.join(sorted(allowed))})")


def parse_lesson(reader: _Reader, ctx: CourseContext, entry: _Map, rel: str) -> LessonSpec | None:
    _unknown_keys(reader, rel, entry, {"lesson", "content_warning"}, "a lesson")
    stem = entry.get("lesson")
    line = entry.lines.get("lesson", entry.line)
    if not isinstance(stem, str) or not SLUG_RE.match(stem):
        reader.error(rel, line, "a lesson is named by its file name without '.md': lowercase "
                     "letters, digits and hyphens, e.g. '01-introduction'")
        return None
    spec = LessonSpec(slug=stem)
    spec.content_warnings = _localized(reader, rel, entry, "content_warning", ctx.languages, False)
    for i, lang in enumerate(ctx.languages):
        lesson_rel = f"lessons/{stem}.md" if i == 0 else f"lessons/{stem}.{lang}.md"
        text = reader.text(lesson_rel, LESSON_MAX_BYTES)
        if text is None:
            if i == 0 and not (reader.root / lesson_rel).is_file():
                reader.error(rel, line, f"the lesson file {lesson_rel} does not exist")
            continue
        title, body = _split_title(reader, lesson_rel, text)
        if title is None:
            continue
        for n, src in _image_refs(body):
            if not src.startswith("assets/"):
                reader.error(lesson_rel, n + 1, f"the image {src!r} must be a file in the package's assets/ folder")
            elif src not in ctx.asset_paths:
                reader.error(lesson_rel, n + 1, f"the image {src} does not exist")
        spec.titles[lang], spec.bodies[lang] = title, body
    return spec


def _split_title(reader: _Reader, rel: str, text: str) -> tuple[str | None, str]:
    lines = text.split("\n")
    for n, line in enumerate(lines):
        if not line.strip():
            continue
        if line.startswith("# ") and line[2:].strip():
            # Keep the line count so that Markdown line numbers still match the file.
            return line[2:].strip(), "\n" * (n + 1) + "\n".join(lines[n + 1:])
        break
    reader.error(rel, 1, "a lesson file starts with its title as a '# Title' line")
    return None, ""


def _image_refs(body: str):
    for n, line in enumerate(body.split("\n")):
        for match in _IMAGE_RE.finditer(line):
            yield n, match.group(1)


def _read_assets(reader: _Reader) -> dict[str, AssetSpec]:
    assets = {}
    folder = reader.root / "assets"
    if not folder.is_dir():
        return assets
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(reader.root).as_posix()
        kind = ASSET_TYPES.get(path.suffix.lower())
        if kind is None:
            reader.error(rel, 1, f"assets may be {', '.join(sorted(ASSET_TYPES))} files only")
            continue
        data = path.read_bytes()
        if len(data) > ASSET_MAX_BYTES:
            reader.error(rel, 1, f"an asset may be at most {ASSET_MAX_BYTES // (1024 * 1024)} MB")
            continue
        mimetype, magics = kind
        if magics and not any(data.startswith(m) for m in magics):
            reader.error(rel, 1, f"the file's content is not a {path.suffix.lower()[1:].upper()} image")
            continue
        if path.suffix.lower() == ".svg":
            lowered = data.lower()
            if b"<script" in lowered or re.search(rb"\son[a-z]+\s*=", lowered) or re.search(
                rb"(?:href|src)\s*=\s*[\"'](?:https?:|//)", lowered
            ):
                reader.error(rel, 1, "an SVG asset may not contain scripts, event handlers or external links")
                continue
        assets[rel] = AssetSpec(path=rel, mimetype=mimetype, data=data)
    return assets


def content_hash(root: Path) -> str:
    """A hash of every file of the package, names and contents, in a fixed order."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        if "/." in "/" + rel or "__pycache__" in rel:
            continue
        digest.update(rel.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def read_package(root: Path, display_root: str | None = None) -> tuple[CourseSpec | None, list[str], list[str]]:
    """Read and validate the package in ``root``; returns (spec or None, errors, warnings)."""
    import_reader_modules()  # the other kinds' and sections' parsers (courses/registration.py)
    reader = _Reader(root, display_root or root.as_posix())
    slug = unicodedata.normalize("NFC", root.name)
    if not SLUG_RE.match(slug):
        reader.error("course.yaml", 1, f"the folder name {slug!r} is not a valid course slug "
                     "(lowercase letters, digits and hyphens)")
    raw = reader.text("course.yaml", 256 * 1024)
    if raw is None:
        if not (root / "course.yaml").is_file():
            reader.error("course.yaml", 1, "course.yaml is missing")
        return None, reader.errors, reader.warnings
    try:
        doc = yaml.load(raw, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        reader.error("course.yaml", mark.line + 1 if mark else 1, f"invalid YAML: {exc.problem or exc}")
        return None, reader.errors, reader.warnings
    except yaml.YAMLError as exc:
        reader.error("course.yaml", 1, f"invalid YAML: {exc}")
        return None, reader.errors, reader.warnings
    if not isinstance(doc, _Map):
        reader.error("course.yaml", 1, "course.yaml must be a mapping of keys to values")
        return None, reader.errors, reader.warnings
    rel = "course.yaml"
    _unknown_keys(reader, rel, doc, COURSE_KEYS | {k for keys, _ in SECTION_PARSERS.values() for k in keys},
                  "course.yaml")

    languages = doc.get("languages", ["en"])
    if (not isinstance(languages, list) or not languages
            or any(lang not in SUPPORTED_LANGUAGES for lang in languages)
            or len(set(languages)) != len(languages)):
        reader.error(rel, doc.lines.get("languages"),
                     f"'languages' is a list of distinct codes from: {', '.join(SUPPORTED_LANGUAGES)}")
        languages = ["en"]
    track = doc.get("track")
    if track not in TRACKS:
        reader.error(rel, doc.lines.get("track", doc.line), f"'track' must be one of: {', '.join(TRACKS)}")
    last_reviewed = doc.get("last_reviewed")
    if last_reviewed is not None and not isinstance(last_reviewed, date):
        reader.error(rel, doc.lines.get("last_reviewed"), "'last_reviewed' is a date like 2026-11-21")
        last_reviewed = None
    sequential = doc.get("sequential", False)
    if not isinstance(sequential, bool):
        reader.error(rel, doc.lines.get("sequential"), "'sequential' is true or false")
        sequential = False

    handbook = doc.get("handbook", {})
    if not isinstance(handbook, _Map) and handbook != {}:
        reader.error(rel, doc.lines.get("handbook"), "'handbook' is a mapping such as {answer_key: false}")
        handbook = {}
    elif isinstance(handbook, _Map):
        _unknown_keys(reader, rel, handbook, HANDBOOK_KEYS, "'handbook'")
        if not isinstance(handbook.get("answer_key", True), bool):
            reader.error(rel, handbook.lines.get("answer_key"), "'answer_key' is true or false")
        handbook = {"answer_key": handbook.get("answer_key", True) is not False}

    assets = _read_assets(reader)
    ctx = CourseContext(slug=slug, languages=list(languages), asset_paths=set(assets))
    modules = _read_modules(reader, ctx, doc, sequential)
    _warn_unlisted_lessons(reader, modules)
    _warn_style(reader, modules)
    sections = {name: fn(reader, ctx, doc, modules) for name, (_, fn) in SECTION_PARSERS.items()}

    spec = CourseSpec(
        slug=slug, path=root,
        titles=_localized(reader, rel, doc, "title", ctx.languages, True),
        summaries=_localized(reader, rel, doc, "summary", ctx.languages, False),
        content_warnings=_localized(reader, rel, doc, "content_warning", ctx.languages, False),
        track=track, languages=list(languages), sequential=sequential,
        last_reviewed=last_reviewed, modules=modules, assets=assets, handbook=dict(handbook),
        content_hash=content_hash(root), sections=sections,
    )
    return (None if reader.errors else spec), reader.errors, reader.warnings


def _read_modules(reader: _Reader, ctx: CourseContext, doc: _Map, sequential: bool) -> list[ModuleSpec]:
    rel = "course.yaml"
    raw_modules = doc.get("modules")
    if not isinstance(raw_modules, list) or not raw_modules:
        reader.error(rel, doc.lines.get("modules", doc.line), "'modules' must be a non-empty list")
        return []
    modules: list[ModuleSpec] = []
    module_slugs: set[str] = set()
    activity_slugs: set[str] = set()
    for i, entry in enumerate(raw_modules):
        if not isinstance(entry, _Map):
            reader.error(rel, raw_modules.lines[i], "each module is a mapping with slug, title and activities")
            continue
        _unknown_keys(reader, rel, entry, MODULE_KEYS, "a module")
        slug = entry.get("slug")
        if not isinstance(slug, str) or not SLUG_RE.match(slug):
            reader.error(rel, entry.lines.get("slug", entry.line),
                         "a module needs a 'slug': lowercase letters, digits and hyphens")
            slug = f"module-{i + 1}"
        elif slug in module_slugs:
            reader.error(rel, entry.lines["slug"], f"the module slug {slug!r} is used twice")
        module_slugs.add(slug)
        requires_previous = entry.get("requires_previous", sequential and i > 0)
        if not isinstance(requires_previous, bool):
            reader.error(rel, entry.lines.get("requires_previous"), "'requires_previous' is true or false")
            requires_previous = False
        module = ModuleSpec(
            slug=slug,
            titles=_localized(reader, rel, entry, "title", ctx.languages, True),
            summaries=_localized(reader, rel, entry, "summary", ctx.languages, False),
            requires_previous=requires_previous and i > 0,
        )
        activities = entry.get("activities")
        if not isinstance(activities, list) or not activities:
            reader.error(rel, entry.lines.get("activities", entry.line), "a module needs a non-empty 'activities' list")
            activities = []
        for j, act in enumerate(activities):
            line = activities.lines[j]
            known = activity_kinds.names()  # each kind reads its own entries (training/activities.py)
            kinds = [k for k in act if k in known] if isinstance(act, _Map) else []
            if len(kinds) != 1:
                reader.error(rel, line, "each activity names exactly one kind: "
                             + ", ".join(f"'{k}: ...'" for k in known))
                continue
            spec = activity_kinds.get(kinds[0]).parse(reader, ctx, act, rel)
            if spec is None:
                continue
            if spec.slug in activity_slugs:
                reader.error(rel, line, f"{spec.slug!r} is listed twice in this course")
                continue
            activity_slugs.add(spec.slug)
            module.activities.append(spec)
        modules.append(module)
    return modules


def _warn_unlisted_lessons(reader: _Reader, modules: list[ModuleSpec]) -> None:
    listed = {a.slug for m in modules for a in m.activities}
    folder = reader.root / "lessons"
    if folder.is_dir():
        for path in sorted(folder.glob("*.md")):
            stem = path.name.split(".")[0]
            if stem not in listed:
                reader.warnings.append(f"{reader.where('lessons/' + path.name, 1)}: not listed in course.yaml")


def _warn_style(reader: _Reader, modules: list[ModuleSpec]) -> None:
    """Warn about references to lessons by number and stray spaces in Chinese (courses/style_checks.py)."""
    titles = [t for m in modules for t in m.titles.values()]
    titles += [t for m in modules for a in m.activities for t in getattr(a, "titles", {}).values()]
    for rel, line, message in style_warnings(reader.root, titles):
        reader.warnings.append(f"{reader.where(rel, line)}: {message}")


def read_packages(paths: list[Path]) -> tuple[list[CourseSpec], list[str], list[str]]:
    """Read every package found under ``paths``.

    A path is either a package (it has course.yaml) or a folder of packages. Duplicate slugs
    across the paths are errors.
    """
    roots: list[Path] = []
    errors: list[str] = []
    for path in paths:
        if (path / "course.yaml").is_file():
            roots.append(path)
        elif path.is_dir():
            roots.extend(sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))))
        else:
            errors.append(f"{path}:1: no such folder")
    specs, warnings, seen = [], [], {}
    for root in roots:
        spec, errs, warns = read_package(root)
        errors += errs
        warnings += warns
        if spec is None:
            continue
        if spec.slug in seen:
            errors.append(f"{root.as_posix()}/course.yaml:1: the course slug {spec.slug!r} is also used by {seen[spec.slug]}")
            continue
        seen[spec.slug] = root.as_posix()
        specs.append(spec)
    return specs, errors, warnings
