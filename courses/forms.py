"""Forms for searching the catalog (cohorts' forms: courses/cohorts/forms.py)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SearchField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, Length, Optional

from courses.models import TRACKS
from courses.services import LANGUAGE_NAMES, SEARCH_MAX, TRACK_NAMES


class CatalogSearchForm(FlaskForm):
    """The catalog's search: a GET form (a link can share it), so no CSRF token."""

    class Meta:
        csrf = False

    q = SearchField(_l("Search the courses"), validators=[Optional(), Length(
        max=SEARCH_MAX, message=_l("Search for at most %(max)d characters.", max=SEARCH_MAX))],
        description=_l("Words from a title or summary, in English or Chinese"))
    track = SelectField(_l("For"), choices=[SelectChoice("", _l("Every audience"))] + [
                            SelectChoice(key, name) for key, name in TRACK_NAMES.items()],
                        validate_choice=False, default="",
                        validators=[Optional(), AnyOf(TRACKS, message=_l("Choose one of the listed audiences."))])
    lang = SelectField(_l("Course language"), choices=[SelectChoice("", _l("Any language"))] + [
        SelectChoice(code, native) for code, (native, _name) in LANGUAGE_NAMES.items()], validate_choice=False, default="",
        validators=[Optional(), AnyOf(list(LANGUAGE_NAMES), message=_l("Choose one of the listed languages."))])
