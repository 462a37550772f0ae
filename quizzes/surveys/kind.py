"""The survey kind: answered under a pseudonym, so its completion is found, never recorded."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from training.activities import ActivityKind


class Survey(ActivityKind):
    name = "survey"
    label = _l("Survey")
    endpoint = "surveys.answer"

    def parse(self, reader, ctx, entry, rel):
        from quizzes.surveys import package  # the package reader: imported when packages are read (#22)

        return package.parse_survey_entry(reader, ctx, entry, rel)

    def write(self, course, activity, spec) -> None:
        from quizzes.surveys import package

        package.write_survey(course, activity, spec)

    def load(self, course, outline, activity, user, locale):
        from quizzes.surveys import services

        return services.load_survey(course, outline, activity, user)

    def demo_complete(self, course, slug, user, trainer) -> None:
        from quizzes.surveys import demo

        demo.submit_survey(course, slug, user, trainer)

    def derived_done(self, user_ids, activity_ids):
        from quizzes.surveys import services

        return services.answered(user_ids, activity_ids)
