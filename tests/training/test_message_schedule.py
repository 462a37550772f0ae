"""The message scheduler (`flask --app wsgi messages tick`): quiet hours hold email until they
end, a daily digest goes once at her hour (even with two scheduler processes at once), and the
courses' reminders (a session tomorrow, a stage that opens by its schedule, a deadline a day away)
are sent once each."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from tests.conftest import DATABASE_URL, login
from tests.courses.cases.helpers import setup_moot
from tests.training.test_messages import _opt_in
from training import cohorts, messages
from training.db import utcnow
from training.extensions import db
from training.messages import Delivery, MessagePreference, Notification

ROOT = Path(__file__).resolve().parents[2]


def _mei_opted_in(app, make_user, smtp, **pref):
    mei = make_user("mei")
    mei.timezone = "UTC"
    db.session.commit()
    client = app.test_client()
    login(client, "mei")
    _opt_in(client, smtp)
    row = db.session.get(MessagePreference, mei.id)
    for name, value in pref.items():
        setattr(row, name, value)
    db.session.commit()
    return mei


def _certificate(app, user_id: int, course: str = "X") -> None:
    with app.test_request_context():
        messages.notify([user_id], "certificate", "/courses/x", course=course)
        db.session.commit()
        messages.dispatch()


def test_quiet_hours_hold_email_until_they_end(app, make_user, smtp):
    hour = utcnow().hour
    mei = _mei_opted_in(app, make_user, smtp, quiet_from=hour, quiet_to=(hour + 2) % 24)
    _certificate(app, mei.id)
    assert smtp.messages == [] and db.session.execute(select(Delivery.status).where(
        Delivery.event == "certificate")).scalar_one() == "held"
    with app.test_request_context():
        assert messages.tick(utcnow())["released"] == 0  # still quiet
        assert messages.tick(utcnow() + timedelta(hours=3))["released"] == 1
    (email,) = smtp.to("mei@example.org")
    assert email["Subject"] == "You have an update on Amicus"
    assert db.session.execute(select(Delivery.status).where(Delivery.event == "certificate")).scalar_one() == "sent"


def test_quiet_hours_are_two_different_hours_or_none(app, make_user, smtp):
    _mei_opted_in(app, make_user, smtp)
    client = app.test_client()
    login(client, "mei")
    for bad in ({"quiet_from": "22"}, {"quiet_from": "7", "quiet_to": "7"}, {"quiet_from": "25", "quiet_to": "3"}):
        page = client.post("/account/messages", data={"email": "mei@example.org", "email_on": "y", **bad})
        assert page.status_code == 422, bad
    assert db.session.execute(select(MessagePreference.quiet_from)).scalar_one() is None
    saved = client.post("/account/messages", data={"email": "mei@example.org", "email_on": "y", "events": "certificate",
                                                   "quiet_from": "22", "quiet_to": "7", "digest": "y",
                                                   "digest_hour": "8"})
    assert saved.status_code == 302
    db.session.expire_all()
    pref = db.session.execute(select(MessagePreference)).scalar_one()
    assert (pref.quiet_from, pref.quiet_to, pref.digest, pref.digest_hour) == (22, 7, True, 8)
    page = client.get("/account/messages").get_data(as_text=True)
    assert '<option selected value="22">22:00</option>' in page and '<option selected value="7">07:00</option>' in page


def _tick_in_a_process(app) -> subprocess.CompletedProcess:
    env = dict(os.environ, AMICUS_ENV="testing", SECRET_KEY=app.config["SECRET_KEY"],
               DATABASE_URL=DATABASE_URL or app.config["SQLALCHEMY_DATABASE_URI"],
               AMICUS_SMTP_HOST=app.config["AMICUS_SMTP_HOST"], AMICUS_SMTP_PORT=str(app.config["AMICUS_SMTP_PORT"]),
               AMICUS_SMTP_SECURITY="none", AMICUS_MAIL_FROM=app.config["AMICUS_MAIL_FROM"], AMICUS_JOBS="inline",
               AMICUS_BASE_URL="https://amicus.example.org")
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "messages", "tick"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_digest_goes_once_at_her_hour_with_two_schedulers_running(app, make_user, smtp):
    mei = _mei_opted_in(app, make_user, smtp, digest=True, digest_hour=18, detailed=True)
    for course in ("Evidence", "Protection orders", "Safety"):
        _certificate(app, mei.id, course)
    assert smtp.messages == []  # held for the digest
    with app.test_request_context():
        assert messages.tick(utcnow().replace(hour=17, minute=59))["digests"] == 0  # not before her hour
    assert smtp.messages == []
    db.session.get(MessagePreference, mei.id).digest_hour = 0  # due now, whatever the hour of this run
    db.session.commit()
    db.session.remove()
    both = [_tick_in_a_process(app), _tick_in_a_process(app)]
    outcomes = [process.communicate(timeout=120) for process in both]
    assert [process.returncode for process in both] == [0, 0], outcomes
    (digest,) = smtp.to("mei@example.org")
    assert digest["Subject"] == "You have 3 updates on Amicus"
    assert "Protection orders" in digest.get_content()  # she asked for detail
    assert "https://amicus.example.org/notifications" in digest.get_content()
    assert db.session.execute(select(Delivery.status).where(Delivery.event == "certificate")).scalars().all() == [
        "digested"] * 3
    with app.test_request_context():
        assert messages.tick(utcnow())["digests"] == 0  # once a day
    assert len(smtp.messages) == 1


def test_the_courses_reminders_go_once(app, make_user, make_course, smtp):
    from courses.cases.models import CaseStage
    from courses.workshops.models import CohortSession

    moot = setup_moot(make_user, make_course)
    cohort = moot["cohort"]
    now = utcnow()
    db.session.add(CohortSession(cohort_id=cohort.id, title="Evidence clinic", starts_at=now + timedelta(hours=10),
                                 ends_at=now + timedelta(hours=12)))
    db.session.add(CohortSession(cohort_id=cohort.id, title="Next week", starts_at=now + timedelta(days=6),
                                 ends_at=now + timedelta(days=6, hours=2)))
    stage = db.session.execute(select(CaseStage).where(CaseStage.run_id == moot["run"].id,
                                                       CaseStage.slug == "inject")).scalar_one()
    stage.opens_at = now - timedelta(minutes=5)
    moot["run"].submissions_due = now + timedelta(hours=20)
    db.session.commit()
    with app.test_request_context():
        first = messages.tick(now)
        again = messages.tick(now + timedelta(minutes=5))
    assert first["sessions"] == 1 and first["cases"] == 2 and again["sessions"] == again["cases"] == 0
    events = dict(db.session.execute(select(Notification.event, func.count(Notification.id))
                                     .group_by(Notification.event)).all())
    participants = db.session.execute(select(func.count(cohorts.CohortMember.id)).where(
        cohorts.CohortMember.cohort_id == cohort.id, cohorts.CohortMember.role == "participant")).scalar_one()
    assert events["session_tomorrow"] == participants and events["case_stage"] == events["deadline"] == 4
    with app.test_request_context():
        ana = moot["ana1"]
        texts = [n.text for n in db.session.execute(select(Notification).where(Notification.user_id == ana.id)
                                                     .order_by(Notification.id)).scalars()]
    assert any(t.startswith("“Evidence clinic” begins") for t in texts)
    assert any("are due" in t for t in texts) and any("is open" in t for t in texts)
