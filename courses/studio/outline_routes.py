"""The outline editor's addresses (its views: courses/studio/outline.py, imported on the first
request to one, with the YAML and package readers it needs)."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from courses.studio import editors

RULES = [
    ("/studio/<slug>/outline", "show", ["GET"]),
    ("/studio/<slug>/outline/settings", "settings", ["POST"]),
    ("/studio/<slug>/outline/modules/<int:m>/<action>", "module_step", ["POST"]),
    ("/studio/<slug>/outline/modules/<int:m>/activities/<int:a>/<action>", "activity_step", ["POST"]),
    ("/studio/<slug>/outline/modules", "add_module", ["POST"]),
    ("/studio/<slug>/outline/modules/<int:m>", "module", ["GET", "POST"]),
    ("/studio/<slug>/outline/modules/<int:m>/activities", "add_activity", ["POST"]),
    ("/studio/<slug>/outline/modules/<int:m>/activities/<int:a>", "activity", ["GET", "POST"]),
]


def register(app: Flask) -> None:
    app.register_blueprint(editors.lazy_blueprint("studio_outline", __name__, "courses.studio.outline", RULES,
                                                  template_folder="templates"))
    editors.register(editors.Editor(name="outline", endpoint="studio_outline.show", label=_l("Outline editor"),
                                    matches=editors.pattern(r"course\.yaml")))
