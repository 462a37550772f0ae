"""What the quizzes package adds to the app: the quiz activity kind, its blueprint and loader."""
from __future__ import annotations

from flask import Flask

from training import activities


def register(app: Flask) -> None:
    from quizzes import cli, personal_data, studio_routes, views  # noqa: F401 - personal_data registers what quizzes keep
    from quizzes.kind import Quiz

    activities.register(Quiz())
    from quizzes.questions import KIND_LABELS

    app.jinja_env.globals["question_kind_labels"] = KIND_LABELS
    app.register_blueprint(views.bp)
    # The Studio's form editor for a quiz's main GIFT file (quizzes/<stem>.gift, not a translation).
    studio_routes.register(app)
    app.cli.add_command(cli.quizzes_cli)

    from quizzes.surveys import registration as surveys_registration

    surveys_registration.register(app)
