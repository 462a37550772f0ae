"""Handbooks: a course version as one printable PDF (issue #20), in English, Chinese or both; the
same chapters make its EPUB (courses/epub.py).

A cover (title, organisation, version, last reviewed), a table of contents with page numbers,
every module and lesson in order with the course's content warnings, running headers (the course
and the module) and page numbers, PDF bookmarks for modules and lessons; A4 or A5. "Both" puts
each lesson's translation right after it. Each activity kind says what it puts in a handbook
(``ActivityKind.handbook``): a lesson its page, a quiz its questions as review exercises with
their answers in a key at the end of the book (``handbook_answers``; course.yaml's
`handbook: {answer_key: false}` leaves the key out); a kind with nothing to print (yet) is
listed in its module as done on the site.

Made once per course version, language and format (A4, A5, EPUB) in the background (training/jobs.py), stored in
the database (``Handbook``) and served from there; `flask --app wsgi courses handbook SLUG` makes
one for an operator. What a handbook could not include (a lesson without the translation, an
image the course no longer has) is said in a note at its end and on its page; nothing in it
points outside the site but the sources' own links.
"""
from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from html.parser import HTMLParser

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from courses.models import Activity, Course, CourseAsset, Handbook, Module, localized
from training import activities, jobs
from training.db import utcnow
from training.extensions import db
from training.refusals import Refusal

LANGS = ("en", "zh", "both")
PAPERS = ("a4", "a5", "epub")  # the formats: a PDF on A4 or A5 paper, or an EPUB (courses/epub.py)
MIMETYPES = {"a4": "application/pdf", "a5": "application/pdf", "epub": "application/epub+zip"}
#: Who a handbook is for. "" for a course without a case exercise; with one, a participant's edition
#: per side (that side's case file, never the bench memo) or the trainers' (every document, the
#: rubrics), which only trainers and admins may ask for or download.
SIDES = ("applicant", "respondent")
TRAINER = "trainer"
ASSET_SCHEME = "amicus-asset:"
VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())


class HandbookError(Refusal):
    """A handbook that cannot be asked for; nothing was queued."""


@dataclass
class Part:
    lang: str
    title: str
    html: str


@dataclass
class Entry:
    """One activity in the handbook: its parts (one per language shown), or none if its kind
    prints nothing."""

    anchor: str
    title: str
    kind: str
    kind_label: str
    parts: list[Part] = field(default_factory=list)
    warning: str = ""
    answers: str = ""  # its answers for the key at the end of the book (a quiz's), in the main language


@dataclass
class Chapter:
    anchor: str
    title: str
    entries: list[Entry] = field(default_factory=list)


def languages_of(lang: str, course: Course) -> list[str]:
    if lang == "both":
        return [code for code in ("en", "zh") if code in course.languages] or list(course.languages)
    return [lang]


def editions_for(course: Course, trainer: bool) -> list[str]:
    """The editions of this course's handbook someone may ask for."""
    has_case = db.session.execute(select(Activity.id).where(
        Activity.course_id == course.id, Activity.kind == "case").limit(1)).first() is not None
    if not has_case:
        return [""]
    return [*SIDES, TRAINER] if trainer else list(SIDES)


def chapters(course: Course, lang: str, notes: list[str], edition: str = "",
             image: Callable[[str], str | None] | None = None) -> list[Chapter]:
    """The course's modules and activities as the handbook shows them, in course order.
    ``image``: an asset's path -> the address the book uses for it (None: the book cannot hold
    it); by default ``amicus-asset:PATH``, which the PDF renderer reads from the database."""
    shown = languages_of(lang, course)
    main = shown[0]
    answer_key = (course.handbook or {}).get("answer_key", True)
    assets = set(db.session.execute(select(CourseAsset.path).where(CourseAsset.course_id == course.id)).scalars())
    modules = db.session.execute(select(Module).where(Module.course_id == course.id).order_by(Module.position)).scalars()
    by_module: dict[int, list[Activity]] = {}
    for activity in db.session.execute(select(Activity).where(Activity.course_id == course.id)
                                       .order_by(Activity.position)).scalars():
        by_module.setdefault(activity.module_id, []).append(activity)
    out = []
    for m, module in enumerate(modules, start=1):
        chapter = Chapter(f"m{m}", both_titles(module.titles, shown))
        for activity in by_module.get(module.id, []):
            kind = activities.get(activity.kind)
            entry = Entry(f"a{activity.id}", both_titles(activity.titles, shown), activity.kind, str(kind.label),
                          warning=localized(activity.content_warnings, main) if activity.content_warnings else "")
            for code in shown:
                html = kind.handbook(course, activity, code, edition)
                if html is None:
                    break  # the kind prints nothing: listed as done on the site
                if not html:
                    with force_locale(main):
                        notes.append(str(_l("“%(title)s” has no %(language)s version: it is left out in that language.",
                                            title=localized(activity.titles, main), language=_language_name(code))))
                    continue
                entry.parts.append(Part(code, localized(activity.titles, code), _printable(
                    course, html, notes, main, assets, f"{entry.anchor}-{code}-", image)))
            if entry.parts and answer_key:
                entry.answers = _printable(course, kind.handbook_answers(course, activity, main) or "", notes, main,
                                           assets, f"{entry.anchor}-key-", image)
            chapter.entries.append(entry)
        out.append(chapter)
    return out


def both_titles(texts: dict, shown: list[str]) -> str:
    seen = []
    for code in shown:
        text = localized(texts, code)
        if text and text not in seen:
            seen.append(text)
    return " / ".join(seen)


def _language_name(code: str) -> str:
    return {"en": str(_l("English")), "zh": str(_l("Chinese"))}.get(code, code)


def _printable(course: Course, html: str, notes: list[str], main: str, have: set[str], prefix: str,
               image: Callable[[str], str | None] | None = None) -> str:
    """A lesson's sanitised HTML for a book, written out again as XHTML (which the PDF's HTML
    parser reads as well): void elements closed, every attribute quoted; its ids (and the links
    to them) prefixed with ``prefix``, so that two lessons' footnotes never share one; its images
    from the course's assets (``have``, their paths; one the course no longer has, or ``image``
    cannot place, becomes its alt text and a note); links inside the site turned to text."""
    writer = _Writer(f"/courses/{course.slug}/assets/", have, prefix, image or (lambda path: ASSET_SCHEME + path))
    writer.feed(html)
    writer.close()
    for src in writer.missing:
        with force_locale(main):
            notes.append(str(_l("An image could not be included: %(src)s", src=src[:200])))
    return "".join(writer.out)


class _Writer(HTMLParser):
    def __init__(self, assets: str, have: set[str], prefix: str, image: Callable[[str], str | None]):
        super().__init__(convert_charrefs=True)
        self.assets, self.have, self.prefix, self.image = assets, have, prefix, image
        self.out: list[str] = []
        self.missing: list[str] = []
        self.links: list[bool] = []  # for each <a> open: written as a <span> (a link inside the site)

    def handle_starttag(self, tag, attrs):
        kept: dict[str, str] = {}
        for name, value in attrs:
            if name.replace("-", "").isalnum():
                kept.setdefault(name, name if value is None else value)  # the first of a repeated one, as browsers do
        attrs = kept
        if tag == "img":
            src = attrs.get("src", "")
            path = "assets/" + src[len(self.assets):] if src.startswith(self.assets) else None
            placed = self.image(path) if path in self.have else None
            if placed is None:
                self.missing.append(src)
                self.out.append(f'<span class="missing-image">[{escape(attrs.get("alt", ""), quote=False)}]</span>')
                return
            attrs["src"] = placed
            attrs.setdefault("alt", "")
        if tag == "a":
            href = attrs.get("href", "")
            inside = not href.startswith(("https://", "http://", "#"))  # a source's own link stays; so do notes
            self.links.append(inside)
            if inside:
                self.out.append("<span>")
                return
        if "id" in attrs:
            attrs["id"] = self.prefix + attrs["id"]
        if attrs.get("href", "").startswith("#"):
            attrs["href"] = "#" + self.prefix + attrs["href"][1:]
        written = "".join(f' {name}="{escape(value, quote=True)}"' for name, value in attrs.items())
        self.out.append(f"<{tag}{written}{'/' if tag in VOID else ''}>")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if tag == "a" and self.links and self.links.pop():
            self.out.append("</span>")
            return
        self.out.append(f"</{tag}>")

    def handle_data(self, data):
        self.out.append(escape(data, quote=False))


def render(course: Course, lang: str, paper: str, edition: str = "") -> tuple[bytes, int, list[str]]:
    """The handbook's PDF, its page count, and the notes on what it could not include."""
    from training.pdf import render_pdf

    notes: list[str] = []
    shown = languages_of(lang, course)
    main = shown[0]
    readable = _ReadableImages(course.id)
    with force_locale(main):
        parts = chapters(course, lang, notes, edition, image=readable.address)
        html = render_template(
            "courses/handbook_pdf.html", course=course, chapters=parts, paper=paper, lang=main, shown=shown,
            keyed=[entry for chapter in parts for entry in chapter.entries if entry.answers],
            title=both_titles(course.titles, shown), summary=localized(course.summaries, main),
            warning=localized(course.content_warnings, main) if course.content_warnings else "",
            organisation=current_app.config["AMICUS_ORGANISATION"], notes=notes, made_on=utcnow(), edition=edition)

    def resolve(url: str):
        return readable.found.get(url[len(ASSET_SCHEME):]) if url.startswith(ASSET_SCHEME) else None

    pdf = render_pdf(html, resolve=resolve)
    from pypdf import PdfReader  # only here: counting the pages

    return pdf, len(PdfReader(io.BytesIO(pdf)).pages), notes


#: The image types a handbook holds, with a file ending: those every EPUB reader shows (EPUB 3.3,
#: "core media types"), which WeasyPrint draws too; any other becomes a note.
IMAGE_TYPES = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp",
               "image/svg+xml": "svg"}


class _ReadableImages:
    """The course's images the PDF can show: an asset of one of IMAGE_TYPES whose content reads as
    that image (checked once, with Pillow, which WeasyPrint draws them with). Any other (a BMP, a
    file cut short) is left out with a note, not dropped without a word."""

    def __init__(self, course_id: int):
        self.course_id = course_id
        self.found: dict[str, tuple[bytes, str]] = {}
        self.refused: set[str] = set()

    def address(self, path: str) -> str | None:
        if path not in self.found and path not in self.refused:
            row = db.session.execute(select(CourseAsset.data, CourseAsset.mimetype).where(
                CourseAsset.course_id == self.course_id, CourseAsset.path == path)).one_or_none()
            if row is not None and row.mimetype in IMAGE_TYPES and _reads(row.data, row.mimetype):
                self.found[path] = (row.data, row.mimetype)
            else:
                self.refused.add(path)
        return ASSET_SCHEME + path if path in self.found else None


def _reads(data: bytes, mimetype: str) -> bool:
    if mimetype == "image/svg+xml":
        return b"<svg" in data[:4096]
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as picture:
            picture.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return False
    return True


def make(course: Course, lang: str, paper: str, edition: str = "") -> tuple[bytes, int | None, list[str]]:
    """The handbook in its format: a PDF (``render``) or, for "epub", an EPUB (no page count)."""
    if paper == "epub":
        from courses import epub  # here: epub imports this module

        data, notes = epub.render(course, lang, edition)
        return data, None, notes
    return render(course, lang, paper, edition)


# ---------------------------------------------------------------------------------------------
# Stored per version, made in the background


def current(course: Course, lang: str, paper: str, edition: str = "") -> Handbook | None:
    return db.session.execute(select(Handbook).where(
        Handbook.course_id == course.id, Handbook.version == course.version, Handbook.lang == lang,
        Handbook.paper == paper, Handbook.edition == edition)).scalar_one_or_none()


def request_handbook(course: Course, lang: str, paper: str, edition: str = "", trainer: bool = False) -> Handbook:
    """The handbook of the course's current version, queued if there is none (or it failed).
    ``trainer``: the one asking is a trainer or an admin (only they get the trainers' edition)."""
    if lang not in LANGS or (lang != "both" and lang not in course.languages):
        raise HandbookError(_l("This course has no such language."))
    if paper not in PAPERS:
        raise HandbookError(_l("Choose A4, A5 or EPUB."))
    if edition not in editions_for(course, trainer):
        raise HandbookError(_l("Choose one of the editions offered."))
    row = current(course, lang, paper, edition)
    stalled = row is not None and row.status in ("queued", "running") and (utcnow() - row.requested_at).total_seconds() > 900
    if row is not None and row.status != "failed" and not stalled:
        return row
    if row is None:
        row = Handbook(course_id=course.id, version=course.version, lang=lang, paper=paper, edition=edition)
        db.session.add(row)
    row.status, row.error, row.requested_at = "queued", None, utcnow()
    db.session.flush()
    return row


def start(row: Handbook) -> None:
    """Queue the job once the row is committed (the job reads it from another session)."""
    jobs.enqueue("courses.handbook.build", row.id)


def build(handbook_id: int) -> None:
    """The job: make the PDF and store it (any app process then serves it)."""
    row = db.session.get(Handbook, handbook_id)
    if row is None or row.status == "done":
        return
    row.status = "running"
    db.session.commit()
    course = db.session.get(Course, row.course_id)
    try:
        data, pages, notes = make(course, row.lang, row.paper, row.edition)
    except Exception as error:  # recorded for the page; the worker goes on
        db.session.rollback()
        row = db.session.get(Handbook, handbook_id)
        row.status, row.error, row.finished_at = "failed", f"{type(error).__name__}: {error}"[:500], utcnow()
        db.session.commit()
        raise
    row.data, row.size, row.pages, row.notes = data, len(data), pages, notes
    row.status, row.finished_at = "done", utcnow()
    db.session.commit()
