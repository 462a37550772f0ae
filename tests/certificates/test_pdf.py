"""The certificate PDF: exact names in every script, subset fonts, one page, small files."""
from __future__ import annotations

import io
import subprocess
import zipfile
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from certificates.render import Sample, render_certificate

NAMES = {
    "chinese": "王小梅", "arabic": "محمد العلي", "vietnamese": "Nguyễn Thị Ngọc", "cyrillic": "Анна Петрова",
    "devanagari": "अनीता शर्मा", "khmer": "ស្រី សុខា", "latin": "Mary O'Neil-Smith",
}
BIDI_MARKS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u200e\u200f"))


def sample(name: str, lang: str = "en", titles=None) -> Sample:
    return Sample(name, lang, None, titles or {"en": "GBV litigation for lawyers", "zh": "性别暴力案件诉讼实务"},
                  datetime(2026, 11, 21, tzinfo=UTC), None, "K7QD9XMA3VRTPW2H")


def pdf_text(pdf: bytes) -> str:
    out = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return out.translate(BIDI_MARKS)


def pdf_fonts(pdf: bytes) -> list[list[str]]:
    out = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return [line.split() for line in out.splitlines()[2:]]


@pytest.mark.parametrize("script", NAMES)
def test_every_script_is_printed_exactly_with_subset_fonts(app, script):
    name = NAMES[script]
    pdf = render_certificate(sample(name))
    assert name in pdf_text(pdf).splitlines()
    fonts = pdf_fonts(pdf)
    assert fonts and all(row[0][6] == "+" for row in fonts), fonts  # ABCDEF+Name: a subset
    assert all(row[-5] == "yes" for row in fonts)  # embedded ("emb" column)
    assert len(pdf) < 100 * 1024
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1


def test_a_chinese_certificate_is_small_and_in_chinese(app):
    pdf = render_certificate(sample("欧阳娜娜", "zh"))
    text = pdf_text(pdf)
    assert "欧阳娜娜" in text and "性别暴力案件诉讼实务" in text and "2026年11月21日" in text
    assert len(pdf) < 100 * 1024
    # The CJK font embedded is cut for this document, not the 26 MB collection.
    assert any("Amicus-CJK" in row[0] for row in pdf_fonts(pdf))


def test_right_to_left_names_keep_their_order_for_pypdf_too(app):
    pdf = render_certificate(sample(NAMES["arabic"]))
    assert NAMES["arabic"] in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def test_a_very_long_name_wraps_on_one_page(app):
    name = " ".join(["Maximiliana"] * 8) + " Wolfeschlegelsteinhausenbergerdorff"
    name = name[:100]
    pdf = render_certificate(sample(name))
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    assert name.replace(" ", "") in pdf_text(pdf).replace("\n", "").replace(" ", "")


def test_the_qr_code_and_the_printed_url_lead_to_the_verification_page(app):
    pdf = render_certificate(sample("Mary"))
    text = pdf_text(pdf)
    assert "http://127.0.0.1:5000/verify/K7QD-9XMA-3VRT-PW2H" in text
    images = PdfReader(io.BytesIO(pdf)).pages[0].images
    assert len(images) == 1  # the QR code (a logo or signatures would add more)
    import segno

    expected = segno.make("http://127.0.0.1:5000/verify/K7QD-9XMA-3VRT-PW2H", error="m", mask=0)
    assert images[0].image.size == (expected.symbol_size(scale=1, border=0))


def test_the_certificate_names_no_other_host(app):
    """Only the printed verification URL; nothing is fetched while rendering (see training/pdf.py)."""
    from certificates.render import certificate_html

    html = certificate_html(sample("Mary"), {})
    assert "http" not in html.replace("http://127.0.0.1:5000/verify/K7QD-9XMA-3VRT-PW2H", "")


def test_the_cohort_zip_holds_one_pdf_per_named_certificate(app, make_user, make_course):
    from datetime import date

    from certificates import batch
    from certificates.models import Certificate, CertificateBatch
    from training import cohorts
    from training.extensions import db
    from training.progress import enrol

    course = make_course(modules=1, lessons=1)
    trainer = make_user("trainer", role="trainer")
    cohort = cohorts.create_cohort(trainer, course.id, "Spring", date.today(), None)
    db.session.commit()
    names = list(NAMES.values()) * 4  # 28: enough to share the work among processes
    for i, name in enumerate(names):
        user = make_user(f"p{i:02d}")
        cohorts.join_cohort(user, cohort.invite_code, date.today())
        enrol(user, course.id, cohort.id)
        db.session.add(Certificate(code=f"{i:016d}", user_id=user.id, course_id=course.id, course_titles=course.titles,
                                   printed_name=name, language="en"))
    unnamed = make_user("waiting")
    cohorts.join_cohort(unnamed, cohort.invite_code, date.today())
    db.session.add(Certificate(code="W" * 16, user_id=unnamed.id, course_id=course.id, course_titles=course.titles))
    made = batch.start(trainer, cohort)
    db.session.commit()
    batch.build_zip(made.id)
    made = db.session.get(CertificateBatch, made.id)
    assert (made.status, made.done, made.total) == ("done", len(names), len(names))
    archive = zipfile.ZipFile(io.BytesIO(made.zip_data))
    pdfs = sorted(n for n in archive.namelist() if n.endswith(".pdf"))
    assert len(pdfs) == len(names) and pdfs[0] == "p00-test-course.pdf"
    assert NAMES["khmer"] in pdf_text(archive.read("p05-test-course.pdf"))
    assert "waiting" in archive.read("README.txt").decode()


def test_the_course_design_logo_signatures_and_colours_are_printed(app, tmp_path):
    import segno

    from courses.package import read_packages
    from courses.services import get_course
    from courses.sync import sync_courses
    from tests.conftest import write_course
    from training.extensions import db

    folder = write_course(tmp_path, modules=1, lessons=1, languages=("en", "zh"), extra_yaml="""
        certificate:
          title: {en: Certificate of attendance, zh: 培训证书}
          organisation: Example Legal Aid Network
          logo: assets/logo.png
          signatories:
            - {name: Li Ming, role: {en: Course director, zh: 课程负责人}, signature: assets/signature.png}
          colours: {primary: "#224466", accent: "#aa8844"}
        """)
    (folder / "assets").mkdir()
    for name, colour in (("logo.png", "#224466"), ("signature.png", "#000000")):
        segno.make(name).save(str(folder / "assets" / name), scale=2, dark=colour)
    specs, errors, _ = read_packages([folder])
    assert not errors, errors
    sync_courses(specs)
    db.session.commit()
    course = get_course("test-course")
    cert = Sample("王小梅", "zh", course.id, course.titles, datetime(2026, 11, 21, tzinfo=UTC), None,
                  "K7QD9XMA3VRTPW2H")
    pdf = render_certificate(cert)
    text = pdf_text(pdf)
    assert "培训证书" in text and "EXAMPLE LEGAL AID NETWORK" in text and "Li Ming" in text and "课程负责人" in text
    assert len(PdfReader(io.BytesIO(pdf)).pages[0].images) == 3  # logo, signature, QR code
