"""Registers the case activity kind, its course.yaml reader and its pages."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from training import activities


def register(app: Flask) -> None:
    from courses import services
    from courses.cases import judging, package, personal_data, run_views, views  # noqa: F401 - package registers the `case:` reader

    activities.register(activities.ActivityKind(name="case", label=_l("Case exercise"), endpoint="cases.show"))
    services.reader_column("learning", "judges")(judging.judges_anything)  # My learning lists what she judges
    app.register_blueprint(views.bp)
