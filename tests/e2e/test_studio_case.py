"""The Studio's case editor in the browser: an author changes a running case's title and a stage,
adds a document in the form, writes its text in the text editor, and publishes the drafts; a
participant of the cohort running the case reads the new title and the new document. The editor
page passes axe."""
from __future__ import annotations

from datetime import date, timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from tests.conftest import PASSWORD, write_course
from tests.courses.cases.helpers import case_files
from tests.e2e.conftest import screenshot
from tests.e2e.test_accessibility import scan
from tests.e2e.test_confirmations_zh import log_in
from training import accounts, cohorts
from training.extensions import db
from training.progress import enrol

SLUG = "case-studio-e2e"


def _running_case(live_server, tmp_path):
    """A bilingual course with the test case, in the Studio (author: cs-tess), run for a cohort in
    which cs-ana is on the applicant's team."""
    from courses.cases import runs, services
    from courses.cases.models import CaseExercise
    from courses.models import Activity
    from courses.services import get_course
    from courses.studio import packages

    folder = write_course(tmp_path, slug=SLUG, modules=1, lessons=1, languages=("en", "zh"), case=case_files())
    result = live_server.app.test_cli_runner().invoke(args=["courses", "import", str(folder)])
    assert result.exit_code == 0, result.output
    admin = accounts.create_user("cs-root", PASSWORD, role="admin")
    tess = accounts.create_user("cs-tess", PASSWORD, role="trainer")
    ana = accounts.create_user("cs-ana", PASSWORD)
    tess.locale = ana.locale = "en"
    db.session.flush()
    course = get_course(SLUG)
    packages.grant(admin, course, "cs-tess")
    cohort = cohorts.create_cohort(tess, course.id, "Case cohort", date.today() - timedelta(days=1), None)
    cohorts.join_cohort(ana, cohort.invite_code, date.today())
    enrol(ana, course.id, cohort.id)
    exercise = db.session.execute(select(CaseExercise).join(Activity, Activity.id == CaseExercise.activity_id)
                                  .where(Activity.course_id == course.id)).scalar_one()
    run = runs.set_up(tess, cohort, exercise)
    state = services.run_state(run, "en")
    team = runs.add_team(tess, state, "applicant")
    runs.assign_member(tess, state, team, ana.id)
    runs.start(tess, state)
    db.session.commit()


def test_an_author_edits_a_running_case_in_the_form_and_a_participant_reads_it(page_factory, live_server, tmp_path):
    _running_case(live_server, tmp_path)
    author = page_factory(bypass_csp=True)  # bypass_csp: only to add axe-core for the scan
    log_in(author, "cs-tess")
    author.goto(f"/studio/{SLUG}/case/cases/moot/case.yaml")
    expect(author.get_by_role("heading", name="Case exercise “moot”")).to_be_visible()
    expect(author.get_by_text("changes it at once for cohorts already running it")).to_be_visible()
    assert scan(author) == []

    author.get_by_label("Title (English)", exact=True).first.fill("The Wang application, revised")
    author.get_by_label("Title (Chinese)", exact=True).first.fill("王某的申请")
    author.locator("#stages-1-title-en").fill("New evidence: a witness")
    # A new document, released to the applicant's team with the case file.
    author.get_by_role("button", name="Add a document").click()
    expect(author.get_by_text("Not saved yet")).to_be_visible()
    author.locator("#documents-5-file").fill("witness")
    author.locator("#documents-5-stage").select_option("case-file")
    author.locator("fieldset", has_text="Document 6").get_by_label("Applicant's team").check()
    author.get_by_label("Title of the new file (English)").fill("Witness statement")
    # A problem is shown on its field, and nothing is saved.
    author.get_by_label("Pass mark (%)").fill("150")
    author.get_by_role("button", name="Save draft").first.click()
    expect(author.locator("#pass_mark-error")).to_have_text("A number from 0 to 100.")
    assert scan(author) == []
    screenshot(author, "studio-case-editor")
    author.get_by_label("Pass mark (%)").fill("65")
    author.get_by_role("button", name="Save draft").first.click()
    expect(author.get_by_text("Draft saved, with the new documents' files")).to_be_visible()
    expect(author.get_by_text("A draft: not published yet.")).to_be_visible()

    # Its text, in the Studio's text editor.
    author.get_by_role("link", name="Edit the text in English (document 6)").click()
    author.get_by_label("Text", exact=True).fill("# Witness statement\n\nA neighbour heard **shouting** on 3 March.\n")
    author.get_by_role("button", name="Save draft").click()
    expect(author.get_by_text("Draft saved.")).to_be_visible()
    author.get_by_role("link", name="Files").click()
    author.get_by_role("button", name="Check and publish the drafts").click()
    expect(author.get_by_text(f"Published “{SLUG}” as version 2.")).to_be_visible()

    ana = page_factory()
    log_in(ana, "cs-ana")
    ana.goto(f"/courses/{SLUG}/cases/moot")
    expect(ana.get_by_role("heading", name="The Wang application, revised")).to_be_visible()
    ana.get_by_role("link", name="Witness statement").click()
    expect(ana.locator("main strong", has_text="shouting")).to_be_visible()
