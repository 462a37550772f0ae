"""Registers the case activity kind, its course.yaml reader and its pages."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from training import activities


def register(app: Flask) -> None:
    from courses import services
    from courses import setup as courses_setup
    from courses.cases import cohort_progress, judging, personal_data, run_views, views  # noqa: F401 - cohort_progress registers the matrix's states

    courses_setup.reader_module("courses.cases.package")  # the `case:` reader, imported when packages are read
    activities.register(activities.ActivityKind(name="case", label=_l("Case exercise"), endpoint="cases.show"))
    services.reader_column("learning", "judges")(judging.judges_anything)  # My learning lists what she judges
    app.register_blueprint(views.bp)
