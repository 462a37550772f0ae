"""The survey instrument editor's addresses (its views: quizzes/surveys/studio.py, imported on the
first request to one, with the YAML and package readers it needs) and the files it edits."""
from __future__ import annotations

import re

from flask import Flask
from flask_babel import lazy_gettext as _l

from courses.studio import editors

PATH = re.compile(r"surveys/[a-z0-9][a-z0-9-]{0,63}\.yaml")

RULES = [
    ("/studio/<slug>/survey/<path:path>", "instrument", ["GET"]),
    ("/studio/<slug>/survey-move/<path:path>", "move", ["POST"]),
    ("/studio/<slug>/survey-remove/<path:path>", "remove", ["POST"]),
    ("/studio/<slug>/survey-item/<path:path>", "item", ["GET", "POST"]),
]


def register(app: Flask) -> None:
    app.register_blueprint(editors.lazy_blueprint("survey_studio", __name__, "quizzes.surveys.studio", RULES,
                                                  template_folder="templates"))
    editors.register(editors.Editor(name="survey", endpoint="survey_studio.instrument",
                                    label=_l("Edit as a survey form"), matches=editors.pattern(PATH.pattern)))
