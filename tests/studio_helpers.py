"""What the Studio's tests share: a course package imported as a Studio course with its authors,
a signed-in client, and the hash of the text a form was opened from."""
from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select

from courses.models import Course
from courses.studio import packages
from tests.conftest import login
from training.accounts import User
from training.extensions import db


def imported(app, folder: Path, admin: User, *authors: str) -> Course:
    """The package ``folder`` imported (`flask courses import`), its course managed in the Studio,
    ``authors`` (handles of trainers) made its authors by ``admin``."""
    result = app.test_cli_runner().invoke(args=["courses", "import", str(folder)])
    assert result.exit_code == 0, result.output
    course = db.session.execute(select(Course).where(Course.slug == folder.name)).scalar_one()
    for handle in authors:
        packages.grant(admin, course, handle)
    db.session.commit()
    return course


def client_of(app, handle: str):
    client = app.test_client()
    login(client, handle)
    return client


def base_of(page: str) -> str:
    """The hidden ``base`` field of a Studio form: the hash of the text it was opened from."""
    found = re.search(r'name="base" (?:type="hidden" )?value="([0-9a-f]{64})"', page) or \
        re.search(r'id="base" name="base" type="hidden" value="([0-9a-f]{64})"', page)
    assert found, page[:3000]
    return found.group(1)
