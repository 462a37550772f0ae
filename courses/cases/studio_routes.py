"""The case editor's address (its view: courses/cases/studio.py, imported on the first request,
with the YAML and case readers it needs) and the files it edits."""
from __future__ import annotations

import re

from flask import Flask
from flask_babel import lazy_gettext as _l

from courses.studio import editors

PATH = re.compile(r"cases/(?P<case>[a-z0-9]+(?:-[a-z0-9]+)*)/case\.yaml")

RULES = [
    ("/studio/<slug>/case/<path:path>", "edit", ["GET", "POST"]),
]


def register(app: Flask) -> None:
    app.register_blueprint(editors.lazy_blueprint("case_studio", __name__, "courses.cases.studio", RULES))
    editors.register(editors.Editor(name="case", endpoint="case_studio.edit", label=_l("Edit the case in a form"),
                                    matches=editors.pattern(PATH.pattern)))
