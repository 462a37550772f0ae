"""The Studio's survey editor in the browser: an author rewords a knowledge item, adds a reversed
Likert item from its template (Chinese text side by side), moves it, publishes the drafts; a
participant is asked the new wording. The editor's pages pass axe."""
from playwright.sync_api import expect

from courses.studio import packages
from tests.conftest import PASSWORD, write_course
from tests.e2e.conftest import screenshot
from tests.e2e.test_accessibility import scan
from tests.e2e.test_confirmations_zh import log_in
from training import accounts
from training.extensions import db

INSTRUMENT = """# Asked before and after.
items:
  - id: year
    type: knowledge
    text:
      en: In which year did the law come into force?
      zh: 该法于哪一年施行？
    choices:
      - {en: "2012", zh: "2012年"}
      - {en: "2016", zh: "2016年"}
    answer: 1
  - id: confidence
    type: self
    text:
      en: "My ability to prepare an application:"
      zh: 我准备申请的能力：
"""


def test_an_author_edits_a_survey_in_the_form_and_a_participant_answers_it(page_factory, live_server, tmp_path):
    tess = accounts.create_user("survey-author", PASSWORD, role="trainer")
    tess.locale = "en"
    accounts.create_user("survey-reader", PASSWORD).locale = "en"
    db.session.flush()
    folder = write_course(tmp_path, slug="survey-form", modules=1, lessons=1, sequential=False,
                          languages=("en", "zh"), surveys=INSTRUMENT)
    packages.publish(tess, folder, "upload")
    db.session.commit()

    page = page_factory(bypass_csp=True)
    log_in(page, "survey-author")
    page.goto("/studio/survey-form/survey/surveys/instrument.yaml")
    expect(page.get_by_role("heading", name="Survey instrument surveys/instrument.yaml")).to_be_visible()
    expect(page.get_by_text("An item keeps its id in every phase").first).to_be_visible()
    assert scan(page) == []

    # Reword the knowledge item.
    page.get_by_role("link", name="Edit year").click()
    expect(page.get_by_label("Id")).to_have_value("year")
    page.get_by_label("Question in English").fill("When did the Anti-Domestic Violence Law come into force?")
    assert scan(page) == []
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("The item “year” is saved in the draft.")).to_be_visible()
    expect(page.get_by_text("A draft: not published yet.")).to_be_visible()

    # A reversed Likert item from its template, in both languages; then it moves up.
    page.get_by_role("link", name="A Likert item").click()
    expect(page.get_by_label("Labels in English (optional)", exact=False)).to_have_value(
        "Strongly disagree\nDisagree\nNeither\nAgree\nStrongly agree")
    page.get_by_label("Id").fill("inconsistent-means-lying")
    page.get_by_label("Question in English").fill("Inconsistencies in a survivor's account mean she is lying.")
    page.get_by_label("Question in Chinese").fill("受害人陈述前后不一致，说明她在说谎。")
    page.get_by_label("Reversed", exact=False).check()
    assert scan(page) == []
    screenshot(page, "studio-survey-item")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("The item “inconsistent-means-lying” is saved in the draft.")).to_be_visible()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(3)
    rows.nth(2).get_by_role("button", name="Move up").click()
    expect(page.get_by_text("Moved. The draft is saved.")).to_be_visible()
    expect(page.locator("table tbody tr").nth(1)).to_contain_text("inconsistent-means-lying")
    expect(page.locator("table tbody tr").nth(1)).to_contain_text("reversed")
    assert scan(page) == []
    screenshot(page, "studio-survey")

    page.get_by_role("link", name="Back to the files, to check and publish the drafts").click()
    page.get_by_role("button", name="Check and publish the drafts").click()
    expect(page.get_by_text("Published “survey-form” as version 2.")).to_be_visible()

    mei = page_factory()
    log_in(mei, "survey-reader")
    mei.goto("/courses/survey-form")
    mei.get_by_role("button", name="Enrol in this course").click()
    mei.goto("/courses/survey-form/surveys/pre")
    expect(mei.get_by_text("When did the Anti-Domestic Violence Law come into force?")).to_be_visible()
    expect(mei.get_by_text("Inconsistencies in a survivor's account mean she is lying.")).to_be_visible()
    # Asked in the order the author gave, with the scale the template wrote.
    second = mei.locator("fieldset.question").nth(1)
    expect(second).to_contain_text("Inconsistencies")
    expect(second.get_by_text("Strongly disagree")).to_be_visible()
