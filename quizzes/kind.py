"""The quiz kind: questions from the course's GIFT files, done when passed."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from training.activities import ActivityKind


class Quiz(ActivityKind):
    name = "quiz"
    label = _l("Quiz")
    endpoint = "quizzes.show"
    matrix_complete = "passed"
    matrix_others = ("in_progress", "submitted", "failed")

    def parse(self, reader, ctx, entry, rel):
        from quizzes import package  # the package reader: imported when packages are read (#22)

        return package.parse_quiz_entry(reader, ctx, entry, rel)

    def write(self, course, activity, spec) -> None:
        from quizzes import package

        package.write_quiz(course, activity, spec)

    def load(self, course, outline, activity, user, locale):
        from quizzes import services

        return services.load_quiz(course, outline, activity)

    def demo_complete(self, course, slug, user, trainer) -> None:
        from quizzes import demo

        demo.pass_quiz(course, slug, user, trainer)

    def matrix_states(self, cohort_id, course_id):
        from quizzes import matrix

        return matrix.quiz_states(cohort_id, course_id)

    def waiting(self, user_id, activity_ids):
        from quizzes import services

        return services.waiting_for_marks(user_id, activity_ids)

    def handbook(self, course, activity, lang, edition=""):
        from quizzes import handbook

        return handbook.exercises(activity, lang)

    def handbook_answers(self, course, activity, lang):
        from quizzes import handbook

        return handbook.answers(activity, lang)
