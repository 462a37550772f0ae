"""The lesson kind: a page of Markdown, done when she marks it done."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from training.activities import ActivityKind


class Lesson(ActivityKind):
    name = "lesson"
    label = _l("Lesson")
    endpoint = "courses.lesson"

    def parse(self, reader, ctx, entry, rel):
        from courses import package  # the package reader: imported when packages are read (#22)

        return package.parse_lesson(reader, ctx, entry, rel)

    def write(self, course, activity, spec) -> None:
        from courses import sync

        sync.write_lesson(course, activity, spec)

    def demo_complete(self, course, slug, user, trainer) -> None:
        from courses import services

        services.complete_lesson(course, slug, user, "en")

    def load(self, course, outline, activity, user, locale):
        from courses import services

        return services.load_lesson(course, outline, activity, locale)

    def handbook(self, course, activity, lang, edition=""):
        from courses.structure import lesson_html

        return lesson_html(course, activity.id).get(lang, "")
