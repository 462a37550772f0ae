"""Fixtures shared by the survey results' tests (test_survey_results, test_survey_report,
test_report_glyphs). test_results.py defines a quiz cohort of its own under the same name, which
pytest uses in that module instead."""
from datetime import date

import pytest

from tests.conftest import SURVEY_YAML
from training import cohorts
from training.extensions import db


@pytest.fixture
def cohort(make_course, make_user):
    """The coach's cohort "Spring" of a one-lesson course with the pre and post surveys."""
    course = make_course(modules=1, lessons=1, sequential=False, surveys=SURVEY_YAML)
    trainer = make_user("coach", role="trainer")
    group = cohorts.create_cohort(trainer, course.id, "Spring", date.today(), None)
    db.session.commit()
    return group
