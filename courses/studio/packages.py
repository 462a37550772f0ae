"""Publishing a course package as a version, and writing a version back out as files.

A package is published only whole and only valid: it is unpacked into a temporary folder, read
by exactly the reader `flask courses sync` uses (courses/package.py), and, with no problem
found, synced and stored as the course's next version, all in the caller's transaction. A
course is managed either from files (`courses sync` from a folder, the starter library) or in
the Studio (`courses import`, an upload); publishing over the other way is refused unless forced,
with a message that says what would be replaced.
"""
from __future__ import annotations

import io
import shutil
import stat
import tempfile
import zipfile
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from courses.models import Course
from courses.studio.models import CourseAuthor, PackageVersion
from training.accounts import User, find_user
from training.db import utcnow
from training.extensions import db
from training.refusals import Refusal

MAX_FILES = 2000
MAX_UNPACKED = 60 * 1024 * 1024  # bytes, all files together (a ZIP bomb stops here)
# A ZIP's fixed timestamp: the same files make the same archive.
_EPOCH = (2020, 1, 1, 0, 0, 0)


class PackageRefusal(Refusal):
    """A package that cannot be published; ``problems``: the reader's "file:line: message" lines."""

    def __init__(self, message, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = problems or []


# --- Who may publish ------------------------------------------------------------------------------

def may_author(user: User, course: Course | None) -> bool:
    """Admins author every course; a trainer may create a course, and publishes to the courses
    she is an author of."""
    if user.is_admin:
        return True
    if course is None:
        return user.is_trainer
    return db.session.get(CourseAuthor, (course.id, user.id)) is not None


def authored_or_404(slug: str) -> Course:
    """The course the signed-in author opens in the Studio: 404 if there is none, 403 unless she
    may author it (every Studio page and form editor starts here)."""
    from flask import abort
    from flask_login import current_user

    course = db.one_or_404(select(Course).where(Course.slug == slug))
    if not may_author(current_user, course):
        abort(403)
    return course


def authored_by(user: User) -> list[Course]:
    query = select(Course).order_by(Course.slug)
    if not user.is_admin:
        query = query.join(CourseAuthor, CourseAuthor.course_id == Course.id).where(CourseAuthor.user_id == user.id)
    return list(db.session.execute(query).scalars())


def authors(course: Course) -> list[User]:
    return list(db.session.execute(select(User).join(CourseAuthor, CourseAuthor.user_id == User.id)
                                   .where(CourseAuthor.course_id == course.id).order_by(User.handle)).scalars())


def grant(admin: User, course: Course, handle: str) -> User:
    if not admin.is_admin:
        raise PermissionError("only admins grant authorship")
    user = find_user(handle or "")
    if user is None:
        raise Refusal(_l("There is no account with that handle."), "handle")
    if not user.is_trainer:
        raise Refusal(_l("Only trainers and admins can be authors."), "handle")
    if db.session.get(CourseAuthor, (course.id, user.id)) is None:
        db.session.add(CourseAuthor(course_id=course.id, user_id=user.id))
    return user


def revoke(admin: User, course: Course, user_id: int) -> None:
    if not admin.is_admin:
        raise PermissionError("only admins revoke authorship")
    row = db.session.get(CourseAuthor, (course.id, user_id))
    if row is not None:
        db.session.delete(row)


# --- Versions ------------------------------------------------------------------------------------

def versions(slug: str) -> list[PackageVersion]:
    return list(db.session.execute(select(PackageVersion).where(PackageVersion.slug == slug)
                                   .order_by(PackageVersion.number.desc())).scalars())


def newest_by_slug(slugs: list[str]) -> dict[str, PackageVersion]:
    """Each course's newest version, in one query (without the packages themselves)."""
    newest = select(PackageVersion.slug, func.max(PackageVersion.number).label("number")).where(
        PackageVersion.slug.in_(slugs)).group_by(PackageVersion.slug).subquery()
    rows = db.session.execute(select(PackageVersion).join(newest, (PackageVersion.slug == newest.c.slug)
                                                          & (PackageVersion.number == newest.c.number))).scalars()
    return {row.slug: row for row in rows}


def latest(slug: str) -> PackageVersion | None:
    return db.session.execute(select(PackageVersion).where(PackageVersion.slug == slug)
                              .order_by(PackageVersion.number.desc()).limit(1)).scalar_one_or_none()


def version(slug: str, number: int) -> PackageVersion | None:
    return db.session.execute(select(PackageVersion).where(PackageVersion.slug == slug,
                                                           PackageVersion.number == number)).scalar_one_or_none()


def pack(root: Path) -> bytes:
    """The package folder as a ZIP with one top folder, its slug; same files, same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            rel = path.relative_to(root).as_posix()
            if "/." in "/" + rel or "__pycache__" in rel:
                continue
            info = zipfile.ZipInfo(f"{root.name}/{rel}", _EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def listing(archive: bytes) -> dict[str, int]:
    """{path inside the package: CRC} of a stored version."""
    with zipfile.ZipFile(io.BytesIO(archive)) as zipped:
        return {info.filename.split("/", 1)[1]: info.CRC for info in zipped.infolist()
                if not info.is_dir() and "/" in info.filename}


def changes(before: bytes | None, after: bytes) -> dict[str, list[str]]:
    old, new = (listing(before) if before else {}), listing(after)
    return {"added": sorted(set(new) - set(old)), "removed": sorted(set(old) - set(new)),
            "changed": sorted(path for path in set(old) & set(new) if old[path] != new[path])}


@contextmanager
def unpacked(data: bytes):
    """Unpack an uploaded ZIP into a temporary folder; yields the package folder (named as the
    one top folder of the ZIP). Refuses what is not a ZIP, paths outside the folder, links,
    too many files or too many bytes."""
    try:
        zipped = zipfile.ZipFile(io.BytesIO(data))
        infos = zipped.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise PackageRefusal(_l("This is not a ZIP file.")) from None
    files = [info for info in infos if not info.is_dir()]
    if not files:
        raise PackageRefusal(_l("The ZIP file is empty."))
    if len(files) > MAX_FILES or sum(info.file_size for info in files) > MAX_UNPACKED:
        raise PackageRefusal(_l("The package is too large: at most %(files)d files and %(mb)d MB unpacked.",
                                files=MAX_FILES, mb=MAX_UNPACKED // (1024 * 1024)))
    tops = set()
    for info in infos:
        parts = PurePosixPath(info.filename.replace("\\", "/")).parts
        if (not parts or info.filename.startswith(("/", "\\")) or ".." in parts or ":" in parts[0]
                or stat.S_ISLNK(info.external_attr >> 16)):
            raise PackageRefusal(_l("The ZIP file holds a path that is not allowed: %(path)s", path=info.filename[:200]))
        tops.add(parts[0])
        if len(parts) == 1 and not info.is_dir():
            raise PackageRefusal(_l("Put the package in one folder named after the course (e.g. my-course/course.yaml) "
                                    "and zip that folder."))
    if len(tops) != 1:
        raise PackageRefusal(_l("The ZIP file must hold one folder, the course's package."))
    with tempfile.TemporaryDirectory(prefix="amicus-package-") as tmp:
        root = Path(tmp) / next(iter(tops))
        written = 0
        for info in files:
            target = Path(tmp) / info.filename.replace("\\", "/")
            target.parent.mkdir(parents=True, exist_ok=True)
            with zipped.open(info) as source, target.open("wb") as out:
                while chunk := source.read(1 << 16):
                    written += len(chunk)
                    if written > MAX_UNPACKED:  # the sizes in the ZIP's directory can lie
                        raise PackageRefusal(_l("The package is too large: at most %(files)d files and %(mb)d MB unpacked.",
                                                files=MAX_FILES, mb=MAX_UNPACKED // (1024 * 1024)))
                    out.write(chunk)
        yield root


def publish(user: User | None, root: Path, source: str, force: bool = False) -> tuple[PackageVersion, list[str]]:
    """Validate the package folder ``root`` and, with no problem, sync it and store it as the
    course's next version (the caller commits). ``user`` None: the server (a command)."""
    from courses.package import read_package
    from courses.sync import sync_courses

    spec, errors, warnings = read_package(root, display_root=root.name)
    if errors or spec is None:
        raise PackageRefusal(_l("The package has problems; nothing was published."), errors)
    course = db.session.execute(select(Course).where(Course.slug == spec.slug)).scalar_one_or_none()
    if user is not None and not may_author(user, course):
        raise PermissionError(f"not an author of {spec.slug}")
    if course is not None and course.managed == "files" and not force:
        raise PackageRefusal(_l("“%(slug)s” is managed from files (version %(version)d, loaded with `flask courses sync`). "
                                "Publishing here would replace it; an admin can do so with `flask courses import --force`.",
                                slug=spec.slug, version=course.version))
    report = sync_courses([spec])
    course = db.session.execute(select(Course).where(Course.slug == spec.slug)).scalar_one()
    course.managed = "studio"
    row = store_version(course, root, source, user)
    if user is not None and db.session.get(CourseAuthor, (course.id, user.id)) is None and not user.is_admin:
        db.session.add(CourseAuthor(course_id=course.id, user_id=user.id))  # she created it
    return row, [*report, *(f"warning: {w}" for w in warnings)]


def store_version(course: Course, root: Path, source: str, user: User | None) -> PackageVersion:
    archive = pack(root)
    before = latest(course.slug)
    number = (db.session.execute(select(func.max(PackageVersion.number))
                                 .where(PackageVersion.slug == course.slug)).scalar_one() or 0) + 1
    row = PackageVersion(slug=course.slug, number=number, archive=archive, content_hash=course.content_hash,
                         changes=changes(before.archive if before else None, archive), source=source,
                         created_by_id=user.id if user is not None else None, created_at=utcnow())
    db.session.add(row)
    db.session.flush()
    return row


def export(slug: str, dest: Path, number: int | None = None) -> Path:
    """Write a stored version (the newest by default) as files: ``dest/<slug>/...``."""
    row = version(slug, number) if number is not None else latest(slug)
    if row is None:
        raise PackageRefusal(_l("No version of “%(slug)s” is stored.", slug=slug))
    target = dest / slug
    if target.exists():
        raise PackageRefusal(_l("%(path)s exists already: choose another folder.", path=str(target)))
    with unpacked(row.archive) as root:
        shutil.copytree(root, target)
    return target
