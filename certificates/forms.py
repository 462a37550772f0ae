"""Forms of the certificates pages; the rules on names live in certificates/names.py."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from certificates.names import MAX_LENGTH
from certificates.services import REASON_MAX


class NameForm(FlaskForm):
    name = StringField(
        _l("The name to print on your certificate"), validators=[Length(max=MAX_LENGTH * 4)],
        description=_l("As you want it to appear, in any script. It need not be your handle, and "
                       "Amicus keeps it only for your certificate."),
        render_kw={"autocomplete": "name", "spellcheck": "false", "dir": "auto"})
    checked = BooleanField(_l("I have checked the spelling: the name cannot be changed afterwards."),
                           validators=[DataRequired(message=_l("Tick the box to confirm the spelling."))])
    submit = SubmitField(_l("Make my certificate"))


class VerifyForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form anyone may use, changing nothing

    code = StringField(_l("Certificate number"), validators=[DataRequired(), Length(max=64)],
                       render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"})
    submit = SubmitField(_l("Check"))


class RevokeForm(FlaskForm):
    reason = TextAreaField(_l("Reason (kept in the record, not shown publicly)"),
                           validators=[Length(max=REASON_MAX * 2)])
    submit = SubmitField(_l("Revoke"))
