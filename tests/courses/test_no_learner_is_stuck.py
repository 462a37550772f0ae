"""No learner is stuck: every course of the shipped library, walked through the pages by "Continue"
as a learner who enrolled on her own and as a member of a trainer's cohort, answering rightly,
reaches a certificate; each page "Continue" leads to has something to do there.

Essays are marked later, by the trainer whose cohort takes the course (the self-enrolled
learner's too: docs/authoring.md, "Who marks essays"); meanwhile the course goes on.
"""
from __future__ import annotations

import html
import re
from datetime import date

import pytest
from sqlalchemy import select

from certificates.services import live_certificate
from courses.cases import runs
from courses.cases import services as case_services
from courses.cases.models import CaseExercise
from courses.models import Activity, Course
from courses.services import course_outline
from quizzes.demo import right_answer
from quizzes.models import QuizAttempt, QuizQuestion
from quizzes.questions import Question
from tests.conftest import csrf_token, login, new_user
from training import cohorts
from training.extensions import db
from training.progress import enrol

CONTINUE = re.compile(r'<a class="button" href="([^"]+)">Continue: ([^<]+)</a>')
# What a page of each kind offers to do: the words of its button or link.
ACTIONS = {
    "lessons": ("Mark as complete", "Continue to the lesson"),
    "quizzes": ("Start the quiz", "Continue your attempt", "Start a new attempt"),
    "surveys": ('name="action" value="submit"',),
    "cases": ("Join a cohort", "Write the submission"),
}


@pytest.fixture
def library(app):
    result = app.test_cli_runner().invoke(args=["courses", "sync"])
    assert result.exit_code == 0, result.output
    return list(db.session.execute(select(Course).order_by(Course.slug)).scalars())


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def continue_link(client, slug: str) -> tuple[str, str] | None:
    found = CONTINUE.search(page(client, f"/courses/{slug}"))
    return (html.unescape(found.group(1)), html.unescape(found.group(2))) if found else None


def answer_quiz(client, url: str, text: str) -> None:
    """Start an attempt on the quiz page, answer each question rightly (from the GIFT, as its form
    sends it), submit."""
    response = client.post(f"{url}/start", data={"csrf_token": csrf_token(text)})
    assert response.status_code == 302, response.status_code
    attempt_url = response.location
    form_page = page(client, attempt_url)
    attempt = db.session.get(QuizAttempt, int(attempt_url.rstrip("/").split("/")[-1]))
    questions = {q.id: q for q in db.session.execute(
        select(QuizQuestion).where(QuizQuestion.id.in_(attempt.question_ids))).scalars()}
    data: dict[str, object] = {"csrf_token": csrf_token(form_page), "shown": [str(i) for i in attempt.question_ids]}
    for qid in attempt.question_ids:
        value = right_answer(Question.from_dict(questions[qid].data))
        if value is None:
            continue
        if isinstance(value, dict):  # matching: one select per item
            for item, choice in value.items():
                data[f"q{qid}-{item}"] = str(choice)
        elif isinstance(value, list):
            data[f"q{qid}"] = [str(v) for v in value]
        else:
            data[f"q{qid}"] = str(value)
    response = client.post(f"/quizzes/attempts/{attempt.id}/submit", data=data)
    assert response.status_code == 302 and response.location.endswith("/review"), response.status_code
    db.session.expire_all()


def walk(client, course: Course, learner) -> list[str]:
    """Follow "Continue" from the course page, doing what each page offers, until there is no
    "Continue" or it leads to the capstone case (which a cohort's trainer runs). Returns the
    kinds of page met; fails on a page with nothing to do or one met twice without progress."""
    seen: dict[str, int] = {}
    kinds = []
    while (found := continue_link(client, course.slug)) is not None:
        url, title = found
        kind = url.split("/")[3]
        kinds.append(kind)
        seen[url] = seen.get(url, 0) + 1
        assert seen[url] <= 2, f"{course.slug}: 'Continue' keeps leading to {title} ({url}) with nothing new to do"
        text = page(client, url)
        assert any(action in text for action in ACTIONS[kind]), (
            f"{course.slug}: 'Continue' led to {title} ({url}), a page with nothing to do")
        if kind == "lessons":
            if "Continue to the lesson" in text:  # its content warning first
                text = page(client, f"{url}?continue=1")
            response = client.post(f"{url}/complete", data={"csrf_token": csrf_token(text)})
            assert response.status_code == 302
        elif kind == "quizzes":
            answer_quiz(client, url, text)
        elif kind == "surveys":
            # Submitted without answers: every item may be left out, once she confirms.
            response = client.post(url, data={"csrf_token": csrf_token(text), "action": "submit", "confirmed": "1"})
            assert response.status_code == 302, response.status_code
        elif kind == "cases":
            break  # the page says how to take part (join a cohort, or write with her team)
    return kinds


def mark_essays(trainer_client, handle: str) -> int:
    """Give every essay of ``handle`` in the trainer's marking queue full marks; how many."""
    marked = 0
    while True:
        queue = page(trainer_client, "/quizzes/marking")
        found = re.search(rf'{re.escape(handle)}.*?action="/quizzes/responses/(\d+)/mark"', queue, re.S)
        if found is None:
            return marked
        response = trainer_client.post(f"/quizzes/responses/{found.group(1)}/mark",
                                       data={"csrf_token": csrf_token(queue), "fraction": "1", "comment": ""})
        assert response.status_code == 302
        marked += 1


def test_every_library_course_is_walked_to_a_certificate_alone_and_in_a_cohort(app, library):
    assert [c.slug for c in library] == ["anti-gbv-campaigning", "gbv-litigation", "know-your-rights",
                                        "trauma-informed-reporting"]
    trainer = new_user("walk-trainer", role="trainer")
    trainer_client = app.test_client()
    login(trainer_client, "walk-trainer")
    for course in library:
        cohort = cohorts.create_cohort(trainer, course.id, f"{course.slug} cohort", date.today(), None)
        alone = new_user(f"alone-{course.slug}"[:30])
        member = new_user(f"member-{course.slug}"[:30])
        cohorts.join_cohort(member, cohort.invite_code, date.today())
        enrol(member, course.id, cohort.id)
        db.session.commit()
        for learner in (alone, member):
            client = app.test_client()
            login(client, learner.handle)
            if learner is alone:
                assert client.post(f"/courses/{course.slug}/enrol",
                                   data={"csrf_token": csrf_token(page(client, f"/courses/{course.slug}"))}
                                   ).status_code == 302
            kinds = walk(client, course, learner)
            assert {"lessons", "quizzes", "surveys"} <= set(kinds), (course.slug, kinds)
            # Essays wait for the trainer of the course's cohort, the self-enrolled learner's too.
            essays = mark_essays(trainer_client, learner.handle)
            assert essays == (1 if course.slug == "gbv-litigation" else 0), (course.slug, learner.handle)
            db.session.expire_all()
            assert live_certificate(learner.id, course.id) is not None, f"{course.slug}: {learner.handle} has no certificate"
            outline = course_outline(course, learner, "en")
            assert [a.slug for a in outline.activities if not a.done] == (
                ["protection-order-hearing"] if course.slug == "gbv-litigation" else []), course.slug
            # Nothing left to do: no "Continue" (the capstone case waits for a trainer's run).
            assert continue_link(client, course.slug) is None, (course.slug, learner.handle)
            if course.slug == "gbv-litigation":
                case = f"/courses/{course.slug}/cases/protection-order-hearing"
                assert case in page(client, f"/courses/{course.slug}"), "the outline still links the case"
                text = page(client, case)
                if learner is alone:
                    assert "Join a cohort" in text
                else:
                    assert "Your trainer has not set it up for your cohort yet" in text
        if course.slug == "gbv-litigation":
            # In her cohort the capstone runs once the trainer sets it up: her page then has her team's work.
            exercise = db.session.execute(select(CaseExercise).join(Activity, Activity.id == CaseExercise.activity_id)
                                          .where(Activity.course_id == course.id)).scalar_one()
            run = runs.set_up(trainer, cohort, exercise)
            state = case_services.run_state(run, "en")
            team = runs.add_team(trainer, state, "applicant")
            runs.assign_member(trainer, state, team, member.id)
            runs.start(trainer, state)
            db.session.commit()
            client = app.test_client()
            login(client, member.handle)
            url, _title = continue_link(client, course.slug)
            assert "/cases/" in url and "Write the submission" in page(client, url)
