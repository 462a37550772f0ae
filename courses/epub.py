"""A course's handbook as an EPUB 3 book (issue #20): the same content as the PDF
(courses/handbook.py), reflowable, for reading on a phone.

The chapters come from ``handbook.chapters`` (each activity kind's ``handbook`` hook, the lesson
HTML written out as XHTML there), so the EPUB and the PDF never differ in what they hold: the
cover facts, one XHTML file per module, the answer key, and the note on what could not be
included. The course's images go into the book (``Images``: the types every reader shows; any
other is a note). Nothing in it is fetched from anywhere: no fonts, no scripts, no remote images
(a source's own link stays a link). The tests check the books with EPUBCheck.
"""
from __future__ import annotations

import io
import uuid
import zipfile
from dataclasses import dataclass, field

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import select

from courses.handbook import IMAGE_TYPES, both_titles, chapters, languages_of
from courses.models import Course, CourseAsset, localized
from training.db import utcnow
from training.extensions import db


@dataclass
class Images:
    """The course's images the book holds: asset path -> the book's file name, in first-use order."""

    course_id: int
    names: dict[str, str] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)  # asset path -> media type

    def name(self, path: str) -> str | None:
        if path not in self.names:
            mimetype = db.session.execute(select(CourseAsset.mimetype).where(
                CourseAsset.course_id == self.course_id, CourseAsset.path == path)).scalar_one_or_none()
            if mimetype not in IMAGE_TYPES:
                return None
            self.names[path] = f"images/{len(self.names) + 1}.{IMAGE_TYPES[mimetype]}"
            self.types[path] = mimetype
        return self.names[path]


def render(course: Course, lang: str, edition: str = "") -> tuple[bytes, list[str]]:
    """The EPUB's bytes and the notes on what it could not include."""
    notes: list[str] = []
    shown = languages_of(lang, course)
    main = shown[0]
    images = Images(course.id)
    with force_locale(main):
        parts = chapters(course, lang, notes, edition, image=images.name)
        keyed = [entry for chapter in parts for entry in chapter.entries if entry.answers]
        common = dict(course=course, lang=_xml_lang(main), title=both_titles(course.titles, shown))
        files = {"cover.xhtml": render_template(
            "courses/epub/cover.xhtml", **common, summary=localized(course.summaries, main), edition=edition,
            warning=localized(course.content_warnings, main) if course.content_warnings else "",
            organisation=current_app.config["AMICUS_ORGANISATION"], made_on=utcnow())}
        files["nav.xhtml"] = render_template("courses/epub/nav.xhtml", **common, chapters=parts, keyed=keyed,
                                             notes=notes)
        for chapter in parts:
            files[f"{chapter.anchor}.xhtml"] = render_template("courses/epub/module.xhtml", **common, chapter=chapter,
                                                  shown=shown, part_lang=_xml_lang)
        if keyed or notes:
            files["end.xhtml"] = render_template("courses/epub/end.xhtml", **common, keyed=keyed, notes=notes)
        modified = utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")
        identifier = uuid.uuid5(uuid.NAMESPACE_URL, f"amicus:{course.slug}:{course.version}:{lang}:{edition}")
        package = render_template(
            "courses/epub/package.opf.xml", **common, languages=[_xml_lang(code) for code in shown],
            identifier=identifier, modified=modified, organisation=current_app.config["AMICUS_ORGANISATION"],
            pages=list(files), images=[(name, images.types[path]) for path, name in images.names.items()])
    return _zip(course, files, package, images), notes


def _xml_lang(code: str) -> str:
    return "zh-Hans" if code == "zh" else code


CONTAINER = """<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles><rootfile full-path="EPUB/package.opf" media-type="application/oebps-package+xml"/></rootfiles>
</container>
"""


def _zip(course: Course, files: dict[str, str], package: str, images: Images) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as book:
        # The mimetype first and stored, not compressed: how a reader knows the file (OCF 3.3).
        book.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        book.writestr("META-INF/container.xml", CONTAINER)
        book.writestr("EPUB/package.opf", package)
        with current_app.open_resource("static/css/epub.css") as css:
            book.writestr("EPUB/style.css", css.read())
        for name, text in files.items():
            book.writestr(f"EPUB/{name}", text)
        for path, name in images.names.items():
            data = db.session.execute(select(CourseAsset.data).where(
                CourseAsset.course_id == course.id, CourseAsset.path == path)).scalar_one()
            book.writestr(f"EPUB/{name}", data)
    return buffer.getvalue()
