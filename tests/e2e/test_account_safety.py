"""Two-factor log-in (set up, log in with a code and with a recovery code), signed-in devices,
one's own data downloaded and the account deleted: in the browser."""
import io
import time
import zipfile
from pathlib import Path

import pyotp
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from training import accounts
from training.accounts import Role
from training.extensions import db


def log_in(page, handle, password=PASSWORD):
    page.goto("/login")
    page.locator("#handle").fill(handle)
    page.locator("#password").fill(password)
    page.locator("#submit").click()


def test_two_factor_devices_export_and_deletion(page_factory, live_server):
    accounts.create_user("safe-mei", PASSWORD)
    db.session.commit()
    page = page_factory()
    log_in(page, "safe-mei")
    page.goto("/account")
    page.get_by_role("link", name="Set up two-factor log-in").click()
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    totp = pyotp.TOTP(page.locator("code.secret").inner_text().replace(" ", ""))
    page.get_by_label("Code from the app").fill(totp.now())
    page.get_by_role("button", name="Turn on two-factor log-in").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("link", name="I have kept them").click()
    expect(page.get_by_text("10 unused recovery codes.")).to_be_visible()
    page.get_by_role("button", name="Log out").click()

    # The password, then the app's code (the next one: the one just used is refused as a replay).
    log_in(page, "safe-mei")
    expect(page.get_by_role("heading", name="Log-in code")).to_be_visible()
    page.get_by_label("Code", exact=True).fill(totp.at(time.time() + 30))
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="My learning")).to_be_visible()
    page.get_by_role("button", name="Log out").click()

    # A second device logs in with a recovery code; the first one then ends it.
    phone = page_factory()
    log_in(phone, "safe-mei")
    phone.get_by_label("Code", exact=True).fill(codes[0])
    phone.get_by_role("button", name="Log in").click()
    expect(phone.get_by_text("You used a recovery code; 9 are left.")).to_be_visible()
    log_in(page, "safe-mei")
    page.get_by_label("Code", exact=True).fill(codes[1])
    page.get_by_role("button", name="Log in").click()
    page.goto("/account")
    devices = page.locator("#devices + .table-wrap tbody tr")
    expect(devices).to_have_count(2)
    expect(page.get_by_text("(this device)")).to_have_count(1)
    page.get_by_role("button", name="Log out all other devices").click()
    expect(page.get_by_text("1 other device has been logged out.")).to_be_visible()
    phone.goto("/account")
    expect(phone.get_by_role("heading", name="Log in")).to_be_visible()

    # Her data, then her account.
    with page.expect_download() as download:
        page.get_by_role("link", name="Download my data (ZIP)").first.click()
    archive = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert "data.json" in archive.namelist() and b'"safe-mei"' in archive.read("data.json")
    page.get_by_role("link", name="Delete your account and your personal data").click()
    page.get_by_label("Revoke them").check()
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_text("Tick the box to confirm.")).to_be_visible()  # nothing deleted yet
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_label("I understand that this cannot be undone.").check()
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_text("Your account and your personal data have been deleted.")).to_be_visible()
    log_in(page, "safe-mei")
    expect(page.get_by_text("do not match an account")).to_be_visible()


def test_a_trainer_sets_up_two_factor_before_anything_else(page_factory, live_server):
    live_server.app.config["AMICUS_TWO_FACTOR_ROLES"] = ["trainer", "admin"]
    try:
        accounts.create_user("safe-coach", PASSWORD, role=Role.TRAINER)
        db.session.commit()
        page = page_factory()
        log_in(page, "safe-coach")
        expect(page.get_by_role("heading", name="Set up two-factor log-in")).to_be_visible()
        page.goto("/cohorts")
        expect(page.get_by_role("heading", name="Set up two-factor log-in")).to_be_visible()
        totp = pyotp.TOTP(page.locator("code.secret").inner_text().replace(" ", ""))
        page.get_by_label("Code from the app").fill(totp.now())
        page.get_by_role("button", name="Turn on two-factor log-in").click()
        page.get_by_role("link", name="I have kept them").click()
        page.goto("/cohorts")
        expect(page.get_by_role("heading", name="Your cohorts")).to_be_visible()
    finally:
        live_server.app.config["AMICUS_TWO_FACTOR_ROLES"] = []
