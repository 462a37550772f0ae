"""Every link a certificate carries leads to the site where it really runs: the printed URL, the QR
code, the Open Badge, her page, the admins' page, the cohort's ZIP and her data export.

In development (AMICUS_BASE_URL unset) that is the address the request came to; in production it is
AMICUS_BASE_URL, whatever Host a request names (behind a proxy gunicorn sees 127.0.0.1:8000).
"""
from __future__ import annotations

import io
import json
import subprocess
import zipfile
from datetime import date

import pytest
import segno
from pypdf import PdfReader
from sqlalchemy import select

from certificates.models import Certificate
from tests.conftest import PASSWORD, empty_database, make_app, new_course, new_user
from training import cohorts
from training.extensions import db
from training.progress import enrol

CODE = "K7QD9XMA3VRTPW2H"
SHOWN = "K7QD-9XMA-3VRT-PW2H"
WORLDS = {
    # name: (settings, the Host requests arrive with, their scheme, the base every link must use)
    "development": ({"AMICUS_ENV": "development"}, "amicus.test:8080", "http", "http://amicus.test:8080"),
    "production": ({"AMICUS_ENV": "production", "AMICUS_BASE_URL": "https://training.example.org/amicus/"},
                   "127.0.0.1:8000", "https", "https://training.example.org/amicus"),
}


def qr_link_matches(pdf: bytes, url: str) -> bool:
    """The QR code drawn on the page, module by module, is the code of ``url``."""
    image = PdfReader(io.BytesIO(pdf)).pages[0].images[0].image.convert("L")
    drawn = [[image.getpixel((x, y)) < 128 for x in range(image.width)] for y in range(image.height)]
    expected = [[bool(module) for module in row] for row in segno.make(url, error="m", mask=0).matrix]
    return drawn == expected


def pdf_text(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


class Browser:
    """A test client whose every request goes to ``origin`` (its Host header and scheme)."""

    def __init__(self, client, origin: str):
        self.client, self.origin = client, origin

    def get(self, path: str, **kwargs):
        return self.client.get(self.origin + path, **kwargs)

    def post(self, path: str, **kwargs):
        return self.client.post(self.origin + path, **kwargs)


@pytest.fixture(params=WORLDS)
def world(request, tmp_path):
    settings, host, scheme, base = WORLDS[request.param]
    app = make_app(tmp_path, **settings)
    with app.app_context():
        db.create_all()
        course = new_course(tmp_path, modules=1, lessons=1, sequential=False)
        trainer = new_user("trainer", role="trainer")
        mei = new_user("mei")
        new_user("boss", role="admin")
        cohort = cohorts.create_cohort(trainer, course.id, "Spring", date.today(), None)
        cohorts.join_cohort(mei, cohort.invite_code, date.today())
        enrol(mei, course.id, cohort.id)
        db.session.add(Certificate(code=CODE, user_id=mei.id, course_id=course.id, course_titles=course.titles,
                                   printed_name="陈 晓梅", language="zh"))
        db.session.commit()

        def client(handle):
            browser = Browser(app.test_client(), f"{scheme}://{host}")
            response = browser.post("/login", data={"handle": handle, "password": PASSWORD})
            assert response.status_code == 302
            return browser

        yield client, cohort, base
        empty_database()


def test_every_link_of_a_certificate_leads_to_the_public_address(world):
    client, cohort, base = world
    link = f"{base}/verify/{SHOWN}"

    mei = client("mei")
    assert link in mei.get("/courses/test-course/certificate").get_data(as_text=True)
    pdf = mei.get("/courses/test-course/certificate.pdf").data
    assert link in pdf_text(pdf) and qr_link_matches(pdf, link)
    badge = json.loads(mei.get("/courses/test-course/certificate.json").data)
    assert badge["id"] == link and badge["issuer"]["id"] == badge["issuer"]["url"] == base + "/"
    assert badge["credentialSubject"]["achievement"]["id"] == f"{base}/courses/test-course#certificate"
    export = zipfile.ZipFile(io.BytesIO(mei.get("/account/my-data.zip").data))
    exported = export.read(f"files/certificate-{SHOWN}.pdf")
    assert link in pdf_text(exported) and qr_link_matches(exported, link)

    admin = client("boss")
    cert_id = db.session.execute(select(Certificate.id)).scalar_one()
    assert f'<a href="{link}">{link}</a>' in admin.get(f"/admin/certificates/{cert_id}").get_data(as_text=True)

    # The ZIP is made by a background job, outside the request that asked for it.
    trainer = client("trainer")
    batch_page = trainer.post(f"/cohorts/{cohort.id}/certificates").headers["Location"]
    archive = zipfile.ZipFile(io.BytesIO(trainer.get(batch_page + "/download").data))
    zipped = archive.read("mei-test-course.pdf")
    assert link in pdf_text(zipped) and qr_link_matches(zipped, link)


def test_a_job_started_by_an_older_version_uses_the_configured_address(tmp_path):
    """A ZIP queued before this change (no address passed) prints AMICUS_BASE_URL."""
    from certificates import batch

    app = make_app(tmp_path, AMICUS_BASE_URL="https://training.example.org")
    with app.app_context():
        db.create_all()
        course = new_course(tmp_path, modules=1, lessons=1, sequential=False)
        trainer = new_user("trainer", role="trainer")
        mei = new_user("mei", password=PASSWORD)
        cohort = cohorts.create_cohort(trainer, course.id, "Spring", date.today(), None)
        cohorts.join_cohort(mei, cohort.invite_code, date.today())
        enrol(mei, course.id, cohort.id)
        db.session.add(Certificate(code=CODE, user_id=mei.id, course_id=course.id, course_titles=course.titles,
                                   printed_name="Mei", language="en"))
        made = batch.start(trainer, cohort)
        db.session.commit()
        batch.build_zip(made.id)
        archive = zipfile.ZipFile(io.BytesIO(db.session.get(type(made), made.id).zip_data))
        assert f"https://training.example.org/verify/{SHOWN}" in pdf_text(archive.read("mei-test-course.pdf"))
        empty_database()
