"""Outline, locking, resume, completion and the cohort matrix."""
from datetime import date

import pytest

from courses import services
from training import cohorts
from training.extensions import db
from training.progress import enrol


@pytest.fixture
def course(make_course):
    return make_course(modules=3, lessons=2, sequential=True)


def outline_for(course, user):
    return services.course_outline(course, user, "en")


def test_sequential_modules_unlock_one_after_another(course, make_user):
    user = make_user("mei")
    enrol(user, course.id)
    outline = outline_for(course, user)
    assert [m.locked for m in outline.modules] == [False, True, True]
    assert outline.modules[1].locked_by == "Module 1"
    with pytest.raises(services.Locked) as info:
        services.lesson_page(course, "003-lesson", user, "en")
    assert info.value.blocking_module_title == "Module 1"
    with pytest.raises(services.Locked):
        services.complete_lesson(course, "003-lesson", user, "en")

    for slug in ("001-lesson", "002-lesson"):
        services.complete_lesson(course, slug, user, "en")
    outline = outline_for(course, user)
    assert [m.locked for m in outline.modules] == [False, False, True]
    assert outline.next_activity.slug == "003-lesson"
    assert (outline.done, outline.total, outline.percent) == (2, 6, 33)


def test_modules_are_free_when_the_course_is_not_sequential(make_course, make_user):
    course = make_course(modules=3, lessons=1, sequential=False)
    user = make_user("mei")
    enrol(user, course.id)
    assert not any(m.locked for m in outline_for(course, user).modules)
    new, outline = services.complete_lesson(course, "003-lesson", user, "en")
    assert new and outline.done == 1


def test_completing_twice_counts_once(course, make_user):
    user = make_user("mei")
    enrol(user, course.id)
    first, _ = services.complete_lesson(course, "001-lesson", user, "en")
    second, outline = services.complete_lesson(course, "001-lesson", user, "en")
    assert (first, second, outline.done) == (True, False, 1)


def test_lessons_need_enrolment_except_for_trainers(course, make_user):
    participant = make_user("mei")
    trainer = make_user("coach", role="trainer")
    with pytest.raises(services.NotEnrolled):
        services.lesson_page(course, "001-lesson", participant, "en")
    with pytest.raises(services.NotEnrolled):
        services.complete_lesson(course, "001-lesson", participant, "en")
    page = services.lesson_page(course, "005-lesson", trainer, "en")  # preview, even when locked
    assert page.activity.title == "Lesson 5"
    with pytest.raises(services.NotEnrolled):
        services.complete_lesson(course, "001-lesson", trainer, "en")
    assert services.lesson_page(course, "no-such-lesson", trainer, "en") is None


def test_resume_goes_to_the_last_opened_unfinished_lesson(make_course, make_user):
    course = make_course(modules=1, lessons=4, sequential=False)
    user = make_user("mei")
    enrol(user, course.id)
    page = services.lesson_page(course, "003-lesson", user, "en")
    db.session.commit()
    assert outline_for(course, user).resume.slug == "001-lesson"  # read, not shown: Resume stays put
    services.remember_place(page)
    db.session.commit()
    assert outline_for(course, user).resume.slug == "003-lesson"
    services.complete_lesson(course, "003-lesson", user, "en")
    outline = outline_for(course, user)
    assert outline.resume.slug == "001-lesson"  # last one is done: first not done instead
    [item] = services.my_learning(user, "en")
    assert item.outline.resume.slug == "001-lesson" and item.outline.done == 1


def test_lesson_language_falls_back(make_course, make_user):
    course = make_course(languages=("en", "zh"), modules=1, lessons=1)
    user = make_user("mei")
    enrol(user, course.id)
    zh = services.lesson_page(course, "001-lesson", user, "zh")
    assert zh.lang == "zh" and "第1课的内容" in zh.html and zh.activity.title == "第1课"
    en = services.lesson_page(course, "001-lesson", user, "en")
    assert en.lang == "en" and "Body of lesson" in en.html
    english_only = services.lesson_page(make_course(slug="en-only", modules=1, lessons=1), "001-lesson",
                                        make_user("coach", role="trainer"), "zh")
    assert english_only.lang == "en"


def test_catalog_groups_by_track_with_progress(make_course, make_user):
    lawyers = make_course(slug="for-lawyers", track="lawyers", modules=1, lessons=2)
    make_course(slug="for-journalists", track="journalists", modules=1, lessons=1)
    user = make_user("mei")
    enrol(user, lawyers.id)
    services.complete_lesson(lawyers, "001-lesson", user, "en")
    groups = dict(services.catalog(user, "en").groups)
    assert list(groups) == ["lawyers", "journalists"]
    [card] = groups["lawyers"]
    assert (card.enrolled, card.done, card.total, card.percent, card.lessons) == (True, 1, 2, 50, 2)
    assert groups["journalists"][0].enrolled is False


def test_cohort_matrix_and_sorting(course, make_user):
    trainer = make_user("coach", role="trainer")
    cohort = cohorts.create_cohort(trainer, course.id, "Spring", date(2026, 1, 1), None)
    people = {h: make_user(h, profession=p) for h, p in [("bob", "journalist"), ("ada", "lawyer"), ("cyd", "ngo")]}
    outsider = make_user("zed")
    for person in people.values():
        cohorts.join_cohort(person, cohort.invite_code, date(2026, 1, 2))
        enrol(person, course.id, cohort.id)
    enrol(outsider, course.id)
    services.complete_lesson(course, "001-lesson", people["bob"], "en")
    services.complete_lesson(course, "002-lesson", people["bob"], "en")
    services.complete_lesson(course, "001-lesson", people["cyd"], "en")
    services.complete_lesson(course, "001-lesson", outsider, "en")
    db.session.commit()

    matrix = services.cohort_matrix(cohort, "en")
    assert [r.user.handle for r in matrix.rows] == ["ada", "bob", "cyd"]  # the trainer and outsider are not rows
    assert [r.percent for r in matrix.rows] == [0, 33, 16]
    assert [cell.state for cell in matrix.rows[1].cells] == ["done", "done"] + ["not_started"] * 4
    assert matrix.average == 16
    by_progress = services.cohort_matrix(cohort, "en", sort="progress", descending=True)
    assert [r.user.handle for r in by_progress.rows] == ["bob", "cyd", "ada"]
