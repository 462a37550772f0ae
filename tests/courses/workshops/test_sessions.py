"""A cohort's sessions and attendance: added in the cohort's zone, marked as tapped, walk-ins with
and without accounts, the CSV; only the cohort's trainers."""
import csv
import io
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from courses.workshops import services
from courses.workshops.models import Attendance, CohortSession
from tests.conftest import login
from training import cohorts
from training.audit import AuditEntry
from training.extensions import db
from training.progress import enrol


@pytest.fixture
def cohort(make_course, make_user):
    course = make_course(modules=1, lessons=1, sequential=False)
    trainer = make_user("coach", role="trainer")
    group = cohorts.create_cohort(trainer, course.id, "Sunday workshop", date.today(), None)
    group.timezone = "Asia/Shanghai"
    for handle in ("amy", "bea"):
        user = make_user(handle)
        cohorts.join_cohort(user, group.invite_code, date.today())
        enrol(user, course.id, group.id)
    db.session.commit()
    return group


def coach():
    from training.accounts import find_user

    return find_user("coach")


def spec(**changes):
    values = {"title": "Rights at work", "starts": datetime(2026, 12, 13, 14, 0), "ends": datetime(2026, 12, 13, 17, 0),
              "mode": "in_person", "place": "Community centre", "hide_place": True}
    values.update(changes)
    return services.SessionSpec(**values)


def test_a_session_is_entered_in_the_cohorts_zone_and_stored_in_utc(app, cohort):
    session = services.add_session(coach(), cohort, spec())
    db.session.commit()
    assert session.starts_at.hour == 6 and session.starts_at.utcoffset().total_seconds() == 0  # 14:00 in Shanghai
    for bad, field in ((spec(title="  "), "title"), (spec(ends=datetime(2026, 12, 13, 13, 0)), "ends"),
                       (spec(mode="teleport"), "mode"), (spec(title="a\u202eb"), None)):
        with pytest.raises(services.WorkshopError) as refused:
            services.add_session(coach(), cohort, bad)
        assert refused.value.field == field
    db.session.rollback()
    assert db.session.execute(select(func.count(CohortSession.id))).scalar_one() == 1


def test_attendance_is_marked_as_tapped_with_walk_ins_by_handle_and_anonymous(app, cohort, make_user):
    session = services.add_session(coach(), cohort, spec())
    rows = services.roster(cohort, session)
    assert [(r.label, r.status) for r in rows] == [("amy", None), ("bea", None)]
    services.mark(coach(), cohort, session, rows[0].key, "present")
    services.mark(coach(), cohort, session, rows[0].key, "late")  # a second tap changes it
    services.mark(coach(), cohort, session, rows[1].key, "excused")
    make_user("cai")
    assert services.add_walk_in(coach(), cohort, session, "cai", None) == "cai"
    assert services.add_walk_in(coach(), cohort, session, None, " Xiao  Hong ") == "#1 Xiao Hong"
    assert services.add_walk_in(coach(), cohort, session, None, "") == "#2"
    db.session.commit()
    rows = services.roster(cohort, session)
    assert [(r.label, r.status, r.walk_in) for r in rows] == [
        ("amy", "late", False), ("bea", "excused", False), ("cai", "present", True),
        ("#1 Xiao Hong", "present", True), ("#2", "present", True)]
    services.mark(coach(), cohort, session, "w2", "absent")
    assert services.counts(services.roster(cohort, session)) == {"present": 2, "late": 1, "absent": 1, "excused": 1}
    # Someone not on the list, an unknown walk-in, a made-up status: refused, nothing written.
    stranger = make_user("dee")
    for key, status in ((f"u{stranger.id}", "present"), ("w9", "present"), ("x1", "present"), ("u1", "asleep")):
        with pytest.raises(services.WorkshopError):
            services.mark(coach(), cohort, session, key, status)
    with pytest.raises(services.WorkshopError):
        services.add_walk_in(coach(), cohort, session, "nobody-here", None)
    db.session.rollback()
    assert db.session.execute(select(func.count(Attendance.id))).scalar_one() == 5


def test_only_the_cohorts_trainers_change_sessions(app, cohort, make_user):
    other = make_user("other-coach", role="trainer")
    with pytest.raises(PermissionError):
        services.add_session(other, cohort, spec())
    session = services.add_session(coach(), cohort, spec())
    for call in (lambda: services.mark(other, cohort, session, "w1", "present"),
                 lambda: services.add_walk_in(other, cohort, session, None, "x"),
                 lambda: services.delete_session(other, cohort, session)):
        with pytest.raises(PermissionError):
            call()


def test_the_trainer_adds_a_session_takes_attendance_and_downloads_it(client, cohort, make_user):
    login(client, "coach")
    page = client.get(f"/cohorts/{cohort.id}/sessions").get_data(as_text=True)
    assert "No sessions yet." in page and "Asia/Shanghai" in page
    form = {"title": "Safety at home", "starts": "2026-12-20T14:00", "ends": "2026-12-20T17:00",
            "mode": "blended", "place": "Room 2", "capacity": "30"}
    assert client.post(f"/cohorts/{cohort.id}/sessions", data={**form, "ends": "2026-12-20T13:00"}).status_code == 422
    assert client.post(f"/cohorts/{cohort.id}/sessions", data={**form, "starts": "soon"}).status_code == 422
    assert client.post(f"/cohorts/{cohort.id}/sessions", data={**form, "mode": "x"}).status_code == 422
    added = client.post(f"/cohorts/{cohort.id}/sessions", data=form, follow_redirects=True)
    assert "The session is added." in added.get_data(as_text=True)
    session = db.session.execute(select(CohortSession)).scalar_one()
    url = f"/cohorts/{cohort.id}/sessions/{session.id}"
    roster = client.get(url).get_data(as_text=True)
    assert 'aria-pressed="false"' in roster and "amy" in roster
    amy_key = services.roster(cohort, session)[0].key
    tapped = client.post(f"{url}/mark", data={"who": amy_key, "status": "present"})
    assert tapped.status_code == 302 and tapped.headers["Location"].endswith(f"#row-{amy_key}")
    assert client.post(f"{url}/mark", data={"who": "w7", "status": "present"}).status_code == 302  # refused: flash
    walk_in = client.post(f"{url}/walk-in", data={"name": "Lan"}, follow_redirects=True)
    assert "#1 Lan is on the list, marked present." in walk_in.get_data(as_text=True)
    assert client.post(f"{url}/walk-in", data={"handle": "nobody-here"}).status_code == 422
    download = client.get(f"/cohorts/{cohort.id}/attendance.csv")
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["session", "starts (Asia/Shanghai)", "person", "walk_in", "status"]
    assert rows[1:] == [["Safety at home", "2026-12-20 14:00:00", "amy", "", "present"],
                        ["Safety at home", "2026-12-20 14:00:00", "bea", "", "not marked"],
                        ["Safety at home", "2026-12-20 14:00:00", "#1 Lan", "yes", "present"]]
    assert db.session.execute(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "export.attendance")).scalar_one() == 1
    # Another trainer and a participant see none of it.
    make_user("nosy", role="trainer")
    for handle in ("nosy", "amy"):
        other = client.application.test_client()
        login(other, handle)
        for path in (f"/cohorts/{cohort.id}/sessions", url, f"/cohorts/{cohort.id}/attendance.csv"):
            assert other.get(path).status_code == 403
        assert other.post(f"{url}/mark", data={"who": amy_key, "status": "absent"}).status_code == 403
    sheet = client.get(f"{url}/sign-in.pdf")
    assert sheet.mimetype == "application/pdf"
    from pypdf import PdfReader

    text = PdfReader(io.BytesIO(sheet.data)).pages[0].extract_text()
    assert "Sign-in sheet: Safety at home" in text and "amy" in text and "#1 Lan" in text and "Signature" in text
    assert db.session.execute(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "export.sign_in_sheet")).scalar_one() == 1
    assert client.post(f"{url}/delete").status_code == 302
    assert db.session.execute(select(func.count(Attendance.id))).scalar_one() == 0


# --------------------------------------------------------------------------------------------
# Self check-in


def test_a_check_in_code_changes_every_30_seconds_and_cannot_be_forged(app, cohort):
    session = services.add_session(coach(), cohort, spec())
    other = services.add_session(coach(), cohort, spec(title="Another"))
    db.session.commit()
    now = 1_800_000_000.0
    code, left = services.check_in_code(session, now)
    assert 0 < left <= 30 and services.check_in_code(session, now + 30)[0] != code
    assert services.read_check_in_code(code, now).id == session.id
    assert services.read_check_in_code(code, now + 30).id == session.id  # a scan started just before the change
    with pytest.raises(services.WorkshopError, match="expired"):
        services.read_check_in_code(code, now + 61)
    session_id, period, mac = code.split(".")
    for forged in (f"{other.id}.{period}.{mac}", f"{session_id}.{int(period) + 1}.{mac}", f"{session_id}.{period}.{'0' * 20}",
                   "", "1.2", "x.y.z", "9" * 40 + ".1.abc"):
        with pytest.raises(services.WorkshopError, match="not a check-in code"):
            services.read_check_in_code(forged, now)
    app.config["SECRET_KEY"] = "another key"  # made with another site's key: not ours
    with pytest.raises(services.WorkshopError, match="not a check-in code"):
        services.read_check_in_code(code, now)


def test_a_participant_checks_in_by_scanning_and_a_trainers_mark_stays(client, cohort, make_user):
    session = services.add_session(coach(), cohort, spec())
    db.session.commit()
    trainer = client.application.test_client()
    login(trainer, "coach")
    screen = trainer.get(f"/cohorts/{cohort.id}/sessions/{session.id}/check-in").get_data(as_text=True)
    assert 'http-equiv="refresh"' in screen and "data:image/svg+xml" in screen
    code, _left = services.check_in_code(session)
    login(client, "amy")
    assert "Check in for “Rights at work”?" in client.get(f"/check-in/{code}").get_data(as_text=True)
    done = client.post(f"/check-in/{code}", follow_redirects=True)
    assert "You are checked in for “Rights at work”." in done.get_data(as_text=True)
    again = client.post(f"/check-in/{code}", follow_redirects=True)
    assert "You were already on the list" in again.get_data(as_text=True)
    services.mark(coach(), cohort, session, services.roster(cohort, session)[1].key, "late")  # bea, marked late
    db.session.commit()
    bea = client.application.test_client()
    login(bea, "bea")
    bea.post(f"/check-in/{code}")
    assert [(r.label, r.status) for r in services.roster(cohort, session)] == [("amy", "present"), ("bea", "late")]
    # Someone outside the cohort, a forged code: refused with a message, nothing written.
    make_user("outsider")
    outsider = client.application.test_client()
    login(outsider, "outsider")
    refused = outsider.post(f"/check-in/{code}")
    assert refused.status_code == 410 and "not a participant" in refused.get_data(as_text=True)
    assert outsider.get("/check-in/1.2.forged").status_code == 410
    assert db.session.execute(select(func.count(Attendance.id))).scalar_one() == 2


# --------------------------------------------------------------------------------------------
# A participant's upcoming sessions


def test_participants_see_their_upcoming_sessions_and_a_neutral_calendar(client, cohort, make_user):
    from datetime import timedelta

    from training.db import utcnow

    soon = utcnow().replace(tzinfo=None) + timedelta(days=3)
    # The cohort's zone is Shanghai: typed as its wall clock.
    services.add_session(coach(), cohort, spec(title="Safety at home", starts=soon, ends=soon + timedelta(hours=2),
                                               place="Shelter, 3 Hidden Lane", hide_place=True))
    services.add_session(coach(), cohort, spec(title="Getting help", starts=soon + timedelta(days=7),
                                               ends=soon + timedelta(days=7, hours=2), place="Library", hide_place=False))
    services.add_session(coach(), cohort, spec(title="Long ago", starts=datetime(2020, 1, 1, 9), ends=datetime(2020, 1, 1, 11)))
    db.session.commit()
    login(client, "amy")
    page = client.get("/learning").get_data(as_text=True)
    assert page.index("Safety at home") < page.index("Getting help") and "Long ago" not in page
    assert "Hidden Lane" not in page and "Place: your trainer tells you" in page and "Library" in page
    ics = client.get("/learning/sessions.ics")
    assert ics.mimetype == "text/calendar" and "no-store" in ics.headers["Cache-Control"]
    text = ics.get_data(as_text=True)
    assert text.count("BEGIN:VEVENT") == 2 and text.count("SUMMARY:Amicus session") == 2
    assert "Safety at home" not in text and "Course" not in text and "Hidden Lane" not in text
    assert "LOCATION:Library" in text
    named = client.get("/learning/sessions.ics?names=1").get_data(as_text=True)
    assert "SUMMARY:Safety at home (Course test-course)" in named
    # Someone in no cohort: no section, an empty calendar.
    make_user("loner")
    alone = client.application.test_client()
    login(alone, "loner")
    assert "Upcoming sessions" not in alone.get("/learning").get_data(as_text=True)
    assert "BEGIN:VEVENT" not in alone.get("/learning/sessions.ics").get_data(as_text=True)


def test_a_full_session_closes_self_check_in_and_walk_ins_need_the_trainers_word(app, cohort, make_user):
    session = services.add_session(coach(), cohort, spec(capacity=2))
    db.session.commit()
    amy, bea = (db.session.execute(select(cohorts.CohortMember.user_id).where(
        cohorts.CohortMember.cohort_id == cohort.id, cohorts.CohortMember.role == "participant")
        .order_by(cohorts.CohortMember.user_id)).scalars().all())
    services.add_walk_in(coach(), cohort, session, None, "Lan")
    from training.accounts import User

    assert services.check_in(db.session.get(User, amy), session)  # the second place
    db.session.commit()
    assert services.is_full(session)
    with pytest.raises(services.WorkshopError, match="places of this session are taken"):
        services.check_in(db.session.get(User, bea), session)
    with pytest.raises(services.WorkshopError) as refused:
        services.add_walk_in(coach(), cohort, session, None, "Mei")
    assert refused.value.field == "over_capacity"
    db.session.rollback()
    assert services.add_walk_in(coach(), cohort, session, None, "Mei", over_capacity=True) == "#2 Mei"
    services.mark(coach(), cohort, session, f"u{bea}", "present")  # on the list: the trainer marks her
    db.session.commit()
    assert services.places_taken(session) == 4

    client = app.test_client()
    login(client, "coach")
    page = client.get(f"/cohorts/{cohort.id}/sessions/{session.id}").get_data(as_text=True)
    assert "Places taken: 4 of 2." in page and "Add her anyway" in page and "Self check-in is closed" in page
    refused_page = client.post(f"/cohorts/{cohort.id}/sessions/{session.id}/walk-in", data={"name": "Yu"})
    assert refused_page.status_code == 422 and "All 2 places of this session are taken" in refused_page.get_data(as_text=True)
    added = client.post(f"/cohorts/{cohort.id}/sessions/{session.id}/walk-in", data={"name": "Yu", "over_capacity": "y"})
    assert added.status_code == 302
