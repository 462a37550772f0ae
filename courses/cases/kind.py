"""The case-exercise kind: a moot case worked by teams; done for a member when her team's published score
passes and she has written her reflection."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from training.activities import ActivityKind


class Case(ActivityKind):
    name = "case"
    label = _l("Case exercise")
    endpoint = "cases.show"
    matrix_complete = "passed"
    matrix_others = ("submitted",)

    def parse(self, reader, ctx, entry, rel):
        from courses.cases import package  # the package reader: imported when packages are read (#22)

        return package.parse_case_entry(reader, ctx, entry, rel)

    def write(self, course, activity, spec) -> None:
        from courses.cases import package

        package.write_case(course, activity, spec)

    def load(self, course, outline, activity, user, locale):
        from courses.cases import services

        return services.load_case(course, outline, activity, user, locale)

    def matrix_states(self, cohort_id, course_id):
        from courses.cases import cohort_progress

        return cohort_progress.case_states(cohort_id, course_id)

    def waiting(self, user_id, activity_ids):
        from courses.cases import services

        return services.not_running_for(user_id, activity_ids)

    def handbook(self, course, activity, lang, edition=""):
        from courses.cases import handbook

        return handbook.case_file(activity, lang, edition or "applicant")
