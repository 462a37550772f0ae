"""What the courses package adds to the app: blueprints, CLI groups and the lesson kind (courses/kind.py)."""
from __future__ import annotations

import importlib

from flask import Flask

from training import activities

# Modules that teach the package reader a course-level section of course.yaml (a section's
# courses.package.section_parser and courses.sync.section_writer; activity kinds read their own
# entries through training/activities.py). Each package names its own when the app is built;
# courses.package and courses.sync import them before they read or store a package. A gunicorn
# worker serving pages never reads one, so it does not load the reader (PyYAML, Python-Markdown,
# nh3; issue #22).
_READER_MODULES: list[str] = []


def reader_module(name: str) -> None:
    """Name a module that registers course.yaml parsers or writers, imported when packages are read."""
    if name not in _READER_MODULES:
        _READER_MODULES.append(name)


def import_reader_modules() -> None:
    for name in _READER_MODULES:
        importlib.import_module(name)


def register(app: Flask) -> None:
    from courses import cli, views
    from courses.cohorts import views as cohort_views
    from courses.kind import Lesson

    activities.register(Lesson())
    app.register_blueprint(views.bp)
    app.register_blueprint(cohort_views.bp)
    from courses.workshops import views as workshop_views

    app.register_blueprint(workshop_views.bp)
    from courses.studio import views as studio_views

    app.register_blueprint(studio_views.bp)
    from courses.studio import outline_routes

    outline_routes.register(app)  # course.yaml's form editor (courses/studio/editors.py)
    app.cli.add_command(cli.courses_cli)
    app.cli.add_command(cli.demo_cli)
    from courses import reminders
    from training import messages

    messages.scheduled("sessions", reminders.sessions)
    messages.scheduled("cases", reminders.cases)
    app.jinja_env.globals["activity_url"] = views.activity_url
    from courses import personal_data  # noqa: F401 - registers what courses keep about a person
    from courses.cases import registration as cases_registration

    cases_registration.register(app)
