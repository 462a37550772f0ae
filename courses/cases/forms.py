"""Forms of the case pages whose fields WTForms checks; the rest post plain fields to services.

The run page's forms (``RunForm``) read and type their fields; the rules (which side, who may
judge, how long an answer) stay in courses/cases/runs.py, which says what is wrong. The CSRF
token is not theirs to check: CSRFProtect refuses a request without it before any view runs.
"""
from __future__ import annotations

import math

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, FloatField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, NumberRange, Optional

from courses.cases.models import SIDES
from training.params import MAX_ID


class RunForm(FlaskForm):
    """A form of the trainer's run page: its fields only (the token is CSRFProtect's)."""

    class Meta:
        csrf = False


class Tick(BooleanField):
    """A box the page sends as ``1`` when ticked (or a hidden 1 or 0): on for ``1`` only."""

    def process_formdata(self, valuelist):
        self.data = bool(valuelist) and valuelist[0] == "1"


class Points(FloatField):
    """A number of points as typed: a decimal comma is read as a point; not a finite number is an error."""

    def process_formdata(self, valuelist):
        if valuelist and valuelist[0].strip():
            valuelist = [valuelist[0].replace(",", ".")]
        super().process_formdata(valuelist)
        if self.data is not None and not math.isfinite(self.data):
            self.data = None
            raise ValueError(self.gettext("Not a valid float value."))


def person():
    """A person chosen in one of the page's lists, by id; None if none is."""
    return IntegerField(validators=[Optional(), NumberRange(min=0, max=MAX_ID)])


class ScheduleForm(RunForm):
    due = DateTimeLocalField(_l("Submissions due"), validators=[InputRequired()], format="%Y-%m-%dT%H:%M")
    late_until = DateTimeLocalField(
        _l("Accept late submissions until (optional)"), validators=[Optional()], format="%Y-%m-%dT%H:%M",
        description=_l("Late submissions are accepted until then and marked late. Empty: none after the deadline."))


class NewTeamForm(RunForm):
    side = SelectField(choices=SIDES)


class MemberForm(RunForm):
    user = person()


class TeamsOpenForm(RunForm):
    open = Tick()


class JudgeForm(RunForm):
    user = person()
    presiding = Tick()


class GuestJudgeForm(RunForm):
    handle = StringField(default="")  # the account's rules (training.accounts) say what a handle may be


class PenaltyForm(RunForm):
    points = Points(validators=[InputRequired()])
    reason = StringField(default="")


class AnswerForm(RunForm):
    question = TextAreaField(default="")
    answer = TextAreaField(default="")


class PublishForm(RunForm):
    show_rank = Tick()
    confirmed = Tick()  # from the confirmation page
