"""What the quiz kind keeps about a person: her attempts and answers (surveys: quizzes/surveys/personal_data.py)."""
from __future__ import annotations

from sqlalchemy import select

from courses.models import Activity, Course
from quizzes.models import Quiz, QuizAttempt, QuizQuestion, QuizResponse
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
