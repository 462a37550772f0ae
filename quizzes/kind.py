"""The quiz kind: questions from the course's GIFT files, done when passed."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from training.activities import ActivityKind


class Quiz(ActivityKind):
    name = "quiz"
    label = _l("Quiz")
    endpoint = "quizzes.show"

    def parse(self, reader, ctx, entry, rel):
        from quizzes import package  # the package reader: imported when packages are read (#22)

        return package.parse_quiz_entry(reader, ctx, entry, rel)

    def write(self, course, activity, spec) -> None:
        from quizzes import package

        package.write_quiz(course, activity, spec)

    def load(self, course, outline, activity, user, locale):
        from quizzes import services

        return services.load_quiz(course, outline, activity)
