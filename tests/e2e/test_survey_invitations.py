"""A trainer invites her cohort to a survey from the cohort's page, on a phone: the follow-up is
planned for months later, the post-survey is sent now, and a participant finds it in her
notifications and opens the survey from there."""
import re
from datetime import date, timedelta

from playwright.sync_api import expect

from tests.conftest import PASSWORD, new_course
from tests.e2e.conftest import screenshot
from tests.e2e.test_confirmations_zh import log_in
from tests.quizzes.surveys.test_survey_invitations import INSTRUMENT
from training import accounts, cohorts, timezones
from training.extensions import db
from training.progress import enrol


def test_a_trainer_plans_the_follow_up_and_sends_the_post_survey(page_factory, live_server, tmp_path):
    course = new_course(tmp_path, "invite-course", modules=1, lessons=1, sequential=False, surveys=INSTRUMENT,
                        survey_phases=("pre", "post", "followup"))
    coach = accounts.create_user("invite-coach", PASSWORD, role="trainer")
    coach.locale = "en"
    db.session.flush()
    cohort = cohorts.create_cohort(coach, course.id, "Invite cohort", date.today() - timedelta(days=14), None)
    mei = accounts.create_user("invite-mei", PASSWORD)
    db.session.flush()
    cohorts.join_cohort(mei, cohort.invite_code, date.today())
    enrol(mei, course.id, cohort.id)
    db.session.commit()

    trainer = page_factory(viewport=(390, 844))
    log_in(trainer, "invite-coach")
    trainer.goto(f"/cohorts/{cohort.id}")
    trainer.get_by_role("link", name="Invite the cohort to a survey (today, or the follow-up months later)").click()
    later = timezones.today_in(cohort.timezone) + timedelta(days=180)
    trainer.get_by_label("Survey").select_option(label="Followup survey")
    trainer.get_by_label("Send on (optional)").fill(later.isoformat())
    trainer.get_by_role("button", name="Invite the cohort").click()
    expect(trainer.get_by_text(f"Planned: the cohort is told on {later.isoformat()}.")).to_be_visible()
    trainer.get_by_label("Survey").select_option(label="Post survey")
    trainer.get_by_role("button", name="Invite the cohort").click()
    expect(trainer.get_by_text("Sent to 1 participant.", exact=True)).to_be_visible()
    rows = trainer.locator("table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Followup survey")).to_contain_text("Planned")
    screenshot(trainer, "survey-invitations")
    # Cancel the planned one: it goes; the sent one has no button.
    rows.filter(has_text="Followup survey").get_by_role("button", name="Cancel").click()
    expect(trainer.get_by_text("The invitation is cancelled.")).to_be_visible()
    expect(rows).to_have_count(1)
    expect(rows.first.get_by_role("button", name="Cancel")).to_have_count(0)

    member = page_factory(viewport=(390, 844))
    log_in(member, "invite-mei")
    member.get_by_role("link", name=re.compile(r"Notifications \(1 new\)")).click()
    item = member.locator(".notifications li.unread")
    expect(item).to_contain_text("The survey “Post survey” is open.")
    item.get_by_role("link").click()
    expect(member).to_have_url(re.compile(r"/courses/invite-course/surveys/post$"))
    expect(member.get_by_text("Your answers are anonymous")).to_be_visible()
