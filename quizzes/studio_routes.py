"""The quiz editor's addresses (its views: quizzes/studio.py, imported on the first request to one,
with the GIFT and package readers it needs) and the quiz files it edits."""
from __future__ import annotations

import re

from flask import Flask
from flask_babel import lazy_gettext as _l

from courses.studio import editors

#: A quiz's main file: quizzes/<stem>.gift, its stem as course.yaml names quizzes (no language).
QUIZ_PATH = re.compile(r"quizzes/([a-z0-9]+(?:-[a-z0-9]+)*)\.gift")

RULES = [
    ("/studio/<slug>/quiz/<path:path>", "quiz", ["GET"]),
    ("/studio/<slug>/quiz-arrange/<int:number>/<path:path>", "arrange", ["POST"]),
    ("/studio/<slug>/quiz-paste/<path:path>", "paste", ["POST"]),
    ("/studio/<slug>/quiz-question/<int:number>/<path:path>", "question", ["GET", "POST"]),
    ("/studio/<slug>/quiz-question/new/<kind>/<path:path>", "new_question", ["GET", "POST"]),
]


def register(app: Flask) -> None:
    app.register_blueprint(editors.lazy_blueprint("quiz_studio", __name__, "quizzes.studio", RULES))
    editors.register(editors.Editor(name="quiz", endpoint="quiz_studio.quiz", label=_l("Edit as questions"),
                                    matches=editors.pattern(QUIZ_PATH.pattern)))
