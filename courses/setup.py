"""What the courses package adds to the app: blueprints, CLI groups and the lesson kind."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from training import activities


def register(app: Flask) -> None:
    from courses import cli, cohort_views, views

    activities.register(activities.ActivityKind(name="lesson", label=_l("Lesson"), endpoint="courses.lesson"))
    app.register_blueprint(views.bp)
    app.register_blueprint(cohort_views.bp)
    app.cli.add_command(cli.courses_cli)
    app.cli.add_command(cli.demo_cli)
    app.jinja_env.globals["activity_url"] = views.activity_url
    from courses import personal_data  # noqa: F401 - registers what courses keep about a person
    from courses.cases import setup as cases_setup

    cases_setup.register(app)
