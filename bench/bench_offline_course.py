"""How much keeping a course for offline reading downloads (issue #20: under 1 MB of HTML and
assets), measured, not estimated.

    .venv/bin/python bench/bench_offline_course.py [slug, default gbv-litigation] [lang, default en]

Syncs the shipped library into SQLite in a temporary folder, enrols a participant, reads the
course's /offline.json as the course page does (every module opened, as for someone who has reached
the end of a sequential course), then fetches every address it lists as the
service worker does (with the X-Amicus-Offline header) and adds up the bodies. Prints the total,
the estimate the page showed her, and the largest items. A size, not a time: the machine's load
does not change it.
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PASSWORD = "correct horse battery"


def main() -> None:
    slug = sys.argv[1] if len(sys.argv) > 1 else "gbv-litigation"
    lang = sys.argv[2] if len(sys.argv) > 2 else "en"
    from courses.package import read_packages
    from courses.services import get_course
    from courses.sync import sync_courses
    from training import accounts
    from training.app import create_app
    from training.extensions import db
    from training.progress import enrol

    work = Path(tempfile.mkdtemp(prefix="amicus-bench-offline-"))
    app = create_app({"AMICUS_ENV": "development", "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{work / 'bench.sqlite'}", "RATELIMIT_ENABLED": False,
                      "AMICUS_PASSWORD_PROFILE": "CHEAPEST", "AMICUS_TWO_FACTOR_ROLES": []})
    with app.app_context():
        db.create_all()
        specs, errors, _warnings = read_packages([ROOT / "courses" / "library"])
        assert not errors, errors
        sync_courses(specs)
        user = accounts.create_user("bench-reader", PASSWORD)
        db.session.flush()
        course = get_course(slug)
        enrol(user, course.id)
        # The whole course, as kept once every module is open to her (a sequential course opens
        # its modules one by one; what is kept grows as they open).
        from sqlalchemy import update

        from courses.models import Module

        db.session.execute(update(Module).where(Module.course_id == course.id).values(requires_previous=False))
        db.session.commit()
    client = app.test_client()
    client.post("/login", data={"handle": "bench-reader", "password": PASSWORD})
    client.post("/language", data={"lang": lang})
    manifest = client.get(f"/courses/{slug}/offline.json").get_json()
    sizes = []
    for url in manifest["urls"]:
        response = client.get(url, headers={"X-Amicus-Offline": "keep"})
        assert response.status_code == 200, (url, response.status_code)
        sizes.append((len(response.data), url))
    total = sum(size for size, _url in sizes)
    print(f"{slug} ({lang}) kept for offline reading: {len(sizes)} addresses, {total / 1024:.0f} KB downloaded "
          f"(the page estimated {manifest['bytes'] / 1024:.0f} KB); largest: "
          + ", ".join(f"{url} {size / 1024:.0f} KB" for size, url in sorted(sizes, reverse=True)[:3]))


if __name__ == "__main__":
    main()
