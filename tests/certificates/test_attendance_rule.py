"""A completion rule may ask for attendance (`completion: attendance: 80%` in course.yaml, or a
cohort's adjustment): the certificate follows the register, whoever marks it."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from certificates import services
from certificates.models import Certificate, CohortCompletionRule
from courses.models import Activity
from courses.package import read_packages
from courses.workshops import services as workshops
from tests.conftest import csrf_token, login, write_course
from training import cohorts
from training.extensions import db
from training.progress import enrol, mark_complete


@pytest.mark.parametrize("value, percent", [("80%", 80), ("100 %", 100), ("1", 1), (75, 75)])
def test_attendance_is_read_as_a_percentage(app, tmp_path, value, percent):
    folder = write_course(tmp_path, modules=1, lessons=1, extra_yaml=f"completion:\n  attendance: {value}\n")
    specs, errors, _ = read_packages([folder])
    assert not errors, errors
    assert specs[0].sections["certificates"]["attendance"] == percent


@pytest.mark.parametrize("value", ["0%", "101%", "most", "[80]", "true", "80.5%"])
def test_a_wrong_attendance_share_is_reported_with_its_line(app, tmp_path, value):
    folder = write_course(tmp_path, modules=1, lessons=1, extra_yaml=f"completion:\n  lessons: all\n  attendance: {value}\n")
    _specs, errors, _ = read_packages([folder])
    assert any("'completion: attendance'" in e and "course.yaml:" in e for e in errors), errors


@pytest.fixture
def workshop(app, make_course, make_user):
    """A two-lesson course asking for 67% of the sessions; a cohort with three sessions; Mei in it."""
    course = make_course(modules=1, lessons=2, sequential=False, extra_yaml="completion:\n  attendance: 67%\n")
    trainer, mei = make_user("coach", role="trainer"), make_user("mei")
    cohort = cohorts.create_cohort(trainer, course.id, "Sunday", date.today() + timedelta(days=3), None)
    cohorts.join_cohort(mei, cohort.invite_code, date.today())
    enrol(mei, course.id, cohort.id)
    sessions = [workshops.add_session(trainer, cohort, workshops.SessionSpec(
        title=f"Session {n}", starts=datetime(2026, 12, 6 + 7 * n, 14), ends=datetime(2026, 12, 6 + 7 * n, 17)))
        for n in range(1, 4)]
    db.session.commit()
    return course, cohort, trainer, mei, sessions


def _lessons_done(user, course):
    for activity_id in db.session.execute(select(Activity.id).where(Activity.course_id == course.id)).scalars():
        mark_complete(user, activity_id)
    db.session.commit()


def test_the_certificate_waits_for_attendance_and_follows_the_register(app, workshop):
    course, cohort, trainer, mei, sessions = workshop
    _lessons_done(mei, course)
    assert services.live_certificate(mei.id, course.id) is None  # every lesson, no session yet
    progress = services.rule_progress(mei.id, course.id, cohort.id)
    assert (progress.done, progress.total, progress.attendance) == (2, 2, 67)
    assert (progress.record.attended, progress.record.counted) == (0, 3) and not progress.met

    workshops.mark(trainer, cohort, sessions[0], f"u{mei.id}", "present")
    workshops.mark(trainer, cohort, sessions[1], f"u{mei.id}", "absent")
    db.session.commit()
    assert services.live_certificate(mei.id, course.id) is None  # 1 of 3 is 33%

    workshops.mark(trainer, cohort, sessions[1], f"u{mei.id}", "excused")  # left out: 1 of 2 is 50%
    db.session.commit()
    assert services.live_certificate(mei.id, course.id) is None

    # She checks in at the third: 2 of 2 counted sessions; the certificate is issued as she does.
    assert workshops.check_in(mei, sessions[2])
    db.session.commit()
    assert services.live_certificate(mei.id, course.id) is not None


def test_late_counts_and_a_deleted_session_can_complete_the_rule(app, workshop):
    course, cohort, trainer, mei, sessions = workshop
    _lessons_done(mei, course)
    workshops.mark(trainer, cohort, sessions[0], f"u{mei.id}", "late")
    workshops.mark(trainer, cohort, sessions[1], f"u{mei.id}", "absent")
    db.session.commit()
    assert services.live_certificate(mei.id, course.id) is None  # 1 of 3
    workshops.delete_session(trainer, cohort, sessions[2])  # cancelled: 1 of 2 is still 50%
    db.session.commit()
    assert services.live_certificate(mei.id, course.id) is None
    workshops.delete_session(trainer, cohort, sessions[1])  # 1 of 1
    db.session.commit()
    assert services.live_certificate(mei.id, course.id) is not None


def test_attendance_without_the_activities_issues_nothing(app, workshop):
    course, cohort, trainer, mei, sessions = workshop
    for session in sessions:
        workshops.mark(trainer, cohort, session, f"u{mei.id}", "present")
    db.session.commit()
    assert services.live_certificate(mei.id, course.id) is None
    _lessons_done(mei, course)
    assert services.live_certificate(mei.id, course.id) is not None


def test_without_a_cohort_or_without_sessions_attendance_cannot_be_met(app, workshop, make_user):
    course, cohort, trainer, mei, sessions = workshop
    solo = make_user("solo")
    enrol(solo, course.id)
    db.session.commit()
    _lessons_done(solo, course)
    progress = services.rule_progress(solo.id, course.id, None)
    assert progress.record is None and not progress.attendance_met
    assert services.live_certificate(solo.id, course.id) is None
    empty = cohorts.create_cohort(trainer, course.id, "No sessions", date.today(), None)
    db.session.commit()
    assert not services.rule_progress(solo.id, course.id, empty.id).met


def test_a_cohort_rule_sets_or_drops_attendance_before_it_starts(app, workshop):
    course, cohort, trainer, mei, sessions = workshop
    today = date.today()
    with pytest.raises(services.CertificateError) as refused:
        services.adjust_cohort_rule(trainer, cohort, ["001-lesson"], today, "most")
    assert refused.value.field == "attendance"
    db.session.rollback()
    assert db.session.get(CohortCompletionRule, cohort.id) is None  # nothing half-saved
    services.adjust_cohort_rule(trainer, cohort, ["001-lesson"], today, "")  # online cohort: no attendance
    db.session.commit()
    assert services.cohort_rule(cohort) == services.Rule(["001-lesson"], None)
    mark_complete(mei, db.session.execute(select(Activity.id).where(Activity.slug == "001-lesson")).scalar_one())
    db.session.commit()
    assert services.live_certificate(mei.id, course.id) is not None


def test_the_trainers_rule_page_saves_attendance_and_refuses_nonsense(app, workshop):
    course, cohort, trainer, mei, sessions = workshop
    client = app.test_client()
    login(client, "coach")
    page = client.get(f"/cohorts/{cohort.id}/completion")
    assert page.status_code == 200 and 'name="attendance" value="67"' in page.get_data(as_text=True)
    token = csrf_token(page.get_data(as_text=True))
    bad = client.post(f"/cohorts/{cohort.id}/completion",
                      data={"csrf_token": token, "required": ["001-lesson"], "attendance": "250"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "from 1 to 100 percent" in html and 'value="250"' in html
    assert db.session.get(CohortCompletionRule, cohort.id) is None
    good = client.post(f"/cohorts/{cohort.id}/completion",
                       data={"csrf_token": token, "required": ["001-lesson", "002-lesson"], "attendance": "50%"})
    assert good.status_code == 302
    db.session.expire_all()
    assert db.session.get(CohortCompletionRule, cohort.id).attendance == 50


def test_her_certificate_page_says_how_much_attendance_is_left(app, workshop):
    course, cohort, trainer, mei, sessions = workshop
    workshops.mark(trainer, cohort, sessions[0], f"u{mei.id}", "present")
    db.session.commit()
    client = app.test_client()
    login(client, "mei")
    html = client.get(f"/courses/{course.slug}/certificate").get_data(as_text=True)
    assert "0 of 2 required activities" in html
    assert "attend 67% of your group's sessions: you have attended 1 of 3" in html
    assert db.session.execute(select(func.count(Certificate.id))).scalar_one() == 0
