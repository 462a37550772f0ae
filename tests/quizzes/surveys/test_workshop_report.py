"""The workshop report for funders: sessions, people reached by kind, attendance and what changed,
for a cohort or the course, on the page, in PDF (both languages) and CSV; trainers of the cohort
and admins only."""
import csv
import io
from datetime import date, datetime, timedelta

from sqlalchemy import select

from courses.workshops import services as workshops
from quizzes.surveys import workshop_report
from quizzes.surveys.cards import services as cards
from tests.conftest import login
from tests.quizzes.surveys.test_cards import card_answers, coach_of
from tests.quizzes.surveys.test_survey_results import PLAN, _pdf_text, answer, join
from training import cohorts
from training.audit import AuditEntry
from training.extensions import db


def _workshop(cohort, make_user):
    """Three participants with accounts and three cards answer before and after (6 matched);
    two sessions held, one planned; anonymous walk-ins at both held sessions."""
    coach = coach_of(cohort)
    people = [join(cohort, make_user, handle) for handle in list(PLAN)[:3]]
    for handle in list(PLAN)[:3]:
        answer(handle, PLAN[handle])
    cards.make_cards(coach, cohort, 4)
    cards.set_open_phases(coach, cohort, ["pre", "post"])
    db.session.commit()
    printed = cards.printable(coach, cohort)
    for (_s, number), (_h, ((pre_year, pre_conf), (year, conf, before, increased, _c))) in zip(
            printed[:3], list(PLAN.items())[3:], strict=True):
        card_answers(cohort, number, "pre", {"year": str(pre_year), "confidence": str(pre_conf)})
        card_answers(cohort, number, "post", {"year": str(year), "confidence": str(conf),
                                              "confidence-before": str(before), "increased": str(increased)})
    card_answers(cohort, printed[3][1], "pre", {"year": "0", "confidence": "1"})  # answered only before
    today = date.today()
    sessions = []
    for days in (-14, -7, 7):
        day = today + timedelta(days=days)
        sessions.append(workshops.add_session(coach, cohort, workshops.SessionSpec(
            title=f"Sunday {days}", starts=datetime(day.year, day.month, day.day, 14),
            ends=datetime(day.year, day.month, day.day, 17))))
    db.session.flush()
    ada, bob, cyd = people
    for session, marks in ((sessions[0], ("present", "late", "absent")), (sessions[1], ("present", "excused", None))):
        for person, status in zip(people, marks, strict=True):
            if status:
                workshops.mark(coach, cohort, session, f"u{person.id}", status)
    for _ in range(4):
        workshops.add_walk_in(coach, cohort, sessions[0], None, "")
    for _ in range(2):
        workshops.add_walk_in(coach, cohort, sessions[1], None, "")
    guest = make_user("guest")
    workshops.add_walk_in(coach, cohort, sessions[1], "guest", None)
    db.session.commit()
    return sessions, guest


def test_the_report_counts_each_kind_of_person_and_the_attendance(app, cohort, make_user):
    _workshop(cohort, make_user)
    from courses.services import get_course

    course = get_course("test-course")
    report = workshop_report.build(course, [cohort], "en")
    assert (report.held, report.planned) == (2, 1)
    assert report.participants == 3 and report.account_walk_ins == 1
    assert report.card_respondents == 4  # three matched cards and one that answered only before
    assert (report.anonymous_attendances, report.largest_anonymous) == (6, 4)
    # Held sessions: ada present twice, bob late then excused, cyd absent then not marked.
    assert (report.attended, report.counted) == (3, 5) and report.attendance_rate == 0.6
    first = report.sessions[0]
    assert (first.in_the_room, first.present, first.late, first.absent, first.walk_ins) == (6, 5, 1, 1, 4)
    assert report.sessions[1].unmarked == 1 and not report.sessions[2].held
    [survey] = report.surveys
    r = survey.results
    assert (r.pre, r.post, r.matched, r.shown) == (7, 6, 6, True)
    assert r.by_source == {"pre": {"account": 3, "card": 4}, "post": {"account": 3, "card": 3}}
    assert r.score is not None and r.self_report["n"] == 6


def test_trainers_read_it_in_both_languages_as_a_page_pdf_and_csv(client, cohort, make_user):
    _workshop(cohort, make_user)
    login(client, "coach")
    page = client.get(f"/courses/test-course/workshop-report?cohort={cohort.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Workshop report" in html
    assert "attended 60% of the sessions held (3 of 5)" in html and "Answered only before" in html
    show = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    assert f"/courses/test-course/workshop-report?cohort={cohort.id}" in show

    pdf = client.get(f"/courses/test-course/workshop-report.pdf?cohort={cohort.id}&lang=en")
    assert pdf.mimetype == "application/pdf"
    text = " ".join(_pdf_text(pdf.data).split())
    assert "People reached" in text and "3 of 5" in text and "Self-reported change" in text
    assert "paired t-test" in text and "Methods" in text
    text_zh = "".join(_pdf_text(client.get(f"/courses/test-course/workshop-report.pdf?cohort={cohort.id}&lang=zh").data).split())
    assert "工作坊报告" in text_zh and "覆盖人数" in text_zh
    # The page stays in her language; only the PDF took the one asked for.
    assert "Workshop report" in client.get(f"/courses/test-course/workshop-report?cohort={cohort.id}").get_data(as_text=True)

    rows = list(csv.reader(io.StringIO(client.get(f"/courses/test-course/workshop-report.csv?cohort={cohort.id}")
                                       .get_data(as_text=True))))
    values = {(row[0], row[1]): row[2] for row in rows[1:]}
    assert values[("sessions", "held")] == "2" and values[("reached", "card_respondents")] == "4"
    assert values[("attendance", "rate")] == "0.6000"
    assert any(key[1].endswith("only_before") and value == "1" for key, value in values.items())
    actions = db.session.execute(select(AuditEntry.action)).scalars().all()
    assert actions.count("export.workshop_report") == 3


def test_only_the_cohorts_trainers_and_admins_read_it(app, cohort, make_user):
    _workshop(cohort, make_user)
    make_user("other-coach", role="trainer")
    make_user("boss", role="admin")
    other = cohorts.create_cohort(coach_of(cohort), cohort.course_id, "Autumn", date.today(), None)
    db.session.commit()
    for handle, expected in (("ada", 403), ("other-coach", 403), ("coach", 200), ("boss", 200)):
        client = app.test_client()
        login(client, handle)
        for suffix in ("", ".pdf", ".csv"):
            assert client.get(f"/courses/test-course/workshop-report{suffix}?cohort={cohort.id}").status_code == expected
    client = app.test_client()
    login(client, "coach")
    whole = client.get("/courses/test-course/workshop-report").get_data(as_text=True)
    assert "Every cohort of the course" in whole and "Autumn" in whole  # his two cohorts, and the filter
    assert client.get("/courses/no-such-course/workshop-report").status_code == 404
    assert client.get(f"/courses/test-course/workshop-report?cohort={other.id + 99}").status_code == 403
    assert client.get("/courses/test-course/workshop-report?cohort=abc").status_code == 400


def test_an_empty_cohort_reports_zeros_without_failing(client, cohort):
    login(client, "coach")
    html = client.get(f"/courses/test-course/workshop-report?cohort={cohort.id}").get_data(as_text=True)
    assert "Sessions held: 0. Planned: 0." in html and "No participant with an account was expected" in html
    assert "Fewer than 5 matched pairs" in html
    assert client.get(f"/courses/test-course/workshop-report.pdf?cohort={cohort.id}").data.startswith(b"%PDF")
