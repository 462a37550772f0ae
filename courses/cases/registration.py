"""Registers the case activity kind, its course.yaml reader and its pages."""
from __future__ import annotations

from flask import Flask

from training import activities


def register(app: Flask) -> None:
    from courses import services
    from courses.cases import judging, personal_data, run_views, studio_routes, views  # noqa: F401 - personal_data registers what cases keep
    from courses.cases.kind import Case

    activities.register(Case())
    services.reader_column("learning", "judges")(judging.judges_anything)  # My learning lists what she judges
    app.register_blueprint(views.bp)
    studio_routes.register(app)  # the Studio's form editor of case.yaml
