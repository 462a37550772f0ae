"""The catalog: search (titles and summaries in either language, track, languages), filters, each
course's length, languages, enrolment and progress; bad input named, empty results said."""
import re

import pytest

from courses import services
from tests.conftest import login
from training.progress import enrol


@pytest.fixture
def library(make_course, tmp_path):
    """Three courses: two for lawyers (one in English and Chinese), one for journalists."""
    evidence = make_course(slug="evidence", track="lawyers", modules=1, lessons=3, languages=("en", "zh"),
                           extra_yaml="")
    from training.extensions import db

    evidence.titles = {"en": "Evidence in protection orders", "zh": "保护令中的证据"}
    evidence.summaries = {"en": "Warning letters and medical records.", "zh": "告诫书与病历。"}
    make_course(slug="orders", track="lawyers", modules=1, lessons=1)
    reporting = make_course(slug="reporting", track="journalists", modules=2, lessons=1)
    reporting.titles = {"en": "Reporting without blame"}
    db.session.commit()
    return evidence, reporting


def slugs(found) -> list[str]:
    return [card.course.slug for _track, cards in found.groups for card in cards]


def test_search_reads_titles_and_summaries_in_both_languages(library, make_user):
    user = make_user("mei")
    assert slugs(services.catalog(user, "en", "evidence")) == ["evidence"]
    assert slugs(services.catalog(user, "en", "证据")) == ["evidence"]  # the Chinese title, from the English page
    assert slugs(services.catalog(user, "zh", "病历")) == ["evidence"]  # a Chinese summary
    assert slugs(services.catalog(user, "en", "MEDICAL  records")) == ["evidence"]  # any case, every word
    assert slugs(services.catalog(user, "en", "medical blame")) == []
    assert slugs(services.catalog(user, "en", "journalists")) == ["reporting"]  # the track
    assert slugs(services.catalog(user, "en", "中文")) == ["evidence"]  # a language by its name
    found = services.catalog(user, "en", "nothing like this")
    assert (found.groups, found.shown, found.total) == ([], 0, 3)


def test_filters_by_track_and_language(library, make_user):
    user = make_user("mei")
    assert slugs(services.catalog(user, "en", track="lawyers")) == ["orders", "evidence"]  # by title
    assert slugs(services.catalog(user, "en", language="zh")) == ["evidence"]
    assert slugs(services.catalog(user, "en", "reporting", track="lawyers")) == []
    assert services.catalog(user, "en", track="journalists").shown == 1


def test_cards_show_length_languages_and_her_progress(library, make_user):
    evidence, _reporting = library
    user = make_user("mei")
    enrol(user, evidence.id)
    services.complete_lesson(evidence, "001-lesson", user, "en")
    cards = {card.course.slug: card for _t, cards in services.catalog(user, "zh").groups for card in cards}
    card = cards["evidence"]
    assert (card.title, card.lessons, card.languages, card.enrolled, card.percent) == (
        "保护令中的证据", 3, ["English", "中文"], True, 33)
    assert str(card.track) == "For lawyers"
    assert cards["orders"].enrolled is False and cards["orders"].languages == ["English"]


@pytest.mark.parametrize("words, hours", [(0, 0.5), (2999, 0.5), (6000, 1), (9000, 1.5), (60000, 10)])
def test_estimated_hours_from_lesson_words(words, hours):
    assert services.estimated_hours(words) == hours


def test_hours_come_from_the_lessons_words_in_her_language(library, make_user):
    from courses.models import Activity, LessonContent
    from training.extensions import db

    evidence, _ = library
    for content in db.session.execute(db.select(LessonContent).join(Activity).where(
            Activity.course_id == evidence.id)).scalars():
        content.word_count = 3000 if content.lang == "en" else 6000  # 3 lessons: 9000 and 18000 words
    db.session.commit()
    user = make_user("mei")
    hours = {lang: next(c.hours for _t, cards in services.catalog(user, lang).groups for c in cards
                        if c.course.slug == "evidence") for lang in ("en", "zh")}
    assert hours == {"en": 1.5, "zh": 3}


def test_the_search_page(client, library, make_user):
    page = client.get("/courses?q=证据").get_data(as_text=True)
    assert "Evidence in protection orders" in page and "Reporting without blame" not in page
    assert "1 course of 3 matches." in page
    assert 'value="证据"' in page  # the search stays in its box
    page = client.get("/courses?q=zzz&track=journalists").get_data(as_text=True)
    assert "No course matches “zzz” with these choices" in page
    assert 'href="/courses">Show all courses' in page
    make_user("mei")
    login(client, "mei")
    page = client.get("/courses?lang=zh").get_data(as_text=True)
    assert re.search(r"3 lessons · about 0.5 hours", page) and "In English and 中文" in page


@pytest.mark.parametrize("query, message", [
    ("track=judges", "Choose one of the listed audiences."),
    ("lang=fr", "Choose one of the listed languages."),
    ("q=" + "x" * 101, "Search for at most 100 characters."),
])
def test_bad_search_input_is_named_and_left_out(client, library, query, message):
    response = client.get(f"/courses?{query}")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    assert "Evidence in protection orders" in page and "Reporting without blame" in page  # not filtered by it


def test_the_search_works_in_chinese(client, library):
    client.post("/language", data={"lang": "zh", "next": "/courses"})
    page = client.get("/courses?q=病历&lang=zh").get_data(as_text=True)
    assert "保护令中的证据" in page and "搜索" in page



@pytest.mark.parametrize("query", ["", "?q=", "?q=&track=&lang=", "?q=%20%20"])
def test_an_empty_search_shows_every_course(client, library, query):
    response = client.get(f"/courses{query}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Evidence in protection orders" in page and "Reporting without blame" in page
    assert "Show all courses" not in page and "match" not in page
