"""Deleting one's own account, and the files in the own-data ZIP."""
import io
import zipfile

import pytest
from sqlalchemy import func, select

from certificates.models import Certificate
from certificates.services import display_code
from courses.services import get_course
from quizzes.surveys import services as survey_services
from quizzes.surveys.models import SurveyResponse
from tests.certificates.test_views import named_certificate
from tests.conftest import PASSWORD, SURVEY_YAML, login
from tests.courses.cases.helpers import setup_moot
from training import audit
from training.accounts import Role, User
from training.audit import AuditEntry
from training.extensions import db
from training.personal_data import delete_account
from training.progress import Enrolment


@pytest.fixture
def course(make_course):
    return make_course(modules=1, lessons=2, sequential=False, surveys=SURVEY_YAML, survey_phases=("pre",))


def mei_with_history(client, make_user):
    """Mei: enrolled, a named certificate, an anonymous survey answer, and an admin's audit entry about her."""
    mei = make_user("mei")
    admin = make_user("boss", role=Role.ADMIN)
    login(client, "mei")
    client.post("/courses/test-course/enrol")
    survey_services.submit(survey_services.survey_context(get_course("test-course"), "pre", mei, "en"), mei,
                           {"year": "1"})
    db.session.commit()
    cert = named_certificate(client, "Mei Li")
    audit.record(admin, "account.reset_link", f"user {mei.id} ({mei.handle})", "10.0.0.1")
    db.session.commit()
    return mei, cert


def test_deleting_keeps_certificates_valid_by_her_choice(app, client, course, make_user):
    mei, cert = mei_with_history(client, make_user)
    zipped = zipfile.ZipFile(io.BytesIO(client.get("/account/my-data.zip").data))
    pdf = [name for name in zipped.namelist() if name.startswith("files/certificate-")]
    assert pdf == [f"files/certificate-{display_code(cert.code)}.pdf"] and zipped.read(pdf[0]).startswith(b"%PDF")
    responses_before = db.session.scalar(select(func.count()).select_from(SurveyResponse))
    assert responses_before == 1

    page = client.get("/account/delete").get_data(as_text=True)
    assert "What stays" in page and "Anonymous survey answers" in page
    response = client.post("/account/delete", data={"certificates": "keep", "password": PASSWORD, "confirm": "y"})
    assert response.status_code == 302
    assert client.get("/account").status_code == 302  # logged out
    assert db.session.execute(select(User).where(User.handle == "mei")).first() is None
    assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 0
    # Anonymous answers still count; the certificate stays verifiable with her name, by her choice.
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 1
    verify = client.get(f"/verify/{display_code(cert.code)}").get_data(as_text=True)
    assert "Valid certificate" in verify and "Mei Li" in verify
    # The audit log keeps what happened, not her handle.
    targets = [e.target for e in db.session.query(AuditEntry)]
    assert not any("mei" in target for target in targets)
    deletion = db.session.query(AuditEntry).filter_by(action="account.delete").one()
    assert deletion.detail == {"certificates": "kept"} and deletion.address is None
    assert client.post("/login", data={"handle": "mei", "password": PASSWORD}).status_code == 401


def test_deleting_can_revoke_her_certificates(app, client, course, make_user):
    mei, cert = mei_with_history(client, make_user)
    response = client.post("/account/delete", data={"certificates": "revoke", "password": PASSWORD, "confirm": "y"})
    assert response.status_code == 302
    verify = client.get(f"/verify/{display_code(cert.code)}").get_data(as_text=True)
    assert "Revoked certificate" in verify and "(revoked at the holder's request)" in verify
    assert "Mei Li" not in verify and "Printed name" not in verify
    db.session.expire_all()
    stored = db.session.get(Certificate, cert.id)
    assert stored.user_id is None and stored.printed_name == "" and stored.revoked_at is not None


@pytest.mark.parametrize("data, message", [
    ({"certificates": "keep", "password": "not my password", "confirm": "y"}, "current password is not right"),
    ({"certificates": "keep", "password": PASSWORD}, "Tick the box to confirm"),
    ({"certificates": "shred", "password": PASSWORD, "confirm": "y"}, "Not a valid choice"),
])
def test_a_refused_deletion_changes_nothing(app, client, course, make_user, data, message):
    mei, cert = mei_with_history(client, make_user)
    response = client.post("/account/delete", data=data)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert db.session.get(User, mei.id) is not None
    assert db.session.get(Certificate, cert.id).revoked_at is None
    assert client.get("/account").status_code == 200


def test_trainers_and_admins_are_asked_to_see_an_admin(app, client, course, make_user):
    trainer = make_user("coach", role=Role.TRAINER)
    login(client, "coach")
    page = client.get("/account/delete").get_data(as_text=True)
    assert "ask an administrator" in page and 'type="password"' not in page
    response = client.post("/account/delete", data={"certificates": "keep", "password": PASSWORD, "confirm": "y"})
    assert response.status_code == 422
    assert db.session.get(User, trainer.id) is not None


def test_an_admin_deletes_a_trainers_account_on_the_command_line(app, make_user, tmp_path):
    admin = make_user("boss", role=Role.ADMIN)
    trainer = make_user("coach", role=Role.TRAINER)
    audit.record(trainer, "export.cohort_progress", "cohort 1 (Spring)", "10.0.0.2")
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "delete", "coach", "--admin", "coach", "--yes"])
    assert result.exit_code != 0 and "is not an admin" in result.output
    result = runner.invoke(args=["users", "delete", "boss", "--admin", "boss", "--yes"])
    assert result.exit_code != 0 and "Another admin" in result.output
    result = runner.invoke(args=["users", "delete", "coach", "--admin", "boss", "--yes"])
    assert result.exit_code == 0, result.output
    assert db.session.get(User, trainer.id) is None
    entry = db.session.query(AuditEntry).filter_by(action="account.delete").one()
    assert entry.actor_id == admin.id and entry.detail == {"certificates": "kept"}
    export = db.session.query(AuditEntry).filter_by(action="export.cohort_progress").one()
    assert export.actor_id is None and export.actor_handle == "coach"  # staff actions stay on record


def test_scores_a_deleted_judge_gave_stay(app, make_user, make_course):
    from courses.cases import judging, services
    from courses.cases.models import CaseScore
    from tests.courses.cases.test_services import submit_both

    moot = setup_moot(make_user, make_course)
    state = submit_both(moot)
    judging.score_written(state, moot["joe"], moot["t1"], {"law": 3, "survivor": 3}, "Clear and kind.")
    db.session.commit()
    before = services.results(services.run_state(moot["run"], "en"))[moot["t1"].id].written
    delete_account(db.session.get(User, moot["joe"].id), PASSWORD, keep_certificates=True)
    db.session.commit()
    [score] = db.session.query(CaseScore).all()
    assert score.judge_id is None and score.feedback == "Clear and kind."
    assert services.results(services.run_state(moot["run"], "en"))[moot["t1"].id].written == before
