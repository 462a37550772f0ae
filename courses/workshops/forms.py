from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional


def mode_labels() -> dict[str, str]:
    return {"in_person": _l("In person"), "online": _l("Online"), "blended": _l("Blended")}


class SessionForm(FlaskForm):
    title = StringField(_l("Title"), validators=[InputRequired(), Length(max=200)])
    starts = DateTimeLocalField(_l("Starts"), validators=[InputRequired()], format="%Y-%m-%dT%H:%M")
    ends = DateTimeLocalField(_l("Ends"), validators=[InputRequired()], format="%Y-%m-%dT%H:%M")
    mode = SelectField(_l("Where"), default="in_person", validators=[InputRequired()])
    place = StringField(_l("Place"), validators=[Optional(), Length(max=300)])
    hide_place = BooleanField(_l("Hide the place from participants (a sensitive venue)"))
    facilitators = StringField(_l("Facilitators"), validators=[Optional(), Length(max=300)])
    capacity = IntegerField(_l("Capacity"), validators=[Optional(), NumberRange(min=1, max=10000)],
                            render_kw={"inputmode": "numeric"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.mode.choices = [SelectChoice(value, label) for value, label in mode_labels().items()]


class WalkInForm(FlaskForm):
    handle = StringField(_l("Her handle, if she has an account"), validators=[Optional(), Length(max=60)],
                         render_kw={"autocomplete": "off", "autocapitalize": "none"})
    name = StringField(_l("Or a first name or nickname (optional)"), validators=[Optional(), Length(max=40)],
                       render_kw={"autocomplete": "off"})
    over_capacity = BooleanField(_l("Add her anyway, over the session's places"))

