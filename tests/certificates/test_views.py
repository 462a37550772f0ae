"""Certificate pages: hers, the public verification, admins' revocation, trainers' rule and ZIP."""
from __future__ import annotations

import io
import json
import subprocess
import zipfile
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from certificates.models import Certificate, CertificateBatch
from tests.conftest import login, make_app, write_course
from training import cohorts
from training.audit import AuditEntry
from training.extensions import db
from training.progress import enrol


@pytest.fixture
def course(make_course):
    return make_course(modules=1, lessons=2, sequential=False)


def finish_course(client):
    client.post("/courses/test-course/enrol")
    client.post("/courses/test-course/lessons/001-lesson/complete")
    return client.post("/courses/test-course/lessons/002-lesson/complete", follow_redirects=True)


def named_certificate(client, name="王小梅") -> Certificate:
    finish_course(client)
    response = client.post("/courses/test-course/certificate", data={"name": name, "checked": "y"})
    assert response.status_code == 302
    return db.session.execute(select(Certificate)).scalar_one()


def test_completing_the_course_tells_her_and_asks_for_the_name(app, client, course, make_user):
    make_user("mei")
    login(client, "mei")
    page = finish_course(client).get_data(as_text=True)
    assert "Your certificate is waiting for you" in page and "Get your certificate" in page
    page = client.get("/courses/test-course/certificate").get_data(as_text=True)
    assert "The name to print on your certificate" in page
    # Refused names change nothing and say why.
    for data, message in (({"name": "<script>x</script>", "checked": "y"}, "cannot be part of a printed name"),
                          ({"name": "   ", "checked": "y"}, "Enter the name"),
                          ({"name": "Mei Li"}, "Tick the box")):
        response = client.post("/courses/test-course/certificate", data=data)
        assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert db.session.execute(select(Certificate.printed_name)).scalar_one() is None
    assert client.get("/courses/test-course/certificate.pdf").status_code == 404
    response = client.post("/courses/test-course/certificate", data={"name": " Mei  Li ", "checked": "y"})
    assert response.status_code == 302
    cert = db.session.execute(select(Certificate)).scalar_one()
    assert cert.printed_name == "Mei Li"
    page = client.get("/courses/test-course/certificate").get_data(as_text=True)
    assert "Download the certificate (PDF)" in page and "/verify/" in page
    # Given once: a second name is refused.
    client.post("/courses/test-course/certificate", data={"name": "Someone Else", "checked": "y"})
    assert db.session.get(Certificate, cert.id).printed_name == "Mei Li"


def test_a_course_completed_before_it_had_certificates_issues_on_her_next_visit(app, client, course, make_user):
    from certificates.models import CertificateSettings

    settings = db.session.get(CertificateSettings, course.id)
    required = list(settings.required)
    db.session.delete(settings)
    db.session.commit()
    make_user("mei")
    login(client, "mei")
    finish_course(client)
    assert db.session.execute(select(func.count(Certificate.id))).scalar_one() == 0
    db.session.add(CertificateSettings(course_id=course.id, required=required, design={}))
    db.session.commit()
    assert "The name to print" in client.get("/courses/test-course/certificate").get_data(as_text=True)
    first = db.session.execute(select(Certificate.code)).scalar_one()  # kept, not rolled back
    client.get("/courses/test-course/certificate")
    assert db.session.execute(select(Certificate.code)).scalar_one() == first


def test_the_pdf_and_the_open_badge(app, client, course, make_user):
    make_user("mei")
    login(client, "mei")
    cert = named_certificate(client, "محمد العلي")
    response = client.get("/courses/test-course/certificate.pdf")
    assert response.mimetype == "application/pdf" and "attachment" in response.headers["Content-Disposition"]
    text = subprocess.run(["pdftotext", "-", "-"], input=response.data, capture_output=True, check=True).stdout.decode()
    assert "محمد العلي" in text.translate(dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e")))
    badge = json.loads(client.get("/courses/test-course/certificate.json").data)
    assert badge["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert badge["id"].endswith("/verify/" + "-".join(cert.code[i:i + 4] for i in range(0, 16, 4)))
    assert badge["credentialSubject"]["identifier"][0] == {
        "type": "IdentityObject", "identityType": "name", "hashed": False, "identityHash": "محمد العلي"}
    assert badge["credentialSubject"]["achievement"]["name"] == "Course test-course"
    assert "proof" not in badge  # unsigned, as docs/certificates.md says


def test_anyone_verifies_a_code_and_learns_only_the_minimum(app, client, course, make_user):
    make_user("mei-handle")
    login(client, "mei-handle")
    cert = named_certificate(client, "Mei Li")
    public = app.test_client()
    page = public.get(f"/verify/{cert.code.lower()}").get_data(as_text=True)
    assert "Valid certificate" in page and "Mei Li" in page and "Course test-course" in page and "Amicus" in page
    assert "mei-handle" not in page and "lawyer" not in page.lower()
    assert public.get(f"/verify?code={cert.code[:4]}-{cert.code[4:]}").headers["Location"].startswith("/verify/")
    missing = public.get("/verify/AAAA-BBBB-CCCC-DDDD")
    assert missing.status_code == 404 and "No certificate has this number" in missing.get_data(as_text=True)
    assert public.get("/verify/<script>").status_code == 404


def test_admins_revoke_with_a_reason_and_the_page_says_so(app, client, course, make_user):
    make_user("mei")
    make_user("admin", role="admin")
    login(client, "mei")
    cert = named_certificate(client, "Mei Li")
    admin = app.test_client()
    login(admin, "admin")
    listed = admin.get("/admin/certificates?q=mei").get_data(as_text=True)
    assert cert.code[:4] in listed and "<td>mei</td>" in listed  # the holder's handle (Certificate.user)
    # A live certificate is not re-issued: refused, said at the top of its page, nothing made.
    refused = admin.post(f"/admin/certificates/{cert.id}/reissue")
    assert refused.status_code == 302 and refused.headers["Location"] == f"/admin/certificates/{cert.id}#messages"
    assert db.session.execute(select(func.count(Certificate.id))).scalar_one() == 1
    assert 'class="flash flash-error"' in admin.get(refused.headers["Location"]).get_data(as_text=True)
    response = admin.post(f"/admin/certificates/{cert.id}/revoke", data={"reason": "  "})
    assert response.status_code == 400 and db.session.get(Certificate, cert.id).revoked_at is None
    admin.post(f"/admin/certificates/{cert.id}/revoke", data={"reason": "Completed by someone else"})
    page = app.test_client().get(f"/verify/{cert.code}").get_data(as_text=True)
    assert "Revoked certificate" in page and "Completed by someone else" not in page
    assert db.session.execute(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "certificate.revoke")).scalar_one() == 1
    # Revoking it again is refused with its page (shown after the rollback), which still names the
    # holder and the admin who revoked it.
    again = admin.post(f"/admin/certificates/{cert.id}/revoke", data={"reason": "Twice"})
    page = again.get_data(as_text=True)
    assert again.status_code == 400 and "<dd>mei</dd>" in page and "(admin)</dd>" in page
    assert client.get("/courses/test-course/certificate.pdf").status_code == 404
    assert "was revoked" in client.get("/courses/test-course/certificate").get_data(as_text=True)
    admin.post(f"/admin/certificates/{cert.id}/reissue")
    assert db.session.execute(select(func.count(Certificate.id))).scalar_one() == 2
    assert "The name to print" in client.get("/courses/test-course/certificate").get_data(as_text=True)


def test_an_expired_certificate_says_so(app, client, course, make_user):
    make_user("mei")
    login(client, "mei")
    cert = named_certificate(client, "Mei Li")
    cert.expires_at = cert.issued_at - timedelta(days=1)
    db.session.commit()
    assert "Expired certificate" in app.test_client().get(f"/verify/{cert.code}").get_data(as_text=True)


def test_verification_is_rate_limited(tmp_path):
    app = make_app(tmp_path, RATELIMIT_ENABLED=True, AMICUS_VERIFY_LIMIT="3 per minute")
    with app.app_context():
        db.create_all()
        client = app.test_client()
        codes = [client.get("/verify/AAAA-BBBB-CCCC-DDDD").status_code for _ in range(4)]
        assert codes == [404, 404, 404, 429]
        from tests.conftest import empty_database

        empty_database()


def test_trainers_adjust_the_rule_before_the_cohort_starts(app, client, course, make_user):
    trainer = make_user("trainer", role="trainer")
    cohort = cohorts.create_cohort(trainer, course.id, "Spring", date.today() + timedelta(days=3), None)
    db.session.commit()
    login(client, "trainer")
    page = client.get(f"/cohorts/{cohort.id}/completion").get_data(as_text=True)
    assert 'value="001-lesson" checked' in page and 'value="002-lesson" checked' in page
    response = client.post(f"/cohorts/{cohort.id}/completion", data={})
    assert response.status_code == 400 and "at least one" in response.get_data(as_text=True)
    client.post(f"/cohorts/{cohort.id}/completion", data={"required": ["002-lesson"]})
    page = client.get(f"/cohorts/{cohort.id}/completion").get_data(as_text=True)
    assert 'value="001-lesson" checked' not in page and 'value="002-lesson" checked' in page
    cohort.starts_on = date.today()
    db.session.commit()
    response = client.post(f"/cohorts/{cohort.id}/completion", data={"required": ["001-lesson"]})
    assert response.status_code == 400 and "has started" in response.get_data(as_text=True)


def _cohort_with_certificates(make_user, course, count=2):
    trainer = make_user("trainer", role="trainer")
    cohort = cohorts.create_cohort(trainer, course.id, "Spring", date.today(), None)
    db.session.commit()
    for i in range(count):
        user = make_user(f"p{i}-participant")
        cohorts.join_cohort(user, cohort.invite_code, date.today())
        enrol(user, course.id, cohort.id)
        db.session.add(Certificate(code=f"{i:016d}", user_id=user.id, course_id=course.id,
                                   course_titles=course.titles, printed_name=f"Name {i}", language="en"))
    db.session.commit()
    return cohort


def test_trainers_download_the_cohort_zip(app, client, course, make_user):
    cohort = _cohort_with_certificates(make_user, course)
    login(client, "trainer")
    response = client.post(f"/cohorts/{cohort.id}/certificates")
    batch_url = response.headers["Location"]
    page = client.get(batch_url).get_data(as_text=True)
    assert "2 certificates are ready" in page
    assert json.loads(client.get(batch_url + "/status.json").data) == {"status": "done", "done": 2, "total": 2}
    archive = zipfile.ZipFile(io.BytesIO(client.get(batch_url + "/download").data))
    assert sorted(archive.namelist()) == ["README.txt", "p0-participant-test-course.pdf", "p1-participant-test-course.pdf"]


def _zip_job_world(tmp_path, app) -> int:
    """A synced course, a cohort with two named certificates and a queued ZIP; its id."""
    from certificates import batch
    from courses.package import read_packages
    from courses.services import get_course
    from courses.sync import sync_courses
    from training import accounts

    specs, _e, _w = read_packages([write_course(tmp_path, modules=1, lessons=1)])
    sync_courses(specs)
    db.session.commit()

    def make_user(handle, role="participant"):
        user = accounts.create_user(handle, "correct horse battery", role=role)
        db.session.commit()
        return user

    cohort = _cohort_with_certificates(make_user, get_course("test-course"))
    made = batch.start(db.session.get(accounts.User, 1), cohort)
    db.session.commit()
    return made.id


def test_the_zip_is_made_in_a_thread_without_redis(tmp_path):
    from tests.conftest import empty_database
    from training import jobs

    app = make_app(tmp_path, AMICUS_JOBS="thread")
    with app.app_context():
        db.create_all()
        made_id = _zip_job_world(tmp_path, app)
        jobs.enqueue("certificates.batch.build_zip", made_id).join(60)
        db.session.expire_all()
        assert db.session.get(CertificateBatch, made_id).status == "done"
        empty_database()


def test_the_zip_is_made_by_an_rq_worker_with_redis(tmp_path):
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/15").ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    from rq import SimpleWorker

    from tests.conftest import empty_database
    from training import jobs

    app = make_app(tmp_path, AMICUS_JOBS="rq", REDIS_URL="redis://127.0.0.1:6379/15")
    with app.app_context():
        db.create_all()
        made_id = _zip_job_world(tmp_path, app)
        job = jobs.enqueue("certificates.batch.build_zip", made_id)
        assert db.session.get(CertificateBatch, made_id).status == "queued"
        queue = jobs._queue(app)
        SimpleWorker([queue], connection=queue.connection).work(burst=True)
        assert db.session.get(CertificateBatch, made_id).status == "done", job.id
        queue.empty()
        empty_database()


def test_preview_cli_writes_a_sample(app, course, tmp_path):
    out = tmp_path / "sample.pdf"
    result = app.test_cli_runner().invoke(args=["certificates", "preview", "--course", "test-course", "--name", "王小梅",
                                                "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, check=True).stdout.decode()
    assert "王小梅" in text
    bad = app.test_cli_runner().invoke(args=["certificates", "preview", "--course", "nope", "--name", "x", "--out", str(out)])
    assert bad.exit_code != 0 and "No course" in bad.output


def test_the_verification_page_speaks_chinese(app, client, course, make_user):
    make_user("mei")
    login(client, "mei")
    cert = named_certificate(client, "王小梅")
    page = app.test_client().get(f"/verify/{cert.code}", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    text = page.get_data(as_text=True)
    assert "证书有效" in text and "王小梅" in text
