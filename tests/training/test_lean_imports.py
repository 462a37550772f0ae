"""Building the app leaves the heavy libraries alone: each worker would carry them (issue #22)."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Statistics (results pages), PDF reading and writing (uploads, certificates, reports): imported
# by the functions that use them, once per process, never when the app is built.
# Migrations (Flask-Migrate with Alembic and Mako): bound only for `flask` commands.
# The course-package reader (PyYAML): imported when packages are read (`flask courses sync`), as
# are the kinds' readers (training/activities.py), and Python-Markdown with nh3: pages show the HTML made
# at sync (a quiz review's feedback too). The XML parsers: an uploaded Word document's check.
HEAVY = ["scipy", "numpy", "pypdf", "weasyprint", "fontTools", "flask_migrate", "alembic", "yaml", "markdown", "nh3",
         "defusedxml", "xml.etree", "pyexpat"]

BUILD = """
import json, sys
from tests.conftest import app_config
from training.app import create_app
create_app(app_config())
print(json.dumps(sorted(name for name in sys.argv[1:] if name in sys.modules)))
"""


def test_creating_the_app_imports_no_heavy_library():
    # A fresh interpreter: this one has imported them all for other tests.
    done = subprocess.run([sys.executable, "-c", BUILD, *HEAVY], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == []


READ = """
import json, sys
from pathlib import Path
from tests.conftest import app_config
from training.app import create_app
app = create_app(app_config())
with app.app_context():
    from training import activities
    readers = ["courses.package", "quizzes.package", "quizzes.surveys.package", "courses.cases.package"]
    before = [name for name in readers if name in sys.modules]
    from courses.package import SECTION_PARSERS, read_packages
    from courses.sync import SECTION_WRITERS
    specs, errors, _ = read_packages([Path("courses/library")])
print(json.dumps({"courses": len(specs), "errors": errors, "kinds": activities.names(), "before": before,
                  "after": [name for name in readers if name in sys.modules], "sections": sorted(SECTION_PARSERS),
                  "section_writers": sorted(SECTION_WRITERS)}))
"""


def test_reading_a_package_imports_every_kinds_reader():
    # The app registers the kinds without importing their readers (training/activities.py);
    # reading a package imports them.
    done = subprocess.run([sys.executable, "-c", READ], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.splitlines()[-1])
    assert found["errors"] == [] and found["courses"] >= 3
    assert found["kinds"] == ["case", "lesson", "quiz", "survey"]
    assert found["before"] == [] and len(found["after"]) == 4
    assert found["sections"] == found["section_writers"] == ["certificates"]
