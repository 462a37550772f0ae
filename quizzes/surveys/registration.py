"""Registers the survey activity kind, its course.yaml reader and its pages."""
from __future__ import annotations

import logging

from flask import Flask

from training import activities

#: training/config.py's stand-in when SECRET_KEY is unset in development (public: it is in the code).
DEVELOPMENT_SECRET_KEY = "development-only-not-secret"


def register(app: Flask) -> None:
    from quizzes.surveys import cli, personal_data, views  # noqa: F401 - personal_data registers what surveys keep
    from quizzes.surveys.kind import Survey

    activities.register(Survey())
    from quizzes.surveys import invitations
    from training import messages

    messages.scheduled("surveys", invitations.due)  # invitations planned for a later day
    app.register_blueprint(views.bp)
    from quizzes.surveys import studio_routes

    studio_routes.register(app)  # the Studio's form editor of an instrument
    from quizzes.surveys.cards import views as card_views

    app.register_blueprint(card_views.bp)
    # courses/demo.py's DEMO_PARTS (a name, not an import: workers never load the demo).
    app.extensions.setdefault("amicus_demo_parts", []).append("quizzes.surveys.cards.demo:load")
    app.cli.add_command(cli.surveys_cli)
    if app.config.get("AMICUS_ENV") == "development" and not app.config.get("AMICUS_SURVEY_SECRET") \
            and app.config.get("SECRET_KEY") == DEVELOPMENT_SECRET_KEY:
        # Derived from the public development SECRET_KEY: anyone can recompute the pseudonyms.
        logging.getLogger("amicus").warning(
            "Development mode: the survey secret is derived from a public default key, so survey answers "
            "are not anonymous here. Set AMICUS_SURVEY_SECRET (`make run` keeps a random one in "
            "instance/survey-secret).")
