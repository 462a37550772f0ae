"""Forms of the survey pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, SubmitField
from wtforms.validators import Optional


class SurveyInviteForm(FlaskForm):
    """A trainer tells her cohort a survey is open (quizzes/surveys/invitations.py); the view
    fills the survey choices with the course's surveys."""

    survey = SelectField(_l("Survey"), choices=[])
    send_on = DateField(_l("Send on (optional)"), validators=[Optional()],
                        description=_l("Empty: now. A later day: the message goes at 09:00 that day, in the cohort's time zone."))
    submit = SubmitField(_l("Invite the cohort"))
