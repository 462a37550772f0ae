"""An essay waiting for a mark holds nobody up: the next module of a sequential course opens,
"Continue" goes past the quiz, and the essay of a learner outside cohorts reaches the marking
queue of the course's cohort trainers (and admins'), not other trainers'."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from courses.package import read_packages
from courses.services import complete_lesson, course_outline, get_course
from courses.sync import sync_courses
from quizzes import services
from tests.conftest import write_course
from training import cohorts
from training.extensions import db
from training.messages import Notification
from training.progress import enrol

GIFT = """::Easy:: Two and two? {=four ~five}

::Essay:: Explain an order to a client. {}
"""


@pytest.fixture
def course(app, tmp_path):
    folder = write_course(tmp_path, slug="essay-course", modules=1, lessons=1, quiz=GIFT, quiz_settings="pass_mark: 60")
    (folder / "lessons" / "009-after.md").write_text("# After\n\nThe next module.\n", encoding="utf-8")
    with open(folder / "course.yaml", "a", encoding="utf-8") as yaml:
        yaml.write("  - slug: after\n    title: After the quiz\n    activities:\n      - lesson: 009-after\n")
    specs, errors, _ = read_packages([folder])
    assert not errors, errors
    sync_courses(specs)
    return get_course("essay-course")


def submit_quiz(course, user, essay="The order forbids him to contact you."):
    ctx = services.quiz_context(course, "check", user, "en")
    attempt = services.start_attempt(ctx, user)
    questions = {q.kind: q.id for q in services.active_questions(ctx.quiz)}
    services.save_answers(attempt, user, {questions["single"]: 0, questions["essay"]: essay})
    services.finish(attempt, user)
    db.session.commit()
    return attempt


def test_a_submitted_essay_opens_the_next_module_and_continue_goes_past_it(course, make_user):
    mei = make_user("mei")
    enrol(mei, course.id)
    outline = course_outline(course, mei, "en")
    lesson, quiz, after = outline.activities
    complete_lesson(course, lesson.slug, mei, "en")
    db.session.commit()
    assert course_outline(course, mei, "en").modules[1].locked
    submit_quiz(course, mei)
    outline = course_outline(course, mei, "en")
    quiz_view = outline.find("check", "quiz")
    assert not quiz_view.done and quiz_view.waiting
    assert not outline.modules[1].locked
    assert (outline.next_activity.slug, outline.resume.slug) == ("009-after", "009-after")
    assert services.summary(services.quiz_context(course, "check", mei, "en").quiz, mei).pending


def test_a_failing_mark_closes_the_next_module_again_until_she_passes(course, make_user):
    mei, admin = make_user("mei"), make_user("root", role="admin")
    enrol(mei, course.id)
    complete_lesson(course, "001-lesson", mei, "en")
    attempt = submit_quiz(course, mei)
    essay = next(item for item in services.marking_queue(admin, "en") if item.attempt.id == attempt.id)
    services.mark_response(admin, essay.response.id, 0.0, "Say what it cannot do, too.")
    db.session.commit()
    outline = course_outline(course, mei, "en")
    assert outline.modules[1].locked and outline.next_activity.slug == "check"
    told = db.session.execute(select(Notification).where(Notification.user_id == mei.id)).scalar_one()
    assert told.event == "essay_marked" and told.link == f"/courses/{course.slug}/quizzes/check"


def test_essays_of_learners_outside_cohorts_reach_the_courses_cohort_trainers(course, make_user, make_course):
    runs_it, runs_other, no_cohort = (make_user("tess", role="trainer"), make_user("otto", role="trainer"),
                                      make_user("nina", role="trainer"))
    admin = make_user("root", role="admin")
    cohort = cohorts.create_cohort(runs_it, course.id, "Spring", date.today(), None)
    other_course = make_course("other-course")
    cohorts.create_cohort(runs_other, other_course.id, "Elsewhere", date.today(), None)
    alone, member, stranger = make_user("alone"), make_user("member"), make_user("stranger")
    enrol(alone, course.id)
    cohorts.join_cohort(member, cohort.invite_code, date.today())
    enrol(member, course.id, cohort.id)
    # stranger is in a cohort of the course run by another trainer: only that trainer marks her.
    second = cohorts.create_cohort(runs_other, course.id, "Autumn", date.today(), None)
    cohorts.join_cohort(stranger, second.invite_code, date.today())
    enrol(stranger, course.id, second.id)
    db.session.commit()
    for person in (alone, member, stranger):
        submit_quiz(course, person)

    def queue(trainer):
        return sorted(item.participant.handle for item in services.marking_queue(trainer, "en"))

    assert queue(runs_it) == ["alone", "member"]
    assert queue(runs_other) == ["alone", "stranger"]
    assert queue(no_cohort) == []
    assert queue(admin) == ["alone", "member", "stranger"]
    alone_item = next(i for i in services.marking_queue(runs_it, "en") if i.participant.handle == "alone")
    assert services.can_review(runs_it, alone_item.attempt) and not services.can_review(no_cohort, alone_item.attempt)
    stranger_item = next(i for i in services.marking_queue(admin, "en") if i.participant.handle == "stranger")
    with pytest.raises(services.NotAllowed):
        services.mark_response(runs_it, stranger_item.response.id, 1.0, None)
    services.mark_response(runs_it, alone_item.response.id, 1.0, "Clear.")
    db.session.commit()
    assert course_outline(course, alone, "en").find("check", "quiz").done
