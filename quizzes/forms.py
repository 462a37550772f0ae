"""Forms of the quiz pages that are not the attempt itself (its inputs come from the questions)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

MARK_CHOICES = [SelectChoice(value, label) for value, label in
                (("0", "0%"), ("0.25", "25%"), ("0.5", "50%"), ("0.75", "75%"), ("1", "100%"))]


class MarkForm(FlaskForm):
    fraction = SelectField(_l("Mark"), choices=MARK_CHOICES)
    comment = TextAreaField(_l("Comment for the participant (optional)"), validators=[Optional(), Length(max=5000)])
    submit = SubmitField(_l("Save mark"))


class UploadForm(FlaskForm):
    file = FileField(_l("GIFT file"), validators=[FileRequired(_l("Choose a .gift or .txt file."))],
                     description=_l("Exported from Moodle, or written by hand; UTF-8; at most 2 MB."),
                     render_kw={"accept": ".gift,.txt,text/plain"})
    category = StringField(_l("Category (optional)"), validators=[Optional(), Length(max=200)],
                           description=_l("Puts every question in this category, instead of the file's $CATEGORY lines."))
    submit = SubmitField(_l("Preview"))
