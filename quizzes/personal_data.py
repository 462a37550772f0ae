"""What the quizzes package keeps about a person: quiz attempts and answers, her survey answers."""
from __future__ import annotations

from sqlalchemy import select

from courses.models import Activity, Course
from quizzes.models import Quiz, QuizAttempt, QuizQuestion, QuizResponse
from quizzes.surveys.models import Survey, SurveyResponse
from quizzes.surveys.services import respondent_key
from training.accounts import User
from training.extensions import db
from training.personal_data import iso, section


@section("quiz_attempts")
def _attempts(user: User) -> list:
    rows = db.session.execute(
        select(QuizAttempt, Course.slug, Activity.slug).join(Quiz, Quiz.id == QuizAttempt.quiz_id)
        .join(Activity, Activity.id == Quiz.activity_id).join(Course, Course.id == Activity.course_id)
        .where(QuizAttempt.user_id == user.id).order_by(QuizAttempt.started_at)).all()
    answers: dict[int, list] = {}
    if rows:
        for response, title in db.session.execute(
                select(QuizResponse, QuizQuestion.data["title"].as_string())
                .join(QuizQuestion, QuizQuestion.id == QuizResponse.question_id)
                .where(QuizResponse.attempt_id.in_([a.id for a, _c, _s in rows]))):
            answers.setdefault(response.attempt_id, []).append(
                {"question": title, "answer": response.value, "fraction": response.fraction,
                 "trainer_comment": response.marker_comment})
    return [{"course": course, "quiz": slug, "attempt": a.number, "state": a.state, "started_at": iso(a.started_at),
             "submitted_at": iso(a.submitted_at), "score": a.score, "answers": answers.get(a.id, [])}
            for a, course, slug in rows]


@section("survey_answers")
def _surveys(user: User) -> list:
    """Her survey responses, found the way she finds them herself: through her pseudonym."""
    surveys = db.session.execute(select(Survey, Activity.course_id, Course.slug).join(Activity, Activity.id == Survey.activity_id)
                                 .join(Course, Course.id == Activity.course_id)).all()
    keys = {respondent_key(user, course_id, survey.instrument) for survey, course_id, _slug in surveys}
    mine = {(r.survey_id, r.respondent_key): r for r in db.session.execute(
        select(SurveyResponse).where(SurveyResponse.respondent_key.in_(keys))).scalars()} if keys else {}
    out = []
    for survey, course_id, course_slug in surveys:
        response = mine.get((survey.id, respondent_key(user, course_id, survey.instrument)))
        if response is not None:
            out.append({"course": course_slug, "instrument": survey.instrument, "phase": survey.phase,
                        "state": response.state, "submitted_on": iso(response.submitted_on), "answers": response.answers})
    return out
