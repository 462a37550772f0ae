"""The certificate as a PDF: one HTML template, the course's design, WeasyPrint, local fonts only."""
from __future__ import annotations

import html as html_module
import re
from dataclasses import dataclass
from pathlib import Path

from babel.dates import format_date
from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import select

from certificates import fonts
from certificates.models import Certificate
from certificates.names import direction
from certificates.services import display_code, settings_for
from courses.models import CourseAsset, localized
from training import qr
from training.extensions import db
from training.pdf import render_pdf
from training.public_links import base_url
from training.timezones import local_date, select_timezone

ASSET_SCHEME = "amicus-asset:/"
FONT_FACES_MARK = "/*amicus-font-faces*/"
QR_URL = "amicus-qr:/code.png"


@dataclass
class Sample:
    """What the template needs of a certificate; previews make one without a database row."""

    printed_name: str
    language: str
    course_id: int | None
    course_titles: dict
    issued_at: object
    expires_at: object
    code: str
    # The zone its dates are printed in: the one of the person who asked for it (a background
    # job has no reader); None: the current reader's.
    zone: str | None = None


def verify_url(code: str, base: str | None = None) -> str:
    """The public verification page of a certificate, on ``base`` (default: the site's public
    address, training/public_links.py; a background job passes the one of the request that started it)."""
    return (base or base_url()) + "/verify/" + display_code(code)


def certificate_html(cert: Certificate | Sample, design: dict | None, base: str | None = None) -> str:
    design = design or {}
    lang = cert.language or "en"
    name = cert.printed_name or ""
    zone = getattr(cert, "zone", None) or select_timezone()

    def text(key: str) -> str:
        return localized(design.get(key), lang) if design.get(key) else ""

    colours = {"primary": "#5b2333", "accent": "#b08d57", **design.get("colours", {})}
    url = verify_url(cert.code, base)
    length = len(name)
    size = "short" if length <= 24 else "medium" if length <= 40 else "long" if length <= 64 else "very-long"
    with force_locale(lang):
        page = render_template(
            "certificates/pdf.html", lang=lang, name=name, name_dir=direction(name), name_size=size,
            title=text("title"), text=text("text"),
            organisation=text("organisation") or current_app.config["AMICUS_ORGANISATION"],
            course_title=localized(cert.course_titles, lang),
            issued_on=format_date(local_date(cert.issued_at, zone), format="long", locale=_babel_locale(lang)),
            expires_on=(format_date(local_date(cert.expires_at, zone), format="long", locale=_babel_locale(lang))
                        if cert.expires_at else None),
            code=display_code(cert.code), url=url, qr=QR_URL, colours=colours,
            logo=(ASSET_SCHEME + design["logo"]) if design.get("logo") else None,
            signatories=[{"name": localized(s.get("name"), lang), "role": localized(s.get("role"), lang),
                          "signature": (ASSET_SCHEME + s["signature"]) if s.get("signature") else None}
                         for s in design.get("signatories", [])],
        )
    # Declare a CJK font for exactly the characters the page draws.
    text = html_module.unescape(re.sub(r"<[^>]*>", " ", page))
    return page.replace(FONT_FACES_MARK, fonts.cjk_font_faces(text), 1)


def _babel_locale(lang: str) -> str:
    return {"zh": "zh_Hans_CN"}.get(lang, lang)


def course_design(course_id: int | None) -> tuple[dict, dict]:
    """(design, images) of a course's certificate: images maps asset paths to (bytes, type)."""
    settings = settings_for(course_id) if course_id is not None else None
    design = settings.design if settings is not None else {}
    paths = [design.get("logo")] + [s.get("signature") for s in design.get("signatories", [])]
    paths = [p for p in paths if p]
    images = {}
    if paths:
        images = {row.path: (row.data, row.mimetype) for row in db.session.execute(
            select(CourseAsset.path, CourseAsset.data, CourseAsset.mimetype)
            .where(CourseAsset.course_id == course_id, CourseAsset.path.in_(paths)))}
    return design, images


def render_certificate(cert: Certificate | Sample, design: dict | None = None, images: dict | None = None,
                       base: str | None = None) -> bytes:
    """The PDF of one certificate (its name must be set); design and images are loaded if not given.
    Its link and QR code lead to ``base`` (default: the site's public address)."""
    if design is None:
        design, images = course_design(cert.course_id)
    images = images or {}
    base = base or base_url()
    html = certificate_html(cert, design, base)
    colour = {"primary": "#5b2333", **design.get("colours", {})}["primary"]
    code_png = qr.png(verify_url(cert.code, base), colour)

    def resolve(url: str):
        if url.startswith(fonts.FONT_SCHEME):
            return fonts.resolve_font(url)
        if url == QR_URL:
            return code_png, "image/png"
        if url.startswith(ASSET_SCHEME):
            return images.get(url[len(ASSET_SCHEME):])
        return None

    _install_actual_text()
    with fonts.render_lock():
        _actual_text_seen.clear()
        return render_pdf(html, resolve=resolve, font_config=fonts.shared_font_config(),
                          stylesheets=[_stylesheet()])


# The text layer of complex scripts. A PDF maps each glyph to one piece of text, once per font,
# but Khmer, Devanagari and Arabic draw one glyph in several contexts (ស in ស្រី and in សុ), so
# copying or extracting the name could give the letters in the wrong order. PDF's remedy is an
# /ActualText span: the name's glyphs are wrapped in one that carries the name as typed, which
# text extractors and screen readers use. WeasyPrint has no such option, so its text-drawing
# function is wrapped, acting only on elements with a data-actual-text attribute. Right-to-left
# names go without: poppler reverses an ActualText span, while their glyph map reads right.
_actual_text_seen: set[int] = set()
_actual_text_installed = False


def _install_actual_text() -> None:
    global _actual_text_installed
    if _actual_text_installed:
        return
    import pydyf
    from weasyprint import draw

    original = draw.draw_text

    def draw_text(stream, textbox, *args, **kwargs):
        element = getattr(textbox, "element", None)
        actual = element.get("data-actual-text") if element is not None else None
        if actual is None:
            return original(stream, textbox, *args, **kwargs)
        first = id(element) not in _actual_text_seen
        _actual_text_seen.add(id(element))
        stream.begin_marked_content("Span", pydyf.Dictionary({"ActualText": pydyf.String(actual if first else "")}))
        try:
            return original(stream, textbox, *args, **kwargs)
        finally:
            stream.end_marked_content()

    draw.draw_text = draw_text
    _actual_text_installed = True


_parsed_stylesheet = None


def _stylesheet():
    """static/css/certificate.css, parsed once per process (3-4 ms a document otherwise)."""
    global _parsed_stylesheet
    if _parsed_stylesheet is None:
        from weasyprint import CSS

        path = Path(current_app.static_folder) / "css" / "certificate.css"
        _parsed_stylesheet = CSS(string=path.read_text(encoding="utf-8"))
    return _parsed_stylesheet
