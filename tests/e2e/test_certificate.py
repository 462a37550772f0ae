"""A participant completes a small course, gives her name, downloads her certificate and opens
the URL printed beside its QR code (the server's own address: nothing is configured); her trainer
downloads the cohort's certificates; an admin revokes one and the same URL says so."""
from __future__ import annotations

import re
import subprocess
import zipfile
from datetime import date

from playwright.sync_api import expect

from courses.package import read_packages
from courses.sync import sync_courses
from tests.certificates.test_links import qr_link_matches
from tests.conftest import PASSWORD, write_course
from tests.e2e.conftest import screenshot
from tests.pdf_glyphs import missing_glyphs
from training import accounts, cohorts
from training.extensions import db


def log_in(page, handle):
    page.goto("/login")
    page.get_by_label("Handle").fill(handle)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_complete_name_download_and_verify(page_factory, live_server, tmp_path):
    specs, errors, _ = read_packages([write_course(tmp_path, slug="cert-course", modules=1, lessons=2)])
    assert not errors
    sync_courses(specs)
    trainer = accounts.create_user("cert-trainer", PASSWORD, role="trainer")
    accounts.create_user("cert-mei", PASSWORD)
    accounts.create_user("cert-admin", PASSWORD, role="admin")
    db.session.flush()
    from courses.services import get_course

    cohort = cohorts.create_cohort(trainer, get_course("cert-course").id, "Cert cohort", date.today(), None)
    db.session.commit()

    page = page_factory()
    log_in(page, "cert-mei")
    page.goto("/join")
    page.get_by_label("Invite code").fill(cohort.invite_code_display)
    page.get_by_role("button", name="Join").click()
    page.get_by_role("link", name="Continue: Lesson 1").click()
    for _ in range(2):
        page.get_by_role("button", name="Mark as complete").click()
    expect(page.get_by_text("Your certificate is waiting for you")).to_be_visible()
    page.get_by_role("link", name="Get your certificate").click()

    name = page.get_by_label("The name to print on your certificate")
    name.fill("王小梅 <b>")
    page.get_by_label("I have checked the spelling").check()
    page.get_by_role("button", name="Make my certificate").click()
    expect(page.get_by_text("cannot be part of a printed name")).to_be_visible()
    page.get_by_label("The name to print on your certificate").fill("陈 晓梅")
    page.get_by_label("I have checked the spelling").check()
    page.get_by_role("button", name="Make my certificate").click()
    expect(page.get_by_text("Your certificate is ready")).to_be_visible()
    screenshot(page, "certificate-page")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the certificate (PDF)").click()
    pdf_path = tmp_path / "certificate.pdf"
    download_info.value.save_as(pdf_path)
    text = subprocess.run(["pdftotext", str(pdf_path), "-"], capture_output=True, check=True).stdout.decode()
    assert "陈 晓梅" in text
    assert missing_glyphs(pdf_path.read_bytes()) == []  # the space is a space on paper, not a box
    # The printed link and the QR code lead to this server (its port), where she got the PDF.
    url = re.search(r"(http://\S+/verify/[0-9A-Z-]+)", text).group(1)
    assert url.startswith(live_server.url + "/verify/") and qr_link_matches(pdf_path.read_bytes(), url)
    expect(page.get_by_role("link", name=url)).to_have_attribute("href", url)  # her page shows the same
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", str(pdf_path), str(tmp_path / "certificate")], check=True)

    stranger = page_factory(javascript=False)
    stranger.goto(url)
    expect(stranger.get_by_role("heading", name="Valid certificate")).to_be_visible()
    expect(stranger.get_by_text("陈 晓梅")).to_be_visible()
    expect(stranger.get_by_text("cert-mei")).to_have_count(0)
    screenshot(stranger, "certificate-verified")
    stranger.goto("/verify")
    stranger.get_by_label("Certificate number").fill("AAAA-BBBB-CCCC-DDDD")
    stranger.get_by_role("button", name="Check").click()
    expect(stranger.get_by_text("No certificate has this number")).to_be_visible()

    trainer_page = page_factory()
    log_in(trainer_page, "cert-trainer")
    trainer_page.goto(f"/cohorts/{cohort.id}")
    trainer_page.get_by_role("button", name="Download all certificates (ZIP)").click()
    expect(trainer_page.get_by_text("1 certificate is ready")).to_be_visible()
    with trainer_page.expect_download() as zip_info:
        trainer_page.get_by_role("link", name="Download the ZIP").click()
    zip_path = tmp_path / "cohort.zip"
    zip_info.value.save_as(zip_path)
    assert "cert-mei-cert-course.pdf" in zipfile.ZipFile(zip_path).namelist()

    admin = page_factory()
    log_in(admin, "cert-admin")
    admin.goto("/admin/certificates")
    admin.get_by_role("link", name=url.rsplit("/", 1)[1]).click()
    admin.get_by_label("Reason").fill("Test of revocation")
    admin.get_by_role("button", name="Revoke").click()
    expect(admin.get_by_text("The certificate is revoked")).to_be_visible()
    stranger.goto(url)
    expect(stranger.get_by_role("heading", name="Revoked certificate")).to_be_visible()
    expect(stranger.get_by_text("Test of revocation")).to_have_count(0)
