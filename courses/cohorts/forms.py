"""Forms for creating a cohort and joining one by invite code."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from training.forms import timezone_choices


class JoinCohortForm(FlaskForm):
    code = StringField(_l("Invite code"), validators=[DataRequired(), Length(max=32)],
                       description=_l("Your trainer gives you a code like ABCD-2345."),
                       render_kw={"autocapitalize": "characters", "autocomplete": "off", "spellcheck": "false"})
    submit = SubmitField(_l("Join"))


class CohortForm(FlaskForm):
    course_id = SelectField(_l("Course"), coerce=int, validators=[DataRequired()])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)],
                       description=_l("For example: Chengdu lawyers, spring 2027"))
    starts_on = DateField(_l("Starts on"), validators=[DataRequired()])
    ends_on = DateField(_l("Ends on (optional)"), validators=[Optional()],
                        description=_l("After this date the invite code stops working."))
    identified_surveys = BooleanField(
        _l("Identified surveys"),
        description=_l("Off (recommended): survey answers are anonymous. On: you see each participant's "
                       "answers with her handle; participants are told before they answer. Cannot be "
                       "changed later."))
    timezone = SelectField(_l("Time zone"), choices=timezone_choices, validate_choice=False,
                           description=_l("The cohort's days begin and end here: work due on a day of the "
                                          "course is due at 23:59:59 of that day in this zone."))
    submit = SubmitField(_l("Create cohort"))


class CohortMessageForm(FlaskForm):
    text = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=4000)],
                         description=_l("Plain text, at most 2,000 characters. Participants read it under "
                                        "Notifications; those who chose email get one (without your text unless "
                                        "they asked for detailed emails)."),
                         render_kw={"rows": 8})
    submit = SubmitField(_l("Send to the cohort"))
