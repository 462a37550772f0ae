"""Registers the survey activity kind, its course.yaml reader and its pages."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from training import activities


def register(app: Flask) -> None:
    from quizzes.surveys import cli, package, views  # noqa: F401 - package registers the `survey:` reader

    activities.register(activities.ActivityKind(name="survey", label=_l("Survey"), endpoint="surveys.answer"))
    app.register_blueprint(views.bp)
    app.cli.add_command(cli.surveys_cli)
