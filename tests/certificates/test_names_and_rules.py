"""Names that print, completion rules read from course.yaml, issuing exactly once."""
from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from certificates import services
from certificates.models import Certificate, CertificateSettings
from certificates.names import InvalidName, clean_name, direction
from courses.package import read_packages
from tests.conftest import QUIZ_GIFT, SURVEY_YAML, make_app, write_course
from training import cohorts
from training.extensions import db
from training.progress import enrol, mark_complete

# --- Names ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["王小梅", "محمد العلي", "Nguyễn Thị Ngọc", "Анна Петрова", "अनीता शर्मा",
                                  "ស្រី សុខា", "Mary O'Neil-Smith", "玛丽·居里", "Jean-Luc Picard Jr."])
def test_names_in_every_script_print_as_typed(name):
    assert clean_name(name) == name


def test_invisible_characters_and_spacing_are_cleaned():
    assert clean_name("  Mei \u200b Li\ufeff ") == "Mei Li"
    assert clean_name("Mei\t\nLi") == "Mei Li"
    assert clean_name("Mei\u00a0Li") == "Mei Li"  # a no-break space becomes a plain one
    # A Persian zero-width non-joiner between letters is part of the spelling; stray ones go.
    assert clean_name("می\u200cخواهم") == "می\u200cخواهم"
    assert clean_name("\u200cMei") == "Mei"
    assert clean_name("Cafe\u0301") == "Café"  # NFC


@pytest.mark.parametrize("raw, message", [
    ("", "Enter the name"), ("   \u200b  ", "Enter the name"), ("...", "Enter the name"),
    ("<script>alert(1)</script>", "cannot be part of a printed name"),
    ("Mei</div>", "cannot be part of a printed name"),
    ("Mei 😀", "Symbols and emoji"), ("Mei\x07Li", "invisible control character"),
    ("\u202eMei", "invisible control character"), ("x" * 101, "at most 100 characters"),
])
def test_names_that_cannot_print_are_refused_with_a_reason(raw, message):
    with pytest.raises(InvalidName) as caught:
        clean_name(raw)
    assert message in str(caught.value.message)


def test_direction_follows_the_first_strong_letter():
    assert direction("محمد العلي") == "rtl" and direction("王小梅") == "ltr" and direction("(محمد)") == "rtl"


def test_typed_codes_are_read_generously():
    assert services.normalise_code("k7qd-9xma 3vrt-pw2h") == "K7QD9XMA3VRTPW2H"
    assert services.normalise_code("OIL0") == "0110"
    code = services.new_code()
    assert len(code) == 16 and set(code) <= set(services.CODE_ALPHABET)
    assert services.display_code(code).count("-") == 3


# --- Rules in course.yaml -------------------------------------------------------------------------

def _read(tmp_path, extra_yaml="", **kwargs):
    folder = write_course(tmp_path, extra_yaml=extra_yaml, **kwargs)
    specs, errors, _ = read_packages([folder])
    return specs, errors


def test_default_rule_is_every_activity_but_follow_up_surveys(app, tmp_path):
    instrument = SURVEY_YAML.replace("    answer: 1\n", "    answer: 1\n    phases: [pre, post, followup]\n", 1)
    specs, errors = _read(tmp_path, modules=1, lessons=2, quiz=QUIZ_GIFT, surveys=instrument,
                          survey_phases=("pre", "post", "followup"))
    assert not errors
    section = specs[0].sections["certificates"]
    assert section["enabled"] and section["required"] == ["001-lesson", "002-lesson", "check", "pre", "post"]


def test_a_rule_names_quizzes_and_surveys(app, tmp_path):
    specs, errors = _read(tmp_path, modules=1, lessons=2, quiz=QUIZ_GIFT, surveys=SURVEY_YAML, extra_yaml="""
        completion:
          lessons: none
          quizzes: [check]
          surveys: [post]
        certificate:
          title: {en: Certificate of attendance}
          colours: {primary: "#224466"}
          valid_for_months: 12
        """)
    assert not errors, errors
    section = specs[0].sections["certificates"]
    assert section["required"] == ["check", "post"] and section["valid_months"] == 12
    assert section["design"]["colours"] == {"primary": "#224466"}


@pytest.mark.parametrize("yaml_text, message", [
    ("completion:\n  quizzes: [nope]\n", "'completion: quizzes' names 'nope'"),
    ("completion:\n  lesons: all\n", "unknown key 'lesons'"),
    ("completion:\n  lessons: some\n", "all, none, or a list"),
    ("certificate:\n  colours: {primary: red}\n", "'colours'"),
    ("certificate:\n  logo: assets/missing.png\n", "'logo' names an image"),
    ("certificate:\n  valid_for_months: 0\n", "'valid_for_months'"),
    ("certificate:\n  signatories: [{role: Director}]\n", "'name' is missing"),
])
def test_rule_and_design_mistakes_are_reported_with_a_line(app, tmp_path, yaml_text, message):
    _specs, errors = _read(tmp_path, modules=1, lessons=1, quiz=QUIZ_GIFT, extra_yaml=yaml_text)
    assert any(message in e and "course.yaml:" in e for e in errors), errors


def test_a_course_may_issue_no_certificates(app, make_course):
    course = make_course(modules=1, lessons=1, extra_yaml="certificate: false\n")
    assert db.session.get(CertificateSettings, course.id) is None


# --- Issuing ---------------------------------------------------------------------------------------

@pytest.fixture
def small(app, make_user, make_course):
    course = make_course(modules=1, lessons=2, sequential=False)
    mei = make_user("mei")
    enrol(mei, course.id)
    db.session.commit()
    return course, mei


def _complete_all(user, course):
    from courses.models import Activity

    for activity_id in db.session.execute(select(Activity.id).where(Activity.course_id == course.id)).scalars():
        mark_complete(user, activity_id)
    db.session.commit()


def test_meeting_the_rule_issues_one_certificate(app, small):
    course, mei = small
    from courses.models import Activity

    first = db.session.execute(select(Activity.id).where(Activity.course_id == course.id).order_by(Activity.position)).scalars().first()
    mark_complete(mei, first)
    db.session.commit()
    assert db.session.execute(select(func.count(Certificate.id))).scalar_one() == 0
    _complete_all(mei, course)
    cert = services.live_certificate(mei.id, course.id)
    assert cert is not None and cert.printed_name is None and cert.course_titles == course.titles
    assert services.issue_if_complete(mei, course.id) == (cert, False)
    assert db.session.execute(select(func.count(Certificate.id))).scalar_one() == 1


def test_the_database_allows_one_live_certificate_per_person_and_course(app, small):
    course, mei = small
    db.session.add(Certificate(code="A" * 16, user_id=mei.id, course_id=course.id, course_titles={}))
    db.session.commit()
    db.session.add(Certificate(code="B" * 16, user_id=mei.id, course_id=course.id, course_titles={}))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    # A revoked one does not count: an admin can re-issue.
    first = db.session.execute(select(Certificate)).scalar_one()
    first.revoked_at = datetime.now(UTC)
    db.session.add(Certificate(code="C" * 16, user_id=mei.id, course_id=course.id, course_titles={}))
    db.session.commit()


def test_two_requests_at_once_issue_one_certificate(tmp_path):
    """Two app contexts (two connections) issue for the same person at the same moment."""
    app = make_app(tmp_path)
    with app.app_context():
        db.create_all()
        from courses.package import read_packages as read
        from courses.sync import sync_courses
        from training import accounts

        specs, _errors, _ = read([write_course(tmp_path, modules=1, lessons=1)])
        sync_courses(specs)
        mei = accounts.create_user("mei", "correct horse battery")
        db.session.flush()
        course_id = specs and db.session.execute(select(CertificateSettings.course_id)).scalar_one()
        enrol(mei, course_id)
        from courses.models import Activity

        activity_id = db.session.execute(select(Activity.id)).scalar_one()
        db.session.commit()
        from training.progress import ActivityCompletion

        db.session.add(ActivityCompletion(user_id=mei.id, activity_id=activity_id))
        db.session.commit()
        user_id = mei.id
    barrier = threading.Barrier(2)
    results = []

    def issue():
        with app.app_context():
            user = db.session.get(accounts.User, user_id)
            barrier.wait()
            cert, new = services.issue_if_complete(user, course_id)
            db.session.commit()
            results.append((cert.id if cert else None, new))

    threads = [threading.Thread(target=issue) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    with app.app_context():
        assert db.session.execute(select(func.count(Certificate.id))).scalar_one() == 1
        assert len({cid for cid, _new in results}) == 1 and sum(new for _cid, new in results) == 1
        from tests.conftest import empty_database

        empty_database()


def test_a_cohort_rule_replaces_the_course_rule_before_the_cohort_starts(app, make_user, make_course):
    course = make_course(modules=1, lessons=3, sequential=False)
    trainer, other, mei = make_user("trainer", role="trainer"), make_user("other", role="trainer"), make_user("mei")
    cohort = cohorts.create_cohort(trainer, course.id, "Spring", date.today() + timedelta(days=7), None)
    db.session.commit()
    today = date.today()
    with pytest.raises(services.CertificateError, match="trainers"):
        services.adjust_cohort_rule(other, cohort, ["001-lesson"], today)
    with pytest.raises(services.CertificateError, match="at least one"):
        services.adjust_cohort_rule(trainer, cohort, [], today)
    with pytest.raises(services.CertificateError, match="this course only"):
        services.adjust_cohort_rule(trainer, cohort, ["001-lesson", "elsewhere"], today)
    services.adjust_cohort_rule(trainer, cohort, ["001-lesson"], today)
    db.session.commit()
    with pytest.raises(services.CertificateError, match="has started"):
        services.adjust_cohort_rule(trainer, cohort, ["002-lesson"], cohort.starts_on)
    cohorts.join_cohort(mei, cohort.invite_code, today)
    enrol(mei, course.id, cohort.id)
    from courses.models import Activity

    first = db.session.execute(select(Activity.id).where(Activity.slug == "001-lesson")).scalar_one()
    mark_complete(mei, first)
    db.session.commit()
    assert services.live_certificate(mei.id, course.id) is not None  # one lesson was enough here


def test_expiry_and_status(app, small, make_course):
    course, mei = small
    settings = db.session.get(CertificateSettings, course.id)
    settings.valid_months = 1
    db.session.commit()
    _complete_all(mei, course)
    cert = services.live_certificate(mei.id, course.id)
    assert cert.expires_at is not None and cert.status(cert.issued_at) == "valid"
    assert cert.status(cert.expires_at + timedelta(seconds=1)) == "expired"
    assert services.add_months(datetime(2026, 1, 31, tzinfo=UTC), 1).day == 28


def test_naming_revoking_and_reissuing_check_who_asks(app, small, make_user):
    course, mei = small
    other, admin = make_user("other"), make_user("admin", role="admin")
    _complete_all(mei, course)
    cert = services.live_certificate(mei.id, course.id)
    with pytest.raises(services.CertificateError, match="not your certificate"):
        services.set_printed_name(cert, other, "Someone Else", "en")
    with pytest.raises(services.CertificateError):
        services.set_printed_name(cert, mei, "<b>Mei</b>", "en")
    assert cert.printed_name is None
    services.set_printed_name(cert, mei, " 王小梅 ", "zh")
    db.session.commit()
    assert (cert.printed_name, cert.language) == ("王小梅", "en")  # the course is in English only
    with pytest.raises(services.CertificateError, match="already been given"):
        services.set_printed_name(cert, mei, "Another", "en")
    assert services.verify(cert.code, "en").status == "valid"
    with pytest.raises(services.CertificateError, match="Only administrators"):
        services.revoke(mei, cert, "no")
    with pytest.raises(services.CertificateError, match="reason"):
        services.revoke(admin, cert, "   ")
    services.revoke(admin, cert, "Issued by mistake")
    db.session.commit()
    assert services.verify(services.display_code(cert.code), "en").status == "revoked"
    # A revoked certificate is not re-issued by completing again, only by an admin.
    assert services.issue_if_complete(mei, course.id) == (None, False)
    with pytest.raises(services.CertificateError, match="Only administrators"):
        services.reissue(mei, cert)
    new = services.reissue(admin, cert)
    db.session.commit()
    assert new.code != cert.code and new.printed_name is None and new.replaces_id == cert.id
    with pytest.raises(services.CertificateError, match="already has a valid certificate"):
        services.reissue(admin, cert)


def test_unknown_and_unnamed_codes_verify_as_nothing(app, small):
    course, mei = small
    _complete_all(mei, course)
    cert = services.live_certificate(mei.id, course.id)
    assert services.verify(cert.code, "en") is None  # never printed: no name yet
    for code in ("", "short", "0" * 16, "x" * 200, "../../etc/passwd"):
        assert services.verify(code, "en") is None
