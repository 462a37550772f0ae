"""What the quizzes package adds to the app: the quiz activity kind, its blueprint and loader."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from training import activities


def register(app: Flask) -> None:
    from courses import setup as courses_setup
    from quizzes import cli, demo, matrix, personal_data, views  # noqa: F401 - they register exporters, demo parts, matrix states

    courses_setup.reader_module("quizzes.package")  # the `quiz:` reader, imported when packages are read
    activities.register(activities.ActivityKind(name="quiz", label=_l("Quiz"), endpoint="quizzes.show"))
    app.register_blueprint(views.bp)
    app.cli.add_command(cli.quizzes_cli)

    from quizzes.surveys import setup as surveys_setup

    surveys_setup.register(app)
