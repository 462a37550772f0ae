from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from quizzes.surveys.cards.services import MAX_BATCH


class CardNumberForm(FlaskForm):
    card = StringField(_l("The number on your card"), validators=[DataRequired(), Length(max=40)],
                       render_kw={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"})


class MakeCardsForm(FlaskForm):
    how_many = IntegerField(_l("How many cards"), default=20,
                            validators=[InputRequired(), NumberRange(min=1, max=MAX_BATCH)],
                            render_kw={"inputmode": "numeric"})


class VoidCardForm(FlaskForm):
    card = StringField(_l("The card's number, or its serial (#)"), validators=[DataRequired(), Length(max=40)],
                       render_kw={"inputmode": "numeric", "autocomplete": "off"})


class ImportForm(FlaskForm):
    """A KoboToolbox or ODK export to bring in as card responses to one survey."""

    survey = SelectField(_l("The survey these submissions answer"), validators=[DataRequired()])
    file = FileField(_l("The export file (CSV or JSON)"),
                     validators=[FileRequired(_l("Choose the export file."))],
                     render_kw={"accept": ".csv,.json,text/csv,application/json"})
