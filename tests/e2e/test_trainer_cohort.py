"""A trainer creates a cohort, a participant joins and works, the trainer reads the matrix (on a
wide screen and on a phone) and runs the course's case exercise with the cohort."""
import csv
import io
import re

from playwright.sync_api import expect

from courses.package import read_packages
from courses.sync import sync_courses
from tests.conftest import PASSWORD, write_course
from tests.courses.cases.helpers import case_files
from tests.e2e.conftest import screenshot
from training import accounts
from training.extensions import db


def log_in(page, handle):
    page.goto("/login")
    page.get_by_label("Handle").fill(handle)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_trainer_runs_a_cohort(page_factory, live_server, tmp_path):
    folder = write_course(tmp_path, slug="cohort-course", modules=1, lessons=3, sequential=False, case=case_files())
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
    expect(rows.nth(0)).to_contain_text("75%")
    trainer.get_by_role("link", name="Progress").click()  # sort by progress, highest first
    expect(rows.nth(0)).to_contain_text("ada-e2e")
    trainer.get_by_role("link", name="Progress ↓").click()  # then lowest first
    expect(rows.nth(0)).to_contain_text("bo-e2e")
    expect(rows.nth(0)).to_contain_text("25%")
    screenshot(trainer, "cohort-matrix")

    # Each column names its activity and kind; each cell says its state, in words for screen readers.
    headings = trainer.locator("table.matrix thead th.activity-col")
    expect(headings).to_have_count(4)
    expect(headings.nth(0)).to_contain_text("Lesson 1")
    expect(headings.nth(3)).to_contain_text("Case exercise")
    expect(rows.nth(0).locator("td.cell")).to_have_text(["✓Done", "·Not started", "·Not started", "·Not started"])
    expect(trainer.locator(".matrix-legend")).to_contain_text("Submitted, awaiting a mark")
    # The full title shows on keyboard focus (the heading shows a short one).
    headings.nth(3).locator("a").focus()
    shown = headings.nth(3).locator("a").evaluate("a => getComputedStyle(a, '::after').content")
    assert shown == '"The Wang application"'

    # The case exercise: set up once, then the page links to the run instead of offering another.
    cohort_url = trainer.url
    trainer.get_by_role("button", name="Run “The Wang application” with this cohort").click()
    expect(trainer).to_have_url(re.compile(r"/case-runs/\d+$"))
    run_url = trainer.url
    trainer.goto(cohort_url)
    expect(trainer.get_by_text("“The Wang application” is running for this cohort")).to_be_visible()
    expect(trainer.get_by_role("button", name="Run “The Wang application” with this cohort")).to_have_count(0)
    trainer.get_by_role("link", name="open the exercise").click()
    assert trainer.url == run_url
    trainer.goto(cohort_url)

    # On a phone the page does not scroll sideways: the matrix scrolls in its box, names in view.
    trainer.set_viewport_size({"width": 375, "height": 800})
    trainer.reload()
    assert trainer.evaluate("document.documentElement.scrollWidth") <= 375
    box = trainer.locator(".matrix-wrap")
    box.scroll_into_view_if_needed()  # below the cohort's forms on a phone
    assert box.evaluate("b => b.scrollWidth > b.clientWidth")
    box.evaluate("b => { b.scrollLeft = b.scrollWidth; }")
    name = rows.nth(0).locator("th").bounding_box()
    assert abs(name["x"] - box.bounding_box()["x"]) < 2
    expect(rows.nth(0).locator("th")).to_be_in_viewport()
    screenshot(trainer, "cohort-matrix-phone")
    trainer.set_viewport_size({"width": 1100, "height": 900})

    with trainer.expect_download() as info:
        trainer.get_by_role("link", name="Download CSV").click()
    content = info.value.path().read_text(encoding="utf-8-sig")
    table = list(csv.reader(io.StringIO(content)))
    assert table[0][:4] == ["handle", "profession", "region", "percent"]
    assert {row[0]: row[3] for row in table[1:]} == {"ada-e2e": "75", "bo-e2e": "25"}
