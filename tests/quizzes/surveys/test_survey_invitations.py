"""Invitations to a survey (quizzes/surveys/invitations.py): a trainer tells her cohort a survey is
open, today or on a later day; the message scheduler sends a planned one on its day where the
cohort is, once; everyone in the cohort is told (who answered is not known by account)."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from quizzes.surveys import invitations
from quizzes.surveys.invitations import SurveyInvitation
from tests.conftest import SURVEY_YAML, login
from tests.training.test_messages import _opt_in
from training import cohorts, messages, timezones
from training.audit import AuditEntry
from training.db import utcnow
from training.extensions import db
from training.messages import Notification

# The instrument, with an item asked in every phase (the follow-up too).
INSTRUMENT = SURVEY_YAML + """  - id: still
    type: self
    phases: [pre, post, followup]
    text: How confident are you now?
"""


@pytest.fixture
def world(make_course, make_user):
    course = make_course(modules=1, lessons=1, sequential=False, surveys=INSTRUMENT,
                         survey_phases=("pre", "post", "followup"))
    tess = make_user("tess", role="trainer")
    cohort = cohorts.create_cohort(tess, course.id, "Spring", date.today() - timedelta(days=30), None)
    people = []
    for handle in ("mei", "lan"):
        person = make_user(handle)
        cohorts.join_cohort(person, cohort.invite_code, date.today())
        people.append(person)
    db.session.commit()
    return {"course": course, "tess": tess, "cohort": cohort, "people": people}


def _told() -> list[tuple[int, str, str]]:
    return db.session.execute(select(Notification.user_id, Notification.event, Notification.link)
                              .order_by(Notification.user_id)).all()


def test_a_trainer_invites_her_cohort_today_and_each_participant_is_told(app, world, smtp):
    mei, lan = world["people"]
    mei_client = app.test_client()
    login(mei_client, "mei")
    _opt_in(mei_client, smtp, events=("survey_open",))
    client = app.test_client()
    login(client, "tess")
    cohort = world["cohort"]
    page = client.get(f"/cohorts/{cohort.id}/surveys/invite")
    assert page.status_code == 200 and "Followup survey" in page.get_data(as_text=True)
    sent = client.post(f"/cohorts/{cohort.id}/surveys/invite", data={"survey": "followup", "send_on": ""})
    assert sent.status_code == 302
    assert _told() == sorted([(mei.id, "survey_open", "/courses/test-course/surveys/followup"),
                              (lan.id, "survey_open", "/courses/test-course/surveys/followup")])
    assert "Sent to 2 participants." in client.get(sent.headers["Location"]).get_data(as_text=True)
    (email,) = smtp.to("mei@example.org")
    assert email["Subject"] == "You have an update on Amicus" and "survey" not in email.get_content().lower()
    # In her list, in her language, with the survey's title.
    assert "The survey “Followup survey” is open." in mei_client.get("/notifications").get_data(as_text=True)
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "survey.invite")).scalar_one()
    assert entry.actor_id == world["tess"].id


def test_a_planned_invitation_goes_on_its_day_where_the_cohort_is_and_once(app, world):
    client = app.test_client()
    login(client, "tess")
    cohort = world["cohort"]
    today = timezones.today_in(cohort.timezone)
    on = today + timedelta(days=180)
    planned = client.post(f"/cohorts/{cohort.id}/surveys/invite", data={"survey": "followup", "send_on": on.isoformat()})
    assert planned.status_code == 302 and _told() == []
    page = client.get(f"/cohorts/{cohort.id}/surveys/invite").get_data(as_text=True)
    assert on.isoformat() in page and "Planned" in page

    with app.test_request_context():
        assert invitations.due(utcnow()) == 0
        # 09:00 of its day where the cohort is (Shanghai: 01:00 UTC).
        zone = ZoneInfo(cohort.timezone)
        nine_there = datetime.combine(on, time(invitations.SEND_HOUR), zone).astimezone(UTC)
        assert invitations.due(nine_there - timedelta(minutes=1)) == 0
        assert messages.tick(nine_there + timedelta(minutes=1))["surveys"] == 1
        assert messages.tick(nine_there + timedelta(minutes=6))["surveys"] == 0
    assert len(_told()) == 2
    row = db.session.execute(select(SurveyInvitation)).scalar_one()
    assert row.sent_at is not None and row.recipients == 2


def test_a_planned_invitation_can_be_cancelled_and_a_sent_one_cannot(app, world):
    client = app.test_client()
    login(client, "tess")
    cohort = world["cohort"]
    later = (timezones.today_in(cohort.timezone) + timedelta(days=30)).isoformat()
    client.post(f"/cohorts/{cohort.id}/surveys/invite", data={"survey": "followup", "send_on": later})
    client.post(f"/cohorts/{cohort.id}/surveys/invite", data={"survey": "post", "send_on": ""})
    planned, sent = [row.id for row in sorted(db.session.execute(select(SurveyInvitation)).scalars(),
                                              key=lambda r: r.sent_at is not None)]
    gone = client.post(f"/cohorts/{cohort.id}/surveys/invitations/{planned}/cancel")
    db.session.expire_all()
    assert gone.status_code == 302 and db.session.get(SurveyInvitation, planned) is None
    kept = client.post(f"/cohorts/{cohort.id}/surveys/invitations/{sent}/cancel", follow_redirects=True)
    assert "This invitation has been sent already." in kept.get_data(as_text=True)
    assert db.session.get(SurveyInvitation, sent) is not None
    assert client.post(f"/cohorts/{cohort.id}/surveys/invitations/99999/cancel").status_code == 404


@pytest.mark.parametrize(("data", "message"), [
    ({"survey": "nonexistent", "send_on": ""}, "Not a valid choice."),
    ({"survey": "001-lesson", "send_on": ""}, "Not a valid choice."),
    ({"survey": "followup", "send_on": "2001-01-01"}, "Choose today or a later day."),
    ({"survey": "followup", "send_on": "2999-01-01"}, "Choose a day within two years."),
    ({"survey": "followup", "send_on": "tomorrow"}, "Not a valid date value."),
])
def test_bad_input_is_refused_and_changes_nothing(app, world, data, message):
    client = app.test_client()
    login(client, "tess")
    page = client.post(f"/cohorts/{world['cohort'].id}/surveys/invite", data=data)
    assert page.status_code == 422 and message in page.get_data(as_text=True)
    assert db.session.execute(select(func.count(SurveyInvitation.id))).scalar_one() == 0 and _told() == []


def test_only_the_cohorts_trainers_and_admins_invite(app, world, make_user):
    make_user("other-trainer", role="trainer")
    make_user("root", role="admin")
    cohort = world["cohort"]
    for handle, status in (("mei", 403), ("other-trainer", 403), ("root", 302)):
        client = app.test_client()
        login(client, handle)
        assert client.get(f"/cohorts/{cohort.id}/surveys/invite").status_code == (200 if status == 302 else 403)
        assert client.post(f"/cohorts/{cohort.id}/surveys/invite",
                           data={"survey": "followup", "send_on": ""}).status_code == status, handle
    with pytest.raises(PermissionError):
        invitations.invite(world["people"][0], cohort, "followup", None)
    assert db.session.execute(select(func.count(SurveyInvitation.id))).scalar_one() == 1


def test_the_chinese_page_and_notification(app, world):
    mei = world["people"][0]
    mei.locale = "zh"
    world["tess"].locale = "zh"
    db.session.commit()
    client = app.test_client()
    login(client, "tess")
    page = client.get(f"/cohorts/{world['cohort'].id}/surveys/invite").get_data(as_text=True)
    assert "邀请学员填写问卷" in page
    client.post(f"/cohorts/{world['cohort'].id}/surveys/invite", data={"survey": "followup", "send_on": ""})
    mei_client = app.test_client()
    login(mei_client, "mei")
    assert "问卷" in mei_client.get("/notifications").get_data(as_text=True)

