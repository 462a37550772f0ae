"""The attacker holding the database: no survey response can be attributed to an account.

The test builds cohorts with small groups (one NGO member, three journalists, a cohort of three,
people taking the course alone), people who skip the pre- or the post-survey, people who finish
the course and get a certificate, then reads the database as someone who stole it would, without
the survey secret, and tries every linkage it allows: completion rows, certificates and other
progress that show who must have answered, dates, the profession and region copied onto a
response, cohort membership, the set of phases a pseudonym answered, the order rows are stored
in, and ids. It fails if any response can be narrowed to one account.
"""
from datetime import date

import pytest
from sqlalchemy import String, select, text

from courses.package import read_packages
from courses.services import get_course
from courses.sync import sync_courses
from quizzes.surveys import services
from quizzes.surveys.models import SurveyResponse
from tests.conftest import SURVEY_YAML
from training import cohorts
from training.extensions import db
from training.progress import enrol, mark_complete

COURSE_YAML = """title: Course anonymity
summary: A course for tests.
track: lawyers
languages: [en]
last_reviewed: 2026-11-01
sequential: false
modules:
  - slug: module-1
    title: Module 1
    activities:
      - survey: pre
        title: Before
        phase: pre
        instrument: instrument
      - lesson: 001-lesson
  - slug: module-2
    title: Module 2
    activities:
      - lesson: 002-lesson
      - survey: post
        title: After
        phase: post
        instrument: instrument
"""

# (handle, profession, region, cohort, answers pre, answers post, does the lessons)
PEOPLE = [
    *[(f"lawyer-{i}", "lawyer", "Sichuan", "A", True, i < 4, True) for i in range(5)],
    ("lawyer-5", "lawyer", "Beijing", "A", True, False, False),
    ("lawyer-6", "lawyer", "Beijing", "A", False, True, True),  # skips the pre-survey
    ("journalist-0", "journalist", "Sichuan", "A", True, True, True),
    ("journalist-1", "journalist", "Sichuan", "A", True, False, True),
    ("journalist-2", "journalist", None, "A", False, True, False),  # the only journalist after, not before
    ("ngo-0", "ngo", "Yunnan", "A", False, True, True),  # the only NGO member, answers only after
    ("other-0", "other", None, "A", True, True, True),
    # Cohort B: five people, no two sharing a profession and region but the lawyers.
    ("small-0", "lawyer", "Sichuan", "B", True, True, True),
    ("small-1", "ngo", "Sichuan", "B", True, False, True),
    ("small-2", "journalist", None, "B", False, True, False),
    ("small-3", "lawyer", "Sichuan", "B", True, True, True),
    ("small-4", "other", "Gansu", "B", True, True, False),
    # Five take the course without a cohort.
    ("alone-0", "lawyer", "Beijing", None, True, True, True),
    ("alone-1", "other", "Yunnan", None, True, False, False),
    ("alone-2", "journalist", "Yunnan", None, False, True, False),
    ("alone-3", "ngo", None, None, True, True, True),
    ("alone-4", "lawyer", "Beijing", None, True, True, False),
]


@pytest.fixture
def world(app, tmp_path, make_user):
    """The course, its cohorts and everyone's answers and progress; returns the accounts."""
    folder = tmp_path / "anonymity"
    (folder / "lessons").mkdir(parents=True)
    (folder / "surveys").mkdir()
    (folder / "course.yaml").write_text(COURSE_YAML, encoding="utf-8")
    (folder / "surveys" / "instrument.yaml").write_text(SURVEY_YAML, encoding="utf-8")
    for n in (1, 2):
        (folder / "lessons" / f"00{n}-lesson.md").write_text(f"# Lesson {n}\n\nBody.\n", encoding="utf-8")
    specs, errors, _ = read_packages([folder])
    assert not errors, errors
    sync_courses(specs)
    db.session.commit()
    course = get_course("anonymity")
    trainer = make_user("coach", role="trainer")
    groups = {name: cohorts.create_cohort(trainer, course.id, f"Cohort {name}", date.today(), None)
              for name in ("A", "B")}
    accounts = {}
    for handle, profession, region, cohort, *_ in PEOPLE:
        user = accounts[handle] = make_user(handle, profession=profession, region=region)
        if cohort:
            cohorts.join_cohort(user, groups[cohort].invite_code, date.today())
        enrol(user, course.id, groups[cohort].id if cohort else None)
    db.session.commit()
    lessons = {a.slug: a.id for a in services.course_services.course_outline(course, trainer, "en").activities}
    # Everyone acts in turn, as a cohort would over a day: answer, read, answer.
    for handle, _p, _r, _c, pre, post, reads in PEOPLE:
        user = accounts[handle]
        if pre:
            services.submit(services.survey_context(course, "pre", user, "en"), user, {"year": "1", "confidence": "2"})
        if reads:
            mark_complete(user, lessons["001-lesson"])
            mark_complete(user, lessons["002-lesson"])
        if post:
            services.submit(services.survey_context(course, "post", user, "en"), user,
                            {"year": "1", "confidence": "4", "confidence-before": "2", "increased": "4"})
        db.session.commit()
    return course, accounts


def _attack(k: int) -> dict[str, set[int]]:
    """What the database alone says about each pseudonym: the accounts it may belong to.

    Reads tables as rows, as a thief would, without the survey secret (and without any
    application code but the published rule that withholds attributes)."""
    run = lambda sql, **kw: db.session.execute(text(sql), kw).all()  # noqa: E731
    surveys = {row.id: (row.phase, row.activity_id) for row in run("SELECT id, phase, activity_id FROM surveys")}
    survey_activity = {activity: phase for phase, activity in surveys.values()}
    responses = run("SELECT respondent_key, survey_id, cohort_id, profession, region, submitted_on "
                    "FROM survey_responses WHERE state = 'submitted'")
    users = {row.id: row for row in run("SELECT id, profession, region, created_at FROM users")}
    members = {row.user_id: row.cohort_id for row in run(
        "SELECT user_id, cohort_id FROM cohort_members WHERE role = 'participant'")}
    enrolled = {row.user_id: row for row in run("SELECT user_id, cohort_id, enrolled_at FROM enrolments")}
    # What progress shows she must have answered: a completion of the survey itself, or a
    # certificate whose rule requires the surveys (here every pre and post survey).
    known: dict[int, set[str]] = {}
    first_seen_after: dict[int, date] = {}
    for row in run("SELECT user_id, activity_id, completed_at FROM activity_completions"):
        if row.activity_id in survey_activity:
            known.setdefault(row.user_id, set()).add(survey_activity[row.activity_id])
    for row in run("SELECT user_id, issued_at FROM certificates"):
        known.setdefault(row.user_id, set()).update({"pre", "post"})
        first_seen_after[row.user_id] = _day(row.issued_at)
    # The published rule, applied to the people each response could come from.
    people_of: dict = {}
    for user_id, row in enrolled.items():
        scope = members.get(user_id) if row.cohort_id is not None else None
        people_of.setdefault(scope, []).append(user_id)
    stored_as = {scope: services.generalised([(users[u].profession, users[u].region) for u in ids], k)
                 for scope, ids in people_of.items()}

    pseudonyms: dict[str, dict] = {}
    for r in responses:
        p = pseudonyms.setdefault(r.respondent_key, {"phases": set(), "rows": []})
        p["phases"].add(surveys[r.survey_id][0])
        p["rows"].append(r)
    candidates: dict[str, set[int]] = {}
    for key, p in pseudonyms.items():
        fits = set()
        for user_id in enrolled:
            user = users[user_id]
            scope = members.get(user_id) if enrolled[user_id].cohort_id is not None else None
            if not known.get(user_id, set()) <= p["phases"]:
                continue  # progress shows she answered a phase this pseudonym did not
            ok = True
            for r in p["rows"]:
                ok &= r.cohort_id == scope  # cohort membership
                ok &= stored_as[scope][(user.profession, user.region)] == (r.profession, r.region)  # attributes
                month = _day(r.submitted_on)
                month_end = date(month.year + month.month // 12, month.month % 12 + 1, 1)
                ok &= _day(enrolled[user_id].enrolled_at) < month_end and _day(user.created_at) < month_end  # dates
                if user_id in first_seen_after:  # answered before the certificate was issued
                    ok &= month <= first_seen_after[user_id]
            if ok:
                fits.add(user_id)
        candidates[key] = fits
    # Elimination, as in a puzzle: a pseudonym with one possible account takes it from the others;
    # an account known to have answered that fits one pseudonym only is that pseudonym.
    changed = True
    while changed:
        changed = False
        for key, fits in candidates.items():
            if len(fits) == 1:
                for other, rest in candidates.items():
                    if other != key and fits <= rest:
                        rest -= fits
                        changed = True
        for user_id, phases in known.items():
            options = [key for key, fits in candidates.items() if user_id in fits and phases <= pseudonyms[key]["phases"]]
            if len(options) == 1 and len(candidates[options[0]]) > 1:
                candidates[options[0]] = {user_id}
                changed = True
    return candidates


def _day(value) -> date:
    """A stored date or time as a day (SQLite's text read raw, as a thief would)."""
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value.date() if hasattr(value, "hour") else value


def test_no_response_can_be_attributed_to_an_account_from_the_database(app, world):
    course, accounts = world
    k = app.config["AMICUS_MIN_CELL"]
    assert k == 5
    candidates = _attack(k)
    truth = {services.respondent_key(user, course.id, "instrument"): user.id for user in accounts.values()}
    handles = {user.id: handle for handle, user in accounts.items()}
    assert len(candidates) == sum(1 for *_x, pre, post, _r in PEOPLE if pre or post)
    for key, fits in candidates.items():
        assert truth[key] in fits  # the attack is sound: it never rules out the true account
        assert len(fits) > 1, f"{handles[truth[key]]}'s answers are attributed to her account"


def test_progress_and_certificates_still_count_the_surveys(app, world):
    from certificates.models import Certificate
    from courses.services import course_outline

    course, accounts = world
    outline = course_outline(course, accounts["journalist-2"], "en")
    assert [a.slug for a in outline.activities if a.done] == ["post"]
    holders = set(db.session.execute(select(Certificate.user_id)).scalars())
    assert holders == {accounts[h].id for h, *_x, pre, post, reads in PEOPLE if pre and post and reads}


def test_rows_are_stored_in_the_order_of_their_random_ids_not_the_order_written(app, world):
    """Row order would line up responses with certificates issued by the same submissions."""
    services.reorder_responses()  # PostgreSQL: part of the monthly purge; SQLite: always so
    db.session.commit()
    for table, key in (("survey_responses", "id"), ("survey_answers", "response_id")):
        if db.engine.dialect.name == "postgresql":
            stored = db.session.execute(text(f"SELECT {key} FROM {table} ORDER BY ctid")).scalars().all()
            assert stored == sorted(stored)  # where each row is in the table's file
        else:
            # Stored in the b-tree of the primary key (a random id first), with no rowid that
            # would keep the order of writing; each index is ordered by its own columns.
            schema = db.session.execute(text("SELECT sql FROM sqlite_master WHERE name = :t"), {"t": table}).scalar()
            assert schema.rstrip().endswith("WITHOUT ROWID")
            with pytest.raises(Exception, match="rowid"):
                db.session.execute(text(f"SELECT rowid FROM {table}")).all()
            db.session.rollback()


def test_no_other_table_holds_a_response_id_or_pseudonym(app, world):
    responses = db.session.execute(select(SurveyResponse.id, SurveyResponse.respondent_key)).all()
    secret = {value for row in responses for value in row}
    for table in db.metadata.sorted_tables:
        if table.name in ("survey_responses", "survey_answers"):
            continue
        for column in table.columns:
            if isinstance(column.type, String):
                values = set(db.session.execute(select(column).distinct()).scalars())
                assert not values & secret, f"{table.name}.{column.name}"
