"""Editing a course's files in the browser: drafts over the newest version, published together.

An author opens a text file of the package (a lesson in each language, a quiz's GIFT, a survey's
instrument, course.yaml, a case's documents), changes it and saves a draft; the other authors see
the draft. "Publish the drafts" applies every draft to the newest version's files and publishes
the result through ``packages.publish``: the same checks as `courses sync`, all or nothing, each
problem reported on the file and line it concerns. Two authors saving the same file: the second
save, made from the text before the first, is refused and shows both texts; nothing is lost.
"""
from __future__ import annotations

import hashlib
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from courses.models import Course
from courses.studio import packages
from courses.studio.models import StudioDraft
from training.accounts import User
from training.db import utcnow
from training.extensions import db
from training.refusals import Refusal

#: The package's text files an author edits here; images and other assets come with a ZIP.
EDITABLE = (".md", ".gift", ".yaml", ".yml", ".txt")
TEXT_MAX = 256 * 1024  # characters in one file
_LANG_SUFFIX = re.compile(r"^(?P<stem>.+?)\.(?P<lang>[a-z]{2}(?:-[A-Za-z]+)?)\.(?P<ext>md|gift)$")


class Conflict(Refusal):
    """Her save started from an older text than the draft now saved (another author's)."""

    def __init__(self, message, saved: str):
        super().__init__(message, "text")
        self.saved = saved


@dataclass(frozen=True)
class PackageFile:
    path: str
    lang: str | None  # a translation's language ("zh" in lessons/01-x.zh.md), else None
    stem: str  # the path without its language: lessons/01-x.md for both
    draft: bool
    binary: bool = False  # an image a Word import brought (a draft, not edited here)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _require(user: User, course: Course) -> None:
    if not packages.may_author(user, course):
        raise PermissionError(f"not an author of {course.slug}")
    if course.managed != "studio":
        raise Refusal(_l("This course is managed from files: an admin moves it to the Studio first."))


def _version_files(slug: str, number: int | None = None) -> dict[str, bytes]:
    row = packages.latest(slug) if number is None else packages.version(slug, number)
    if row is None:
        return {}
    with zipfile.ZipFile(io.BytesIO(row.archive)) as zipped:
        return {info.filename.split("/", 1)[1]: zipped.read(info) for info in zipped.infolist()
                if not info.is_dir() and "/" in info.filename}


def _version_file(slug: str, path: str) -> bytes | None:
    """One file of the newest version (read alone from its ZIP), or None if it has none."""
    row = packages.latest(slug)
    if row is None:
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(row.archive)) as zipped:
            return zipped.read(f"{slug}/{path}")
    except KeyError:
        return None


def editable(path: str) -> bool:
    parts = PurePosixPath(path).parts
    return bool(parts) and ".." not in parts and not path.startswith("/") and path.endswith(EDITABLE) \
        and not parts[0] == "assets"


def files(course: Course) -> list[PackageFile]:
    """The package's editable files (the newest version's, and new ones only a draft holds)."""
    drafted = dict(db.session.execute(select(StudioDraft.path, StudioDraft.data.is_not(None))
                                      .where(StudioDraft.slug == course.slug)).all())
    row = packages.latest(course.slug)
    published = packages.listing(row.archive) if row is not None else {}  # the names, not the files
    paths = sorted({p for p in published if editable(p)} | set(drafted))
    out = []
    for path in paths:
        match = _LANG_SUFFIX.match(path)
        lang = match["lang"] if match and match["lang"] in course.languages[1:] else None
        stem = f"{match['stem']}.{match['ext']}" if lang else path
        out.append(PackageFile(path=path, lang=lang, stem=stem, draft=path in drafted, binary=bool(drafted.get(path))))
    return out


_LESSON_PATH = re.compile(r"^lessons/(?P<stem>[a-z0-9]+(?:-[a-z0-9]+)*)(?:\.(?P<lang>[a-z]{2}(?:-[A-Za-z]+)?))?\.md$")


def lesson_stem(course: Course, path: str) -> str | None:
    """The lesson's name if ``path`` is a lesson file in one of the course's languages
    (lessons/01-x.md, lessons/01-x.zh.md: 01-x), else None."""
    match = _LESSON_PATH.match(path)
    if match is None or (match["lang"] is not None and match["lang"] not in course.languages[1:]):
        return None
    return match["stem"]


def lesson_paths(course: Course, stem: str) -> dict[str, str]:
    """language -> the path of the lesson's file in it: lessons/<stem>.md for the course's first
    language, lessons/<stem>.<lang>.md for the others."""
    first = course.languages[0]
    return {lang: f"lessons/{stem}.md" if lang == first else f"lessons/{stem}.{lang}.md" for lang in course.languages}


def translations_missing(course: Course, listed: list[PackageFile]) -> dict[str, list[str]]:
    """Lessons (and quizzes) whose translation file is missing: stem -> the languages lacking."""
    present = {(f.stem, f.lang) for f in listed}
    out: dict[str, list[str]] = {}
    for f in listed:
        if f.lang is None and f.path.startswith(("lessons/", "quizzes/")) and f.path.endswith((".md", ".gift")):
            lacking = [lang for lang in course.languages[1:] if (f.stem, lang) not in present]
            if lacking:
                out[f.path] = lacking
    return out


def current_text(course: Course, path: str, new: bool = False) -> tuple[str, bool]:
    """(the text she edits: the draft, else the newest version's; whether it is a draft). A file
    neither holds raises LookupError, or with ``new`` is an empty text: a file she creates."""
    if not editable(path):
        raise LookupError(path)
    draft = db.session.get(StudioDraft, (course.slug, path))
    if draft is not None and draft.data is None:
        return draft.text, True
    if packages.latest(course.slug) is None:
        raise LookupError(path)
    data = _version_file(course.slug, path)
    if data is None:
        if new:
            return "", False
        raise LookupError(path)
    try:
        return data.decode("utf-8"), False
    except UnicodeDecodeError:
        raise LookupError(path) from None


def save(user: User, course: Course, path: str, text: str, base: str) -> StudioDraft:
    """Save her text as the file's draft, if it started from the text now current (``base``:
    its hash; a new file's is the hash of the empty text); else raise Conflict with the text now
    saved."""
    _require(user, course)
    text = (text or "").replace("\r\n", "\n")
    if len(text) > TEXT_MAX:
        raise Refusal(_l("A file may have at most %(max)d characters.", max=TEXT_MAX), "text")
    current, _drafted = current_text(course, path, new=True)
    if text_hash(current) != base:
        raise Conflict(_l("Someone saved this file after you opened it. Your text is below, beside the one "
                          "now saved: copy what you need into it and save again."), current)
    row = db.session.get(StudioDraft, (course.slug, path))
    if row is None:
        row = StudioDraft(slug=course.slug, path=path, text=text)
        db.session.add(row)
    row.text, row.updated_by_id, row.updated_at = text, user.id, utcnow()
    return row


def start(user: User, course: Course, files: dict[str, str]) -> list[str]:
    """New files of the package as drafts (a lesson's first text in each language, a new case
    document): a path that exists already, published or drafted (an image too), is left as it is.
    Returns the paths drafted."""
    _require(user, course)
    row = packages.latest(course.slug)
    published = packages.listing(row.archive) if row is not None else set()
    made = []
    for path, text in files.items():
        if not editable(path):
            raise LookupError(path)
        if len(text) > TEXT_MAX:
            raise Refusal(_l("A file may have at most %(max)d characters.", max=TEXT_MAX))
        if path in published or db.session.get(StudioDraft, (course.slug, path)) is not None:
            continue
        db.session.add(StudioDraft(slug=course.slug, path=path, text=text, updated_by_id=user.id, updated_at=utcnow()))
        made.append(path)
    db.session.flush()  # written now: a check of the package the drafts make (drafts.assemble) reads them
    return made


def discard(user: User, course: Course, path: str) -> None:
    _require(user, course)
    db.session.execute(delete(StudioDraft).where(StudioDraft.slug == course.slug, StudioDraft.path == path))


def publish(user: User, course: Course, folder: Path):
    """Apply every draft to the newest version's files in ``folder`` (a temporary folder of the
    caller's) and publish that; with no problem, the drafts are done and deleted."""
    _require(user, course)
    if db.session.execute(select(StudioDraft.path).where(StudioDraft.slug == course.slug).limit(1)).first() is None:
        raise Refusal(_l("There is no draft to publish."))
    root = assemble(course, folder)
    row, report = packages.publish(user, root, "studio")
    db.session.execute(delete(StudioDraft).where(StudioDraft.slug == course.slug))
    return row, report


def assemble(course: Course, folder: Path) -> Path:
    """The package as publishing the drafts would make it: the newest version's files with every
    draft applied, written to ``folder/<slug>``, which is returned."""
    root = folder / course.slug
    for path, data in _version_files(course.slug).items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    for draft in db.session.execute(select(StudioDraft).where(StudioDraft.slug == course.slug)).scalars():
        target = root / draft.path
        target.parent.mkdir(parents=True, exist_ok=True)
        if draft.data is not None:
            target.write_bytes(draft.data)
        else:
            target.write_text(draft.text, encoding="utf-8")
    root.mkdir(parents=True, exist_ok=True)
    return root


def asset(course: Course, path: str) -> tuple[bytes, str] | None:
    """An image of the package as the drafts make it (``assets/...``: the draft's, else the newest
    version's) and its type, for the Studio's previews; None if there is none or it is no asset."""
    from courses.package import ASSET_TYPES

    kind = ASSET_TYPES.get(PurePosixPath(path).suffix.lower())
    if kind is None or not path.startswith("assets/") or ".." in PurePosixPath(path).parts:
        return None
    draft = db.session.get(StudioDraft, (course.slug, path))
    if draft is not None and draft.data is not None:
        return draft.data, kind[0]
    data = _version_file(course.slug, path)
    return None if data is None else (data, kind[0])


def adopt(admin: User, course: Course) -> None:
    """Move a course managed from files to the Studio (an admin's choice): from now on `courses
    sync` leaves it alone unless forced, and its authors edit it here."""
    if not admin.is_admin:
        raise PermissionError("only admins move a course to the Studio")
    if packages.latest(course.slug) is None:
        raise Refusal(_l("No version of “%(slug)s” is stored.", slug=course.slug))
    course.managed = "studio"


_LESSON_STEM = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def import_word(user: User, course: Course, stem: str, lang: str, docx: bytes) -> tuple[str, list[str], list[str]]:
    """A chapter of a Word handbook as the draft of a lesson file in ``lang`` (lessons/<stem>.md
    in the course's first language, lessons/<stem>.<lang>.md in another), its images as asset
    drafts. Returns (the lesson's path, the images' paths, notes on what was left out)."""
    from courses.studio import word

    _require(user, course)
    stem = (stem or "").strip()
    if not _LESSON_STEM.match(stem) or len(stem) > 64:
        raise Refusal(_l("Name the lesson file with lowercase letters, digits and hyphens, e.g. 03-evidence."), "lesson")
    if lang not in course.languages:
        raise Refusal(_l("Choose one of the course's languages."), "language")
    path = f"lessons/{stem}.md" if lang == course.languages[0] else f"lessons/{stem}.{lang}.md"
    try:
        markdown, images, notes = word.to_markdown(docx, f"{stem}-{lang}")
    except word.WordError:
        raise Refusal(_l("This is not a Word document (.docx) that can be read."), "document") from None
    text = word.lesson_text(markdown, stem.replace("-", " "))
    if len(text) > TEXT_MAX:
        raise Refusal(_l("A file may have at most %(max)d characters.", max=TEXT_MAX), "document")
    for draft_path, content in [(path, None), *images.items()]:
        row = db.session.get(StudioDraft, (course.slug, draft_path))
        if row is None:
            row = StudioDraft(slug=course.slug, path=draft_path, text="")
            db.session.add(row)
        row.text, row.data = (text, None) if content is None else ("", content)
        row.updated_by_id, row.updated_at = user.id, utcnow()
    return path, sorted(images), notes


def compare(course: Course, old: int, new: int) -> list[tuple[str, str]]:
    """What changed from version ``old`` to ``new``: (path, a unified diff of its text, or a line
    saying a binary file was added, removed or changed), in path order."""
    import difflib

    if packages.version(course.slug, old) is None or packages.version(course.slug, new) is None:
        raise LookupError((old, new))
    before, after = _version_files(course.slug, old), _version_files(course.slug, new)
    out = []
    for path in sorted(set(before) | set(after)):
        a, b = before.get(path), after.get(path)
        if a == b:
            continue
        try:
            a_text = "" if a is None else a.decode("utf-8")
            b_text = "" if b is None else b.decode("utf-8")
        except UnicodeDecodeError:
            out.append((path, "added" if a is None else "removed" if b is None else "changed"))
            continue
        diff = difflib.unified_diff(a_text.splitlines(), b_text.splitlines(), f"v{old}/{path}", f"v{new}/{path}",
                                    lineterm="", n=2)
        out.append((path, "\n".join(diff)))
    return out


def restore(user: User, course: Course, number: int) -> int:
    """Version ``number``'s files, where they differ from the newest version's, as drafts: publishing
    them makes that version's content the newest again (a file it lacks is not removed: listed in
    course.yaml or not, the reader ignores an unlisted lesson). Returns how many drafts."""
    _require(user, course)
    old = _version_files(course.slug, number)
    if not old:
        raise LookupError(number)
    newest = _version_files(course.slug)
    count = 0
    for path, data in old.items():
        if newest.get(path) == data:
            continue
        row = db.session.get(StudioDraft, (course.slug, path))
        if row is None:
            row = StudioDraft(slug=course.slug, path=path, text="")
            db.session.add(row)
        if editable(path):
            row.text, row.data = data.decode("utf-8", errors="replace"), None
        else:
            row.text, row.data = "", data
        row.updated_by_id, row.updated_at = user.id, utcnow()
        count += 1
    return count


_IMAGE_NAME = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*\.(png|jpe?g|gif|webp)$")


def upload_image(user: User, course: Course, filename: str, data: bytes) -> str:
    """An image for the lessons, as the draft of ``assets/<name>``: PNG, JPEG, GIF or WebP by its
    content, at most the package's asset size. Returns its path, for ``![...](assets/<name>)``."""
    from courses.package import ASSET_MAX_BYTES, ASSET_TYPES

    _require(user, course)
    name = PurePosixPath((filename or "").replace("\\", "/")).name.lower().replace(" ", "-")
    match = _IMAGE_NAME.match(name)
    if not match:
        raise Refusal(_l("Name the image with lowercase letters, digits and hyphens, ending .png, .jpg, .gif or .webp."),
                      "image")
    if len(data) > ASSET_MAX_BYTES:
        raise Refusal(_l("An image may be at most %(mb)d MB.", mb=ASSET_MAX_BYTES // (1024 * 1024)), "image")
    if not any(data.startswith(magic) for magic in ASSET_TYPES["." + match.group(1)][1]):
        raise Refusal(_l("This file is not the image its name says."), "image")
    path = f"assets/{name}"
    row = db.session.get(StudioDraft, (course.slug, path))
    if row is None:
        row = StudioDraft(slug=course.slug, path=path, text="")
        db.session.add(row)
    row.text, row.data, row.updated_by_id, row.updated_at = "", data, user.id, utcnow()
    return path
