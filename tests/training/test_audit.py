"""The audit log records staff actions on people's data; admins read it, nobody edits it."""
from datetime import date

from sqlalchemy import select

from tests.conftest import QUIZ_GIFT, SURVEY_YAML, login
from training import cohorts
from training.accounts import User
from training.audit import AuditEntry
from training.extensions import db


def actions():
    return [e.action for e in db.session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()]


def test_exports_resets_and_edits_are_recorded(app, client, make_course, make_user):
    course = make_course(modules=1, lessons=1, sequential=False, quiz=QUIZ_GIFT, surveys=SURVEY_YAML)
    trainer = make_user("coach", role="trainer")
    cohort = cohorts.create_cohort(trainer, course.id, "Spring", date.today(), None)
    make_user("boss", role="admin")
    mei = make_user("mei")
    db.session.commit()

    login(client, "coach")
    client.get(f"/cohorts/{cohort.id}/progress.csv")
    client.get(f"/cohorts/{cohort.id}/quizzes/check.csv")
    client.get(f"/courses/test-course/surveys/pre/results.csv?cohort={cohort.id}")
    client.get(f"/courses/test-course/surveys/pre/report.pdf?cohort={cohort.id}")
    client.get(f"/courses/test-course/surveys/pre/results?cohort={cohort.id}")  # anonymous cohort: not recorded
    admin = app.test_client()
    login(admin, "boss")
    admin.post(f"/admin/users/{mei.id}/reset-link")
    admin.post("/admin/helplines", data={"name_en": "Police", "contact": "110", "active": "y"})
    assert actions() == ["export.cohort_progress", "export.quiz_attempts", "export.survey_results",
                         "export.survey_report", "account.reset_link", "helpline.save"]
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "account.reset_link")).scalar_one()
    assert (entry.actor_handle, entry.target, entry.address) == ("boss", f"user {mei.id} (mei)", "127.0.0.1")

    page = admin.get("/admin/audit?action=export.quiz_attempts").get_data(as_text=True)
    assert "<td>Downloaded a quiz's attempts (CSV)</td>" in page and "<td>Made a password-reset link</td>" not in page
    page = admin.get("/admin/audit?actor=BOS").get_data(as_text=True)
    assert "<td>Made a password-reset link</td>" in page and "<td>Downloaded a cohort's progress (CSV)</td>" not in page


def test_reading_an_identified_cohorts_answers_is_recorded(client, make_course, make_user):
    course = make_course(modules=1, lessons=1, sequential=False, surveys=SURVEY_YAML)
    trainer = make_user("coach", role="trainer")
    cohort = cohorts.create_cohort(trainer, course.id, "Named", date.today(), None, identified_surveys=True)
    learner = make_user("nora")
    cohorts.join_cohort(learner, cohort.invite_code, date.today())
    from courses.services import get_course
    from quizzes.surveys import services
    from training.progress import enrol

    enrol(learner, course.id, cohort.id)
    services.submit(services.survey_context(get_course("test-course"), "pre", learner, "en"), learner, {"year": "1"})
    db.session.commit()
    login(client, "coach")
    client.get(f"/courses/test-course/surveys/pre/results?cohort={cohort.id}")
    assert actions() == ["read.identified_survey"]


def test_deleting_the_actor_keeps_the_entry(app, make_user):
    from training.audit import record

    person = make_user("boss", role="admin")
    record(person, "helpline.save", "helpline 1", "10.0.0.1")
    db.session.commit()
    db.session.execute(db.delete(User).where(User.id == person.id))
    db.session.commit()
    entry = db.session.execute(select(AuditEntry)).scalar_one()
    assert entry.actor_id is None and entry.actor_handle == "boss"
