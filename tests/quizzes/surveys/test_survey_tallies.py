"""The survey tallies: what submissions add one by one equals what a rebuild counts in SQL, and
the tallies put themselves right after deletions, changed surveys and deleted cohorts."""
import random
from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import select

from courses.services import get_course
from quizzes.surveys import results, services, tallies
from quizzes.surveys.models import SurveyResponse, SurveyTally, SurveyTallyState
from training import cohorts
from training.extensions import db
from training.progress import enrol

INSTRUMENT = """items:
  - id: year
    type: knowledge
    text: Which year?
    choices: ["2015", "2016", "2017"]
    answer: 1
    phases: [pre, post, followup]
  - id: court
    type: knowledge
    text: Which court?
    choices: ["Basic", "Intermediate"]
    answer: 0
  - id: attitude
    type: likert
    text: Survivors should be believed
    reversed: true
  - id: confidence
    type: self
    text: My confidence
    points: 7
  - id: confidence-before
    type: retro
    of: confidence
    points: 7
    text: My confidence before
  - id: increased
    type: likert
    headline: self_report
    phases: [post]
    text: My knowledge increased
  - id: tools
    type: multiple
    phases: [post, followup]
    text: Which tools will you use?
    choices: [A, B, C]
  - id: applied
    type: single
    phases: [followup]
    text: Have you applied for an order?
    choices: ["Yes", "No"]
  - id: comment
    type: text
    text: Anything else?
"""


def _snapshot(found):
    rows = db.session.execute(select(SurveyTally).where(SurveyTally.survey_id.in_(found.ids), SurveyTally.n > 0))
    return sorted((t.survey_id, t.kind, t.later_id, t.cohort_a, t.cohort_b, t.item, t.a, t.b, t.profession, t.region,
                   t.n, t.sum_a, t.sum_b) for (t,) in rows)


def _random_answers(rng, ctx):
    answers = {}
    for item in ctx.items:
        if rng.random() < 0.15:
            continue  # left blank
        if item.type in ("knowledge", "single"):
            answers[item.id] = str(rng.randrange(len(item.choices)))
        elif item.type == "multiple":
            answers[item.id] = [str(i) for i in range(len(item.choices)) if rng.random() < 0.5]
        elif item.type == "text":
            answers[item.id] = rng.choice(["", "Useful.", "More cases, please."])
        else:
            answers[item.id] = str(rng.randint(1, item.points))
    return answers


@pytest.fixture
def world(make_course, make_user):
    course = make_course(modules=1, lessons=1, sequential=False, surveys=INSTRUMENT,
                         survey_phases=("pre", "post", "followup"))
    trainer = make_user("coach", role="trainer")
    groups = [cohorts.create_cohort(trainer, course.id, name, date.today(), None) for name in ("North", "South")]
    db.session.commit()
    people = []
    for n in range(30):
        user = make_user(f"person-{n}", profession=["lawyer", "journalist", "ngo"][n % 3])
        if n % 5 == 4:
            enrol(user, course.id)  # on her own, outside any cohort
        else:
            group = groups[n % 2]
            cohorts.join_cohort(user, group.invite_code, date.today())
            enrol(user, course.id, group.id)
        people.append(user)
    db.session.commit()
    return course, groups, people


def _submit(user, phase, rng):
    ctx = services.survey_context(get_course("test-course"), phase, user, "en")
    assert services.submit(ctx, user, _random_answers(rng, ctx))


def test_submissions_add_up_to_what_a_rebuild_counts(world):
    course, groups, people = world
    rng = random.Random(7)
    plan = [(user, phase) for user in people for phase in ("pre", "post", "followup") if rng.random() < 0.8]
    rng.shuffle(plan)  # some answer after, or at follow-up, before their pre-survey is in
    half = len(plan) // 2
    for user, phase in plan[:half]:
        _submit(user, phase, rng)
    db.session.commit()
    found = tallies.instrument(course.id, "instrument")
    assert db.session.get(SurveyTallyState, (course.id, "instrument")) is None  # nothing counted before a read
    assert tallies.ensure_current(found) is True  # built from survey_answers
    assert tallies.ensure_current(found) is False  # and current
    for user, phase in plan[half:]:
        _submit(user, phase, rng)  # counted one by one
    db.session.commit()
    assert tallies.ensure_current(found) is False
    added = _snapshot(found)
    assert {row[1] for row in added} == {"responses", "answer", "retro", "matched", "pair", "score", "group"}
    tallies.rebuild(found)
    db.session.commit()
    assert _snapshot(found) == added


def test_results_from_tallies_match_the_answers(world, app):
    """The page's numbers follow from the answers as stored, person by person."""
    course, groups, people = world
    rng = random.Random(11)
    for user in people:
        _submit(user, "pre", rng)
    db.session.commit()
    results.compute(course, "pre", "en")  # builds the tallies
    for user in people[:25]:
        _submit(user, "post", rng)  # counted as submitted
    db.session.commit()
    for cohort_list in (None, [groups[0]], groups):
        r = results.compute(course, "pre", "en", cohorts=cohort_list, with_pairs=True)
        wanted = None if cohort_list is None else {c.id for c in cohort_list}
        by_phase = {"pre": {}, "post": {}}
        for response in db.session.execute(select(SurveyResponse).where(SurveyResponse.state == "submitted")).scalars():
            if wanted is None or response.cohort_id in wanted:
                phase = "pre" if response.survey_id == found_id(course, "pre") else "post"
                by_phase[phase][response.respondent_key] = response.answers
        both = set(by_phase["pre"]) & set(by_phase["post"])
        assert (r.pre, r.post, r.matched) == (len(by_phase["pre"]), len(by_phase["post"]), len(both))
        year = next(i for i in r.items if i.id == "year")
        answered = [k for k in both if by_phase["pre"][k].get("year") is not None
                    and by_phase["post"][k].get("year") is not None]
        assert year.n == len(answered)
        assert year.counts_pre[1] == sum(by_phase["pre"][k].get("year") == 1 for k in both)
        right = sum((by_phase["pre"][k].get("year") == 1) + (by_phase["pre"][k].get("court") == 0) for k in both)
        assert r.score["pre_percent"] == pytest.approx(100 * right / (2 * len(both)))
        pairs = {(p[0], p[1]) for p in r.pairs}
        assert len(pairs) == len(r.pairs)


def found_id(course, phase):
    return tallies.instrument(course.id, "instrument").surveys[phase].id


def test_a_purge_a_deleted_cohort_and_a_changed_survey_bring_a_rebuild(world):
    course, groups, people = world
    rng = random.Random(3)
    for user in people:
        _submit(user, "pre", rng)
        _submit(user, "post", rng)
    db.session.commit()
    before = results.compute(course, "pre", "en")
    assert before.pre == 30
    # A purge deletes responses without touching the tallies: the next read sees it.
    doomed = db.session.execute(select(SurveyResponse).where(SurveyResponse.cohort_id == groups[0].id)).scalars().all()
    for response in doomed[:4]:
        response.submitted_on = date(2000, 1, 1)
    db.session.commit()
    assert services.purge_responses(date(2001, 1, 1)) == 4
    db.session.commit()
    assert results.compute(course, "pre", "en").pre + results.compute(course, "pre", "en").post == 60 - 4
    # A deleted cohort leaves its responses without a cohort (SET NULL).
    db.session.delete(db.session.get(type(groups[1]), groups[1].id))
    db.session.commit()
    found = tallies.instrument(course.id, "instrument")
    assert tallies.ensure_current(found) is True
    assert tallies.read(found, "post", [groups[0].id]).responses  # the other cohort still counted
    # A re-synced survey with another right answer is counted again.
    pre = found.surveys["pre"]
    pre.items_json = [(replace(i, answer=2) if i.id == "year" else i).to_json() for i in pre.items]
    assert next(i for i in pre.items if i.id == "year").answer == 2  # made again from the new JSON
    db.session.commit()
    counted = _snapshot(found)
    assert tallies.ensure_current(tallies.instrument(course.id, "instrument")) is True
    assert _snapshot(found) != counted
    assert tallies.ensure_current(tallies.instrument(course.id, "instrument")) is False


def test_a_submission_that_fails_adds_nothing(world):
    course, groups, people = world
    rng = random.Random(5)
    for user in people[:10]:
        _submit(user, "pre", rng)
    db.session.commit()
    found = tallies.instrument(course.id, "instrument")
    tallies.ensure_current(found)
    counted = _snapshot(found)
    ctx = services.survey_context(course, "post", people[0], "en")
    with pytest.raises(services.SurveyError):
        services.submit(ctx, people[0], {"year": "9"})  # no such choice
    db.session.rollback()
    assert _snapshot(found) == counted
    assert services.submit(ctx, people[0], {"year": "1"})
    assert not services.submit(ctx, people[0], {"year": "1"})  # the second submit changes nothing
    db.session.commit()
    before = services.my_response(services.survey_context(course, "pre", people[0], "en"), people[0]).answers.get("year")
    post = found.surveys["post"].id
    added = sorted(set(_snapshot(found)) - set(counted))
    assert {row[1] for row in added if row[2] == post} == {"matched", "pair", "score", "group"}
    assert {row[1] for row in added if row[0] == post} == {"responses", "answer"}  # her answer to "year"
    assert any(row[1] == "pair" and row[5:8] == ("year", -1 if before is None else before, 1) for row in added)


def test_submissions_and_a_rebuild_at_the_same_moment_count_everyone_once(tmp_path):
    """Several app contexts (connections) submit while another rebuilds: nothing deadlocks or
    fails, and everybody is counted once. (Timing-dependent: it shows the lock-taking paths work
    together; it cannot force every interleaving.)"""
    import threading

    from courses.package import read_packages
    from courses.sync import sync_courses
    from tests.conftest import empty_database, make_app, write_course
    from training import accounts

    app = make_app(tmp_path)
    with app.app_context():
        db.create_all()
        specs, _errors, _ = read_packages([write_course(tmp_path, modules=1, lessons=1, sequential=False,
                                                        surveys=INSTRUMENT)])
        sync_courses(specs)
        course = get_course("test-course")
        ids = []
        for n in range(6):
            user = accounts.create_user(f"person-{n}", "correct horse battery")
            db.session.flush()
            enrol(user, course.id)
            ids.append(user.id)
        db.session.commit()
        rng = random.Random(1)
        for user_id in ids:
            _submit(db.session.get(accounts.User, user_id), "pre", rng)
        db.session.commit()
        tallies.ensure_current(tallies.instrument(course.id, "instrument"))
        course_id = course.id
    barrier = threading.Barrier(len(ids) + 1)
    errors = []

    def submit(user_id):
        try:
            with app.app_context():
                user = db.session.get(accounts.User, user_id)
                ctx = services.survey_context(get_course("test-course"), "post", user, "en")
                barrier.wait()
                services.submit(ctx, user, {"year": "1", "confidence": "5"})
                db.session.commit()
        except Exception as problem:  # noqa: BLE001 - reported below
            errors.append(problem)

    def rebuild():
        try:
            with app.app_context():
                found = tallies.instrument(course_id, "instrument")
                barrier.wait()
                tallies.rebuild(found)
                db.session.commit()
        except Exception as problem:  # noqa: BLE001
            errors.append(problem)

    threads = [threading.Thread(target=submit, args=(user_id,)) for user_id in ids] + [threading.Thread(target=rebuild)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    try:
        assert not errors, errors
        with app.app_context():
            found = tallies.instrument(course_id, "instrument")
            assert tallies.ensure_current(found) is False  # every submission counted once
            counted = _snapshot(found)
            tallies.rebuild(found)
            db.session.commit()
            assert _snapshot(found) == counted
            assert tallies.read(found, "post", None).matched == len(ids)
    finally:
        with app.app_context():
            empty_database()
