"""Regions: chosen from a list, stored as codes, shown in the reader's language; one group
whatever the language or spelling it was given in; the migration maps the old free text."""
from datetime import date

from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from courses.services import get_course
from quizzes.surveys import services as survey_services
from quizzes.surveys.models import SurveyResponse
from tests.conftest import SURVEY_YAML, login, make_app
from training import cohorts
from training.accounts import AccountError, create_user
from training.app import add_migrations
from training.extensions import db
from training.progress import enrol
from training.regions import REGIONS, region_choices, region_code, region_name

BEFORE = "f1a2b3c4d5e6"  # the migration before regions became codes


def test_names_in_either_language_and_any_spelling_are_one_code():
    for written in ("Beijing", "beijing ", " BEIJING", "北京", "北京市", "Beijing Municipality"):
        assert region_code(written) == "beijing", written
    assert region_code("Sichuan Province") == region_code("四川省") == "sichuan"
    assert region_code("Hong Kong SAR") == region_code("香港") == "hongkong"
    assert region_code("Chengdu") is None and region_code("") is None
    assert (region_name("beijing", "zh"), region_name("beijing", "en")) == ("北京", "Beijing")
    # Every code is listed once, in each language.
    for locale in ("en", "zh"):
        assert sorted(code for code, _name in region_choices(locale)) == sorted(REGIONS)


def test_beijing_written_three_ways_is_one_group_in_the_survey_statistics(app, make_course, make_user):
    """Three people of one cohort gave Beijing three ways: with k = 3 their responses keep the
    region (three groups of one would each be withheld), and the results name it per language."""
    app.config["AMICUS_MIN_CELL"] = 3
    course = make_course(modules=1, lessons=1, sequential=False, surveys=SURVEY_YAML)
    trainer = make_user("trainer", role="trainer")
    cohort = cohorts.create_cohort(trainer, course.id, "Spring", date.today(), None)
    db.session.commit()
    people = [make_user(handle, region=region) for handle, region in
              (("ann", "Beijing"), ("bob", "beijing "), ("cai", "北京"))]
    for person in people:
        cohorts.join_cohort(person, cohort.invite_code, date.today())
        enrol(person, course.id, cohort.id)
    db.session.commit()
    assert {p.region for p in people} == {"beijing"}
    for person in people:
        for phase, answer in (("pre", "0"), ("post", "1")):
            ctx = survey_services.survey_context(get_course("test-course"), phase, person, "en")
            survey_services.submit(ctx, person, {"year": answer})
    db.session.commit()
    assert set(db.session.execute(select(SurveyResponse.region)).scalars()) == {"beijing"}

    client = app.test_client()
    login(client, "trainer")
    url = f"/courses/test-course/surveys/pre/results?cohort={cohort.id}"
    zh = client.get(url, headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    en = client.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)

    def region_table(page):
        return page[page.index('id="by-region"'):].split("</table>")[0]

    assert "<td>北京</td>" in region_table(zh) and "Beijing" not in region_table(zh)
    assert "<td>Beijing</td>" in region_table(en)


def test_the_service_refuses_a_region_not_in_the_list(app):
    try:
        create_user("mei", "a long enough pass phrase 42", region="Chengdu")
    except AccountError as error:
        assert error.field == "region"
    else:
        raise AssertionError("an unlisted region was accepted")
    assert create_user("wei", "a long enough pass phrase 42", region="四川").region == "sichuan"


def test_account_page_shows_the_region_in_the_readers_language(client, make_user):
    make_user("mei", region="Guangdong")
    login(client, "mei")
    assert "<dd>广东</dd>" in client.get("/account", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "<dd>Guangdong</dd>" in client.get("/account", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_the_migration_maps_existing_free_text_to_codes(tmp_path):
    app = make_app(tmp_path)
    add_migrations(app)
    with app.app_context():
        db.drop_all()
        try:
            upgrade(revision=BEFORE)
            with db.engine.begin() as conn:
                for i, region in enumerate(["Beijing", "beijing ", "北京", "北京市", "Sichuan Province", "Chengdu",
                                            "", None], start=1):
                    conn.execute(text("INSERT INTO users (id, handle, handle_key, password_hash, role, profession, "
                                      "region, created_at, failed_logins) VALUES (:i, :h, :h, 'x', 'participant', "
                                      "'other', :r, '2026-01-01 00:00:00', 0)"), {"i": i, "h": f"user{i}", "r": region})
                conn.execute(text("INSERT INTO helplines (id, region, names, contact, notes, position, active) "
                                  "VALUES (1, 'Sichuan', '{}', '1', '{}', 0, true), (2, 'Mars', '{}', '2', '{}', 0, true)"))
            upgrade()
            with db.engine.connect() as conn:
                users = conn.execute(text("SELECT region FROM users ORDER BY id")).scalars().all()
                helplines = conn.execute(text("SELECT region FROM helplines ORDER BY id")).scalars().all()
            assert users == ["beijing"] * 4 + ["sichuan", None, "", None]
            assert helplines == ["sichuan", ""]  # an unknown region: everywhere
            downgrade(revision=BEFORE)
            with db.engine.connect() as conn:
                assert conn.execute(text("SELECT region FROM users WHERE id = 1")).scalar_one() == "Beijing"
        finally:
            with db.engine.begin() as conn:
                conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
            db.drop_all()
            db.create_all()
            db.engine.dispose()
