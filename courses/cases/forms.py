"""Forms of the case pages whose fields WTForms checks; the rest post plain fields to services."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField
from wtforms.validators import InputRequired, Optional


class ScheduleForm(FlaskForm):
    due = DateTimeLocalField(_l("Submissions due (UTC)"), validators=[InputRequired()], format="%Y-%m-%dT%H:%M")
    late_until = DateTimeLocalField(
        _l("Accept late submissions until (UTC, optional)"), validators=[Optional()], format="%Y-%m-%dT%H:%M",
        description=_l("Late submissions are accepted until then and marked late. Empty: none after the deadline."))
