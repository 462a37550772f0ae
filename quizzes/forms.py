"""Forms of the quiz pages that are not the attempt itself (its inputs come from the questions)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

MARK_CHOICES = [SelectChoice(value, label) for value, label in
                (("0", "0%"), ("0.25", "25%"), ("0.5", "50%"), ("0.75", "75%"), ("1", "100%"))]


class MarkForm(FlaskForm):
    fraction = SelectField(_l("Mark"), choices=MARK_CHOICES)
    comment = TextAreaField(_l("Comment for the participant (optional)"), validators=[Optional(), Length(max=5000)])
    submit = SubmitField(_l("Save mark"))
