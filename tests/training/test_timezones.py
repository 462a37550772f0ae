"""Times in the reader's own zone (#23): readers in UTC+8 and UTC-5, trainers typing in theirs,
"due day N" in the cohort's zone, zone names checked."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from courses.cases import services as case_services
from courses.cases.models import CaseRun, CaseStage
from tests.conftest import login, make_app
from tests.courses.cases.helpers import setup_moot
from training import cohorts, timezones
from training.accounts import User
from training.config import ConfigError
from training.extensions import db

BASE = "/courses/moot-course/cases/moot"
# 23:59 UTC on 12 December: the next morning in China, the same evening in New York.
DEADLINE = datetime(2026, 12, 12, 23, 59, tzinfo=UTC)


def text(response) -> str:
    """The page, with the narrow no-break space Babel puts before AM/PM written as a space."""
    return response.get_data(as_text=True).replace("\u202f", " ")


def set_zone(handle: str, zone: str | None, locale: str | None = None) -> None:
    user = db.session.execute(select(User).where(User.handle == handle)).scalar_one()
    user.timezone, user.locale = zone, locale
    db.session.commit()


@pytest.fixture
def moot(app, make_user, make_course):
    found = setup_moot(make_user, make_course)
    db.session.get(CaseRun, found["run"].id).submissions_due = DEADLINE
    db.session.commit()
    return found


def client_for(app, handle):
    client = app.test_client()
    login(client, handle)
    return client


# --- the zone and the day -----------------------------------------------------------------------

@pytest.mark.parametrize("name", ["Mars/Olympus", "asia/shanghai", "../../etc/passwd", "", "Asia/Shanghai\x00"])
def test_a_name_that_is_not_a_zone_is_refused_with_a_message(app, name):
    with pytest.raises(timezones.TimezoneError) as refused:
        timezones.check_zone(name)
    assert "is not a time zone Amicus knows" in str(refused.value)


def test_zone_names_a_browser_reports_are_accepted(app):
    for name in ("Asia/Shanghai", "America/New_York", "UTC", "Etc/UTC", "Asia/Urumqi"):
        assert timezones.check_zone(name) == name


def test_a_trainer_in_utc_plus_8_typing_9_00_stores_1_00_utc(app):
    assert timezones.from_local(datetime(2026, 12, 20, 9, 0), "Asia/Shanghai") == datetime(2026, 12, 20, 1, 0, tzinfo=UTC)
    assert timezones.from_local(datetime(2026, 12, 20, 9, 0), "America/New_York") == datetime(2026, 12, 20, 14, 0,
                                                                                              tzinfo=UTC)


def test_the_end_of_a_day_is_23_59_59_where_it_is_counted(app):
    assert timezones.end_of_day(date(2026, 12, 12), "Asia/Shanghai") == datetime(2026, 12, 12, 15, 59, 59, tzinfo=UTC)
    assert timezones.end_of_day(date(2026, 12, 12), "America/New_York") == datetime(2026, 12, 13, 4, 59, 59, tzinfo=UTC)
    # A summer-time day: New York is then UTC-4.
    assert timezones.end_of_day(date(2026, 7, 1), "America/New_York") == datetime(2026, 7, 2, 3, 59, 59, tzinfo=UTC)


def test_due_day_n_in_a_utc_plus_8_cohort_ends_at_15_59_59_utc_of_that_date(app, make_user):
    trainer = make_user("tess", role="trainer")
    trainer.timezone = "Asia/Shanghai"
    cohort = cohorts.Cohort(course_id=1, name="x", starts_on=date(2026, 12, 5), timezone="Asia/Shanghai")
    assert case_services.default_due(cohort, 7) == datetime(2026, 12, 12, 15, 59, 59, tzinfo=UTC)
    assert case_services.day_start(cohort, 7) == datetime(2026, 12, 11, 16, 0, tzinfo=UTC)
    cohort.timezone = "America/New_York"
    assert case_services.default_due(cohort, 7) == datetime(2026, 12, 13, 4, 59, 59, tzinfo=UTC)


def test_a_cohort_takes_its_creators_zone_unless_given_one_and_refuses_a_wrong_one(app, make_user, make_course):
    course = make_course("zone-course", modules=1, lessons=1)
    tess = make_user("tess", role="trainer")
    tess.timezone = "America/New_York"
    assert cohorts.create_cohort(tess, course.id, "A", date(2026, 12, 5), None).timezone == "America/New_York"
    assert cohorts.create_cohort(tess, course.id, "B", date(2026, 12, 5), None,
                                 timezone="Asia/Shanghai").timezone == "Asia/Shanghai"
    tess.timezone = None  # not chosen: the site's
    assert cohorts.create_cohort(tess, course.id, "C", date(2026, 12, 5), None).timezone == app.config["AMICUS_TIMEZONE"]
    with pytest.raises(cohorts.CohortError, match="is not a time zone"):
        cohorts.create_cohort(tess, course.id, "D", date(2026, 12, 5), None, timezone="Moon/Base")


def test_a_case_run_set_up_for_a_utc_plus_8_cohort_is_due_at_the_end_of_its_day(app, make_user, make_course):
    from courses.cases import runs
    from courses.cases.models import CaseExercise
    from tests.courses.cases.helpers import case_files

    course = make_course("moot-course", modules=1, lessons=1, case=case_files())
    tess = make_user("tess", role="trainer")
    tess.timezone = "Asia/Shanghai"
    cohort = cohorts.create_cohort(tess, course.id, "Spring", date(2026, 12, 5), None)
    run = runs.set_up(tess, cohort, db.session.execute(select(CaseExercise)).scalar_one())  # due: day 7
    assert run.submissions_due == datetime(2026, 12, 12, 15, 59, 59, tzinfo=UTC)


def test_the_site_zone_must_be_a_zone(tmp_path):
    with pytest.raises(ConfigError, match="AMICUS_TIMEZONE"):
        make_app(tmp_path, AMICUS_TIMEZONE="China")
    assert make_app(tmp_path).config["AMICUS_TIMEZONE"] == "Asia/Shanghai"


# --- what readers see ---------------------------------------------------------------------------

def test_readers_in_utc_plus_8_and_utc_minus_5_see_the_deadline_on_their_own_dates(app, moot):
    set_zone("ana1", "Asia/Shanghai")
    set_zone("bob", "America/New_York")
    shanghai = text(client_for(app, "ana1").get(BASE))
    new_york = text(client_for(app, "bob").get(BASE))
    assert "Written submissions are due Dec 13, 2026, 7:59:00 AM China Standard Time." in shanghai
    assert "Written submissions are due Dec 12, 2026, 6:59:00 PM Eastern Standard Time." in new_york
    assert "UTC" not in shanghai.split("Written submissions are due")[1][:80]


def test_in_chinese_too(app, moot):
    set_zone("ana1", "Asia/Shanghai", "zh")
    set_zone("bob", "America/New_York", "zh")
    assert "2026年12月13日 07:59:00 中国标准时间" in text(client_for(app, "ana1").get(BASE))
    assert "2026年12月12日 18:59:00 北美东部标准时间" in text(client_for(app, "bob").get(BASE))


def test_without_a_zone_of_her_own_she_reads_the_sites(app, moot):
    set_zone("ana1", None)
    assert "Dec 13, 2026, 7:59:00 AM China Standard Time" in text(client_for(app, "ana1").get(BASE))


def test_a_trainer_in_utc_plus_8_types_and_sees_the_schedule_in_her_zone(app, moot):
    set_zone("tess", "Asia/Shanghai")
    trainer = client_for(app, "tess")
    run_id = moot["run"].id
    response = trainer.post(f"/case-runs/{run_id}/schedule", data={
        "due": "2026-12-20T09:00", "late_until": "2026-12-21T09:00",
        "stage-inject": "2026-12-15T09:30", "stage-hearing": ""}, follow_redirects=True)
    assert "The schedule is saved." in text(response)
    run = db.session.get(CaseRun, run_id)
    assert run.submissions_due == datetime(2026, 12, 20, 1, 0, tzinfo=UTC)
    assert run.late_until == datetime(2026, 12, 21, 1, 0, tzinfo=UTC)
    inject = db.session.execute(select(CaseStage).where(CaseStage.run_id == run_id,
                                                         CaseStage.slug == "inject")).scalar_one()
    assert inject.opens_at == datetime(2026, 12, 15, 1, 30, tzinfo=UTC)
    page = text(trainer.get(f"/case-runs/{run_id}"))
    assert 'value="2026-12-20T09:00"' in page and 'value="2026-12-15T09:30"' in page
    assert "in your time zone, China (Shanghai) Time" in page
    # A participant in New York reads that deadline as the evening before.
    set_zone("bob", "America/New_York")
    assert "Dec 19, 2026, 8:00:00 PM Eastern Standard Time" in text(client_for(app, "bob").get(BASE))


# --- choosing one's zone --------------------------------------------------------------------------

def test_the_account_page_offers_a_grouped_select_with_her_zone_chosen(app, make_user):
    make_user("mei")
    set_zone("mei", "America/New_York")
    page = text(client_for(app, "mei").get("/account"))
    assert '<optgroup label="Common">' in page and '<optgroup label="All zones: Europe">' in page
    assert page.index('value="Asia/Shanghai"') < page.index('<optgroup label="All zones: Africa">')
    assert 'selected value="America/New_York"' in page or 'value="America/New_York" selected' in page


def test_choosing_a_zone_saves_it_and_returns_to_the_page(app, make_user):
    make_user("mei")
    client = client_for(app, "mei")
    response = client.post("/account/time-zone", data={"timezone": "America/New_York", "next": "/courses"})
    assert response.status_code == 302 and response.headers["Location"] == "/courses"
    assert db.session.execute(select(User.timezone).where(User.handle == "mei")).scalar_one() == "America/New_York"
    response = client.post("/account/time-zone", data={"timezone": "Asia/Shanghai", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/account#time-zone"


@pytest.mark.parametrize("name", ["Mars/Olympus", "", "x" * 300])
def test_a_wrong_zone_is_refused_with_a_message_and_changes_nothing(app, make_user, name):
    make_user("mei")
    set_zone("mei", "America/New_York")
    response = client_for(app, "mei").post("/account/time-zone", data={"timezone": name})
    assert response.status_code == 422
    assert "is not a time zone Amicus knows" in text(response)
    assert db.session.execute(select(User.timezone).where(User.handle == "mei")).scalar_one() == "America/New_York"


def test_the_layout_offers_the_browsers_zone_until_she_has_chosen(app, make_user):
    make_user("mei")
    client = client_for(app, "mei")
    page = text(client.get("/account"))
    assert 'id="timezone-offer" data-zone="Asia/Shanghai" hidden' in page and "js/timezone.js" in page
    client.post("/account/time-zone", data={"timezone": "Asia/Shanghai"})
    page = text(client.get("/account"))
    assert "timezone-offer" not in page and "js/timezone.js" not in page
    assert "timezone-offer" not in text(app.test_client().get("/"))  # nobody signed in: nothing to offer


# --- documents ----------------------------------------------------------------------------------

def test_a_certificates_dates_are_printed_in_the_zone_of_who_asked(app):
    from certificates.render import Sample, certificate_html

    issued = datetime(2026, 12, 12, 20, 0, tzinfo=UTC)
    sample = Sample("Mei", "en", None, {"en": "A course"}, issued, None, "SAMP1E0000000000", "Asia/Shanghai")
    with app.test_request_context():
        assert "December 13, 2026" in certificate_html(sample, {})
        sample.zone = "America/New_York"
        assert "December 12, 2026" in certificate_html(sample, {})


def test_the_new_cohort_form_offers_her_zone_and_refuses_a_wrong_one(app, make_user, make_course):
    course = make_course("zone-course", modules=1, lessons=1)
    make_user("tess", role="trainer")
    set_zone("tess", "America/New_York")
    client = client_for(app, "tess")
    page = text(client.get("/cohorts/new"))
    assert 'selected value="America/New_York"' in page or 'value="America/New_York" selected' in page
    data = {"course_id": course.id, "name": "Chengdu", "starts_on": "2026-12-05", "timezone": "Moon/Base"}
    response = client.post("/cohorts/new", data=data)
    assert response.status_code == 422 and "is not a time zone Amicus knows" in text(response)
    assert db.session.execute(select(cohorts.Cohort)).first() is None
    response = client.post("/cohorts/new", data={**data, "timezone": "Asia/Shanghai"})
    assert response.status_code == 302
    assert db.session.execute(select(cohorts.Cohort.timezone)).scalar_one() == "Asia/Shanghai"


def test_the_quiz_csv_names_the_zone_of_its_times(app):
    assert timezones.csv_header("submitted_at", "Asia/Shanghai") == "submitted_at (Asia/Shanghai)"
    assert timezones.csv_moment(DEADLINE, "Asia/Shanghai") == "2026-12-13 07:59:00"
    assert timezones.csv_moment(DEADLINE, "America/New_York") == "2026-12-12 18:59:00"


def test_in_chinese_the_zones_are_named_in_chinese(app, make_user):
    make_user("mei")
    set_zone("mei", None, "zh")
    page = text(client_for(app, "mei").get("/account"))
    assert "中国（上海）时间 (UTC+08:00)" in page and '<optgroup label="所有时区：欧洲">' in page
    assert "时间按 中国（上海）时间 显示" in page  # the offer of the device's zone
    assert "America/New_York (" not in page and ">Asia/Shanghai" not in page
