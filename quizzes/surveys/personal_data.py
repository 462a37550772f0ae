"""What the survey kind keeps about a person: her survey answers, found through her pseudonym."""
from __future__ import annotations

from sqlalchemy import select

from courses.models import Activity, Course
from quizzes.surveys.models import Survey, SurveyResponse
from quizzes.surveys.services import respondent_key
from training.accounts import User
from training.extensions import db
from training.personal_data import iso, section


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
