"""A whole small moot in the browser: the trainer forms two teams and two judges and starts the
case; each team reads its case file and submits; two judges score blind; the hearing is scored;
the trainer publishes; a participant reads her feedback and writes her reflection."""
from __future__ import annotations

from datetime import date, timedelta

from playwright.sync_api import expect

from courses.package import read_packages
from courses.sync import sync_courses
from tests.conftest import PASSWORD, write_course
from tests.courses.cases.helpers import case_files
from tests.e2e.conftest import screenshot
from training import accounts, cohorts
from training.extensions import db
from training.progress import enrol

CASE = "/courses/moot-e2e/cases/moot"


def log_in(page, handle):
    page.goto("/login")
    page.get_by_label("Handle").fill(handle)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def level(page, criterion, value, scope=None):
    (scope or page).locator(f'fieldset:has(legend:has-text("{criterion}")) input[value="{value}"]').check()


def test_a_whole_small_moot(page_factory, live_server, tmp_path):
    specs, errors, _ = read_packages([write_course(tmp_path, slug="moot-e2e", modules=1, lessons=1, case=case_files())])
    assert not errors, errors
    sync_courses(specs)
    trainer = accounts.create_user("moot-tess", PASSWORD, role="trainer")
    people = {h: accounts.create_user(h, PASSWORD) for h in ("moot-ana", "moot-cyd", "moot-joe")}
    db.session.flush()
    from courses.services import get_course

    course = get_course("moot-e2e")
    cohort = cohorts.create_cohort(trainer, course.id, "Moot cohort", date.today() - timedelta(days=1), None)
    for user in people.values():
        cohorts.join_cohort(user, cohort.invite_code, date.today())
        enrol(user, course.id, cohort.id)
    db.session.commit()

    # The trainer sets the run up from the cohort page: two teams, two judges, then starts.
    tess = page_factory()
    log_in(tess, "moot-tess")
    tess.goto(f"/cohorts/{cohort.id}")
    tess.get_by_role("button", name="Run “The Wang application” with this cohort").click()
    expect(tess.get_by_role("heading", name="The Wang application")).to_be_visible()
    tess.get_by_label("New team for the").select_option("applicant")
    tess.get_by_role("button", name="Form a team").click()
    expect(tess.get_by_text("Team 1 is formed.")).to_be_visible()
    tess.get_by_label("Participant to add to team 1").select_option(label="moot-ana")
    tess.locator("#team-1").get_by_role("button", name="Add").click()
    tess.get_by_label("New team for the").select_option("respondent")
    tess.get_by_role("button", name="Form a team").click()
    tess.get_by_label("Participant to add to team 2").select_option(label="moot-cyd")
    tess.locator("#team-2").get_by_role("button", name="Add").click()
    expect(tess.locator("#team-2")).to_contain_text("moot-cyd")
    tess.get_by_label("Judge", exact=True).select_option(label="moot-joe")
    tess.get_by_label("presides").check()
    tess.get_by_role("button", name="Add the judge").click()
    tess.get_by_label("Judge", exact=True).select_option(label="moot-tess (trainer)")
    tess.get_by_role("button", name="Add the judge").click()
    expect(tess.get_by_text("moot-joe (presiding)")).to_be_visible()
    tess.get_by_role("button", name="Start the exercise").click()
    expect(tess.get_by_text("The exercise has started")).to_be_visible()

    # Each team reads its case file and submits; the editor saves as she types.
    for handle, side_doc, other_doc, words in (("moot-ana", "Intake notes", "Respondent's instructions",
                                                "The applicant faces a real danger of violence."),
                                               ("moot-cyd", "Respondent's instructions", "Intake notes",
                                                "The respondent asks for the application to be refused.")):
        page = page_factory()
        log_in(page, handle)
        page.goto(CASE)
        expect(page.get_by_role("link", name=side_doc)).to_be_visible()
        expect(page.get_by_role("link", name=other_doc)).to_have_count(0)
        expect(page.get_by_role("link", name="Bench memo")).to_have_count(0)
        page.get_by_role("link", name=side_doc).click()
        expect(page.get_by_role("heading", name=side_doc)).to_be_visible()
        page.go_back()
        page.get_by_role("link", name="Write the submission").click()
        page.get_by_label("Submission").fill(words)
        page.get_by_label("Submission").press("End")
        page.get_by_label("Submission").type(" Thank you.")
        expect(page.locator("#save-status")).to_have_text("Saved")
        expect(page.locator("#word-count")).to_contain_text("/ 50")
        if handle == "moot-ana":
            screenshot(page, "moot-submission-editor")
        page.get_by_role("button", name="Submit for the team").click()
        expect(page.get_by_role("heading", name="Submit for team")).to_be_visible()  # final: confirmed first
        expect(page.locator("#what-becomes-final")).to_contain_text("words")
        page.get_by_role("button", name="Submit for the team").click()
        expect(page.get_by_text("Your team's submission is in.")).to_be_visible()

    # Two judges score blind, with the rubric.
    joe = page_factory()
    log_in(joe, "moot-joe")
    joe.goto(CASE)
    joe.get_by_role("link", name="Open the judging list").click()
    for judge in (joe, tess):
        if judge is tess:  # the trainer judges too: from her run page
            tess.goto(f"/cohorts/{cohort.id}")
            tess.get_by_role("link", name="open the exercise").click()  # the cohort's run, once set up
            tess.get_by_role("link", name="Your judging list").click()
        for number, law, conduct in ((1, 5, 4), (2, 3, 3)):
            judge.get_by_role("row", name=f"Team {number}").get_by_role("link", name="Score this submission").click()
            expect(judge.get_by_text("moot-ana")).to_have_count(0)
            level(judge, "Law", law)
            level(judge, "Survivor-centred conduct", conduct)
            judge.get_by_label("Feedback for the team").fill(f"Team {number}: cite the 2022 provisions.")
            judge.get_by_role("button", name="Save my score").click()
            expect(judge.get_by_text(f"Your score for team {number} is saved.")).to_be_visible()

    # The hearing: the trainer opens it, the presiding judge scores each speaker; the clerk's timer runs.
    tess.goto(f"/cohorts/{cohort.id}")
    tess.get_by_role("link", name="open the exercise").click()  # the cohort's run, once set up
    tess.get_by_role("row", name="Hearing").get_by_role("button", name="Open now").click()
    expect(tess.get_by_text("The stage is open.")).to_be_visible()
    joe.goto(CASE)
    joe.get_by_role("link", name="Open the judging list").click()
    for number in (1, 2):
        joe.get_by_role("row", name=f"Team {number}").get_by_role("link", name="Score the speakers").click()
        level(joe, "Answering the bench", 4)
        joe.get_by_role("button", name="Save this speaker's score").click()
        expect(joe.get_by_text("The speaker's score is saved.")).to_be_visible()
        joe.get_by_role("link", name="Judging").click()
    joe.get_by_role("link", name="The clerk's timer").click()
    joe.get_by_role("button", name="Start a rebuttal (3 min)").click()
    expect(joe.locator("#timer-clock")).to_have_text("02:59", timeout=3000)

    # The trainer publishes with ranks; the applicant's counsel reads her feedback and reflects.
    tess.get_by_label("Show each team its rank").check()
    tess.get_by_role("button", name="Publish the results").click()
    expect(tess.get_by_role("heading", name="Publish the results?")).to_be_visible()
    expect(tess.locator("#what-becomes-final")).to_contain_text("Each team sees its rank.")
    tess.get_by_role("button", name="Publish the results").click()
    expect(tess.get_by_text("The results are published to the teams.")).to_be_visible()
    ana = page_factory()
    log_in(ana, "moot-ana")
    ana.goto(CASE)
    ana.get_by_role("link", name="Results and feedback").click()
    expect(ana.get_by_text("Team 1: cite the 2022 provisions.").first).to_be_visible()
    expect(ana.get_by_text("1 of 2 teams")).to_be_visible()
    expect(ana.get_by_text("moot-joe")).to_have_count(0)
    screenshot(ana, "moot-results")
    ana.get_by_label("What went well").fill("I would ask for a stay-away distance and bring the warning letter first.")
    ana.get_by_role("button", name="Save my reflection").click()
    expect(ana.get_by_text("You have completed this exercise.").first).to_be_visible()
