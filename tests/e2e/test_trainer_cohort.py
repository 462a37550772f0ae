"""A trainer creates a cohort, a participant joins and works, the trainer reads the matrix."""
import csv
import io

from playwright.sync_api import expect

from courses.package import read_packages
from courses.sync import sync_courses
from tests.conftest import PASSWORD, write_course
from tests.e2e.conftest import screenshot
from training import accounts
from training.extensions import db


def log_in(page, handle):
    page.goto("/login")
    page.get_by_label("Handle").fill(handle)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_trainer_runs_a_cohort(page_factory, live_server, tmp_path):
    folder = write_course(tmp_path, slug="cohort-course", modules=1, lessons=3, sequential=False)
    specs, errors, _ = read_packages([folder])
    assert not errors
    sync_courses(specs)
    accounts.create_user("coach-e2e", PASSWORD, role="trainer")
    accounts.create_user("ada-e2e", PASSWORD, profession="journalist")
    accounts.create_user("bo-e2e", PASSWORD, profession="ngo")
    db.session.commit()

    trainer = page_factory()
    log_in(trainer, "coach-e2e")
    trainer.get_by_role("link", name="Cohorts").click()
    trainer.get_by_role("link", name="New cohort").click()
    trainer.get_by_label("Course").select_option(label="Course cohort-course")
    trainer.get_by_label("Name").fill("Kunming journalists")
    trainer.get_by_role("button", name="Create cohort").click()
    expect(trainer.get_by_text("Cohort created")).to_be_visible()
    code = trainer.locator("#invite-code").inner_text()
    join_url = trainer.locator("#join-url").input_value()
    assert code in join_url.replace("%2D", "-")

    for handle, lessons in (("ada-e2e", 3), ("bo-e2e", 1)):
        participant = page_factory()
        log_in(participant, handle)
        participant.goto(join_url.replace(live_server.url, ""))
        participant.get_by_role("button", name="Join").click()
        expect(participant.get_by_text("You have joined Kunming journalists")).to_be_visible()
        for n in range(1, lessons + 1):
            participant.goto(f"/courses/cohort-course/lessons/00{n}-lesson")
            participant.get_by_role("button", name="Mark as complete").click()

    trainer.reload()
    rows = trainer.locator("table.matrix tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("ada-e2e")
    expect(rows.nth(0)).to_contain_text("100%")
    trainer.get_by_role("link", name="Progress").click()  # sort by progress, highest first
    expect(rows.nth(0)).to_contain_text("ada-e2e")
    trainer.get_by_role("link", name="Progress ↓").click()  # then lowest first
    expect(rows.nth(0)).to_contain_text("bo-e2e")
    expect(rows.nth(0)).to_contain_text("33%")
    screenshot(trainer, "cohort-matrix")

    with trainer.expect_download() as info:
        trainer.get_by_role("link", name="Download CSV").click()
    content = info.value.path().read_text(encoding="utf-8-sig")
    table = list(csv.reader(io.StringIO(content)))
    assert table[0][:4] == ["handle", "profession", "region", "percent"]
    assert {row[0]: row[3] for row in table[1:]} == {"ada-e2e": "100", "bo-e2e": "33"}
