"""What the quizzes package adds to the app: the quiz activity kind, its blueprint and loader."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from training import activities


def register(app: Flask) -> None:
    from courses.studio import editors
    from quizzes import cli, personal_data, studio, views  # noqa: F401 - personal_data registers what quizzes keep
    from quizzes.kind import Quiz

    activities.register(Quiz())
    app.register_blueprint(views.bp)
    app.register_blueprint(studio.bp)
    # The Studio's form editor for a quiz's main GIFT file (quizzes/<stem>.gift, not a translation).
    editors.register(editors.Editor(name="quiz", endpoint="quiz_studio.quiz", label=_l("Edit as questions"),
                                    matches=editors.pattern(studio.QUIZ_PATH.pattern)))
    app.cli.add_command(cli.quizzes_cli)

    from quizzes.surveys import registration as surveys_registration

    surveys_registration.register(app)
