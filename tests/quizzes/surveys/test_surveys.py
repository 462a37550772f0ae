"""Survey instruments, anonymous answers matched by a keyed hash, submitting once."""
import pytest
from sqlalchemy import func, inspect, select

from courses.package import read_packages
from courses.services import course_outline, get_course
from quizzes.surveys import services
from quizzes.surveys.models import SurveyResponse
from tests.conftest import SURVEY_YAML, login, write_course
from training.extensions import db
from training.progress import ActivityCompletion, enrol


@pytest.fixture
def course(make_course):
    return make_course(modules=1, lessons=1, sequential=False, surveys=SURVEY_YAML)


@pytest.fixture
def mei(course, make_user):
    user = make_user("mei", profession="lawyer", region="Sichuan")
    enrol(user, course.id)
    db.session.commit()
    return user


def ctx(user, phase):
    return services.survey_context(get_course("test-course"), phase, user, "en")


def test_each_phase_asks_its_items(course, mei):
    assert [i.id for i in ctx(mei, "pre").survey.items] == ["year", "confidence"]
    assert [i.id for i in ctx(mei, "post").survey.items] == ["year", "confidence", "confidence-before", "increased", "comment"]
    survey = ctx(mei, "post").survey  # read back typed, the items are stored again exactly as the sync stored them
    assert [i.to_json() for i in survey.items] == survey.items_json


def test_answers_are_stored_under_a_pseudonym_that_matches_pre_and_post(app, course, mei, make_user):
    services.submit(ctx(mei, "pre"), mei, {"year": "0", "confidence": "2"})
    services.submit(ctx(mei, "post"), mei, {"year": "1", "confidence": "4", "confidence-before": "2",
                                              "increased": "5", "comment": "More careful with evidence."})
    other = make_user("other", profession="ngo")
    enrol(other, course.id)
    services.submit(ctx(other, "pre"), other, {"year": "1"})
    db.session.commit()
    rows = list(db.session.execute(select(SurveyResponse)).scalars())
    keys = {r.respondent_key for r in rows}
    assert len(keys) == 2  # mei's pre and post share one key; the other person has another
    columns = {c["name"] for c in inspect(db.engine).get_columns("survey_responses")}
    assert not {"created_at", "submitted_at"} & columns  # no precise time
    assert all(r.user_id is None for r in rows)  # no account outside an identified cohort
    for row in rows:
        assert len(row.respondent_key) == 64 and len(row.id) == 32  # a keyed hash and a random id
    # Two people take the course without a cohort: with k = 5 neither profession nor region is kept.
    assert {(r.profession, r.region) for r in rows} == {(None, None)}
    assert {r.submitted_on.day for r in rows} == {1}  # the month only
    # The key depends on a secret outside the database.
    before = services.respondent_key(mei, course.id, "instrument")
    app.config["AMICUS_SURVEY_SECRET"] = "another secret"
    assert services.respondent_key(mei, course.id, "instrument") != before


def test_saved_answers_come_back_and_submitting_twice_changes_nothing(course, mei):
    services.save(ctx(mei, "pre"), mei, {"year": "1"})
    db.session.commit()
    assert services.my_response(ctx(mei, "pre"), mei).answers == {"year": 1}
    assert services.submit(ctx(mei, "pre"), mei, {"confidence": "3"}) is True
    assert services.submit(ctx(mei, "pre"), mei, {"confidence": "1"}) is False
    db.session.commit()
    response = services.my_response(ctx(mei, "pre"), mei)
    assert response.answers == {"year": 1, "confidence": 3} and response.state == "submitted"
    with pytest.raises(services.SurveyError, match="already submitted"):
        services.save(ctx(mei, "pre"), mei, {"confidence": "1"})
    # No row says she answered; her progress finds it through her pseudonym.
    assert db.session.execute(select(func.count(ActivityCompletion.id))).scalar_one() == 0
    outline = course_outline(get_course("test-course"), mei, "en")
    assert outline.find("pre", "survey").done and not outline.find("post", "survey").done


@pytest.mark.parametrize("answers", [{"year": "7"}, {"confidence": "6"}, {"confidence": "0"}, {"nope": "1"},
                                     {"comment": "x" * 2001}, {"year": "-1"}])
def test_tampered_or_oversized_answers_change_nothing(course, mei, answers):
    phase = "post" if "comment" in answers else "pre"
    with pytest.raises(services.SurveyError):
        services.save(ctx(mei, phase), mei, answers)
    db.session.rollback()
    assert db.session.execute(select(func.count()).select_from(SurveyResponse)).scalar_one() == 0


def test_answering_through_the_page(client, course, mei):
    login(client, "mei")
    page = client.get("/courses/test-course/surveys/pre").get_data(as_text=True)
    assert "Which year?" in page and "anonymous" in page
    saved = client.post("/courses/test-course/surveys/pre", data={"i-year": "1"}, headers={"X-Amicus-Autosave": "1"})
    assert saved.get_json()["saved"] is True
    assert 'value="1" checked' in client.get("/courses/test-course/surveys/pre").get_data(as_text=True)
    done = client.post("/courses/test-course/surveys/pre", data={"i-year": "1", "i-confidence": "4", "action": "submit"})
    assert done.headers["Location"] == "/courses/test-course"
    again = client.post("/courses/test-course/surveys/pre", data={"i-year": "0", "action": "submit"})
    assert again.status_code == 302
    assert services.my_response(ctx(mei, "pre"), mei).answers["year"] == 1
    assert "You have submitted this survey" in client.get("/courses/test-course/surveys/pre").get_data(as_text=True)


@pytest.mark.parametrize("instrument, expected", [
    (SURVEY_YAML.replace("type: self", "type: opinion"), "surveys/instrument.yaml:8: 'type' must be one of"),
    (SURVEY_YAML.replace("    answer: 1\n", ""), "surveys/instrument.yaml:2: a knowledge item needs 'answer'"),
    (SURVEY_YAML.replace("of: confidence", "of: year"), "surveys/instrument.yaml:10: a 'retro' item names the 'self' item"),
    (SURVEY_YAML.replace("  - id: comment", "  - id: year"), "the item id 'year' is used twice"),
    (SURVEY_YAML.replace("    text: Anything else?", "    text: Anything else?\n    colour: red"), "unknown key 'colour'"),
    ("items: [", "surveys/instrument.yaml:1: invalid YAML"),
])
def test_broken_instruments_are_reported_with_file_and_line(app, tmp_path, instrument, expected):
    folder = write_course(tmp_path, modules=1, lessons=1, surveys=instrument)
    _specs, errors, _ = read_packages([folder])
    assert any(expected in e for e in errors), errors


def test_a_trainer_adjusts_the_survey_for_a_cohort_before_it_starts(app, client, make_course, make_user):
    from datetime import date, timedelta

    from training import cohorts

    course = make_course(modules=1, lessons=1, sequential=False, surveys=SURVEY_YAML)
    trainer = make_user("coach", role="trainer")
    soon = cohorts.create_cohort(trainer, course.id, "Soon", date.today() + timedelta(days=7), None)
    started = cohorts.create_cohort(trainer, course.id, "Started", date.today(), None)
    db.session.commit()
    login(client, "coach")
    page = client.get(f"/cohorts/{soon.id}/surveys/pre/adjust").get_data(as_text=True)
    assert "Which year?" in page and "Save for this cohort" in page
    form = {"ask-year": "1", "text-year-en": "In which year did the law take effect?", "ask-confidence-before": "1",
            "ask-increased": "1", "ask-comment": "1"}  # "confidence" left out
    assert client.post(f"/cohorts/{soon.id}/surveys/pre/adjust", data=form).status_code == 302
    refused = client.post(f"/cohorts/{started.id}/surveys/pre/adjust", data=form, follow_redirects=True)
    assert "This cohort has started" in refused.get_data(as_text=True)
    everything_hidden = client.post(f"/cohorts/{soon.id}/surveys/pre/adjust", data={}, follow_redirects=True)
    assert "at least one question" in everything_hidden.get_data(as_text=True)

    learner = make_user("lea")
    cohorts.join_cohort(learner, soon.invite_code, date.today())
    enrol(learner, course.id, soon.id)
    other = make_user("otto")
    cohorts.join_cohort(other, started.invite_code, date.today())
    enrol(other, course.id, started.id)
    db.session.commit()
    assert [i.id for i in ctx(learner, "pre").items] == ["year"]
    assert ctx(learner, "pre").items[0].text["en"] == "In which year did the law take effect?"
    assert [i.id for i in ctx(other, "pre").items] == ["year", "confidence"]
    with pytest.raises(services.SurveyError):
        services.save(ctx(learner, "pre"), learner, {"confidence": "3"})  # not asked in her cohort


def test_purge_deletes_answers_past_their_retention_and_nothing_else(app, make_user, make_course):
    from datetime import date, timedelta

    from sqlalchemy import select

    from quizzes.surveys.models import Survey, SurveyResponse
    from quizzes.surveys.services import months_before
    from tests.conftest import SURVEY_YAML
    from training import cohorts
    from training.audit import AuditEntry
    from training.extensions import db

    assert months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert months_before(date(2026, 1, 15), 36) == date(2023, 1, 15)
    course = make_course(surveys=SURVEY_YAML)
    trainer = make_user("purge-trainer", role="trainer")
    today = date.today()
    old_cohort = cohorts.create_cohort(trainer, course.id, "Old", today - timedelta(days=2000), today - timedelta(days=1900))
    live_cohort = cohorts.create_cohort(trainer, course.id, "Live", today - timedelta(days=10), None)
    survey = db.session.execute(select(Survey)).scalars().first()
    rows = {
        "old submitted": SurveyResponse(survey_id=survey.id, respondent_key="a", state="submitted",
                                        submitted_on=today - timedelta(days=1200), answers={}),
        "recent submitted": SurveyResponse(survey_id=survey.id, respondent_key="b", state="submitted",
                                           submitted_on=today - timedelta(days=30), answers={}),
        "draft of an old cohort": SurveyResponse(survey_id=survey.id, respondent_key="c", cohort_id=old_cohort.id,
                                                 answers={}),
        "draft of a live cohort": SurveyResponse(survey_id=survey.id, respondent_key="d", cohort_id=live_cohort.id,
                                                 answers={}),
    }
    db.session.add_all(rows.values())
    db.session.flush()
    from quizzes.surveys.models import SurveyAnswer, answer_rows

    for row in rows.values():
        db.session.execute(db.insert(SurveyAnswer), answer_rows(row.id, {"year": 1}))
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["surveys", "purge", "--dry-run"])
    assert result.exit_code == 0 and "2 survey response(s)" in result.output and "would be deleted" in result.output
    assert db.session.execute(select(func.count()).select_from(SurveyResponse)).scalar_one() == 4
    result = runner.invoke(args=["surveys", "purge"])
    assert result.exit_code == 0 and "Deleted 2 survey response(s)" in result.output
    db.session.expire_all()
    assert set(db.session.execute(select(SurveyResponse.respondent_key)).scalars()) == {"b", "d"}
    assert db.session.execute(select(func.count()).select_from(SurveyAnswer)).scalar_one() == 2  # theirs went too
    assert db.session.execute(select(AuditEntry.action)).scalars().all() == ["survey.purge"]
    result = runner.invoke(args=["surveys", "purge", "--months", "0"])
    assert result.exit_code != 0


def test_a_submitted_response_is_stored_one_answer_per_row(course, mei):
    from sqlalchemy import select

    from quizzes.surveys.models import SurveyAnswer, SurveyResponse, answer_rows
    from training.extensions import db

    assert answer_rows("r", {"a": 2, "b": [0, 3], "c": "  ", "d": "Helpful.", "e": None, "f": True}) == [
        {"response_id": "r", "item": "a", "position": 0, "value": 2, "text": None},
        {"response_id": "r", "item": "b", "position": 0, "value": 0, "text": None},
        {"response_id": "r", "item": "b", "position": 1, "value": 3, "text": None},
        {"response_id": "r", "item": "d", "position": 0, "value": None, "text": "Helpful."},
    ]
    services.save(ctx(mei, "pre"), mei, {"year": "1"})
    db.session.commit()
    assert db.session.execute(select(func.count()).select_from(SurveyAnswer)).scalar_one() == 0  # a draft: none yet
    services.submit(ctx(mei, "pre"), mei, {"year": "1", "confidence": "4"})
    db.session.commit()
    response = db.session.execute(select(SurveyResponse)).scalar_one()
    stored = {(a.item, a.value) for a in db.session.execute(select(SurveyAnswer)).scalars()}
    assert stored == {(item, value) for item, value in response.answers.items()} == {("year", 1), ("confidence", 4)}
