"""Syncing packages: all or nothing, by content hash, keeping progress where lessons remain."""
from pathlib import Path

import pytest
from sqlalchemy import func, select

from courses.models import Activity, Course, CourseAsset, LessonContent
from courses.package import read_packages
from courses.sync import sync_courses
from tests.conftest import write_course
from training.extensions import db
from training.progress import ActivityCompletion, enrol, mark_complete

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


def sync(*folders: Path) -> list[str]:
    specs, errors, _ = read_packages(list(folders))
    assert not errors, errors
    report = sync_courses(specs)
    db.session.commit()
    return report


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_sync_creates_then_skips_unchanged(app, tmp_path):
    folder = write_course(tmp_path, modules=2, lessons=3)
    assert sync(folder) == ["test-course: created (2 modules, 6 activities)"]
    assert sync(folder) == ["test-course: unchanged"]
    assert count(Activity) == 6 and count(LessonContent) == 6


def test_markdown_is_rendered_sanitised_once_at_sync(app, tmp_path):
    folder = write_course(tmp_path)
    (folder / "assets").mkdir()
    (folder / "assets" / "map.png").write_bytes(PNG)
    (folder / "lessons" / "001-lesson.md").write_text(
        "# Title\n\nHello <script>alert(1)</script> <b onclick=\"x()\">bold</b>\n\n"
        "![map](assets/map.png) [bad](javascript:alert(1))\n")
    sync(folder)
    html = db.session.execute(select(LessonContent.html).join(Activity).where(Activity.slug == "001-lesson")).scalar_one()
    assert "<script" not in html and "onclick" not in html and "javascript:" not in html
    assert '<img alt="map" src="/courses/test-course/assets/map.png">' in html
    assert count(CourseAsset) == 1


def test_resync_keeps_progress_on_lessons_that_remain(app, tmp_path, make_user):
    folder = write_course(tmp_path, modules=2, lessons=2)
    sync(folder)
    user = make_user("mei")
    course = db.session.execute(select(Course)).scalar_one()
    enrol(user, course.id)
    ids = {a.slug: a.id for a in db.session.execute(select(Activity)).scalars()}
    for slug in ("001-lesson", "002-lesson", "003-lesson"):
        mark_complete(user, ids[slug])
    db.session.commit()

    # Edit: lesson 002 is removed, 003 moves to module 1 and gets a new title, a lesson is added.
    yaml_path = folder / "course.yaml"
    text = yaml_path.read_text().replace("      - lesson: 002-lesson\n", "")
    text = text.replace("      - lesson: 003-lesson\n", "").replace(
        "      - lesson: 001-lesson\n", "      - lesson: 001-lesson\n      - lesson: 003-lesson\n")
    text = text.replace("      - lesson: 004-lesson\n", "      - lesson: 004-lesson\n      - lesson: 005-new\n")
    yaml_path.write_text(text)
    (folder / "lessons" / "002-lesson.md").unlink()
    (folder / "lessons" / "003-lesson.md").write_text("# Lesson three, revised\n\nNew text.\n")
    (folder / "lessons" / "005-new.md").write_text("# New lesson\n\nMore.\n")

    assert sync(folder) == ["test-course: updated to version 2 (2 modules, 4 activities, 1 removed)"]
    new_ids = {a.slug: a.id for a in db.session.execute(select(Activity).order_by(Activity.position)).scalars()}
    assert list(new_ids) == ["001-lesson", "003-lesson", "004-lesson", "005-new"]
    assert new_ids["001-lesson"] == ids["001-lesson"] and new_ids["003-lesson"] == ids["003-lesson"]
    done = set(db.session.execute(select(ActivityCompletion.activity_id)).scalars())
    assert done == {ids["001-lesson"], ids["003-lesson"]}
    titles = db.session.execute(select(Activity.titles).where(Activity.slug == "003-lesson")).scalar_one()
    assert titles == {"en": "Lesson three, revised"}


def test_a_broken_package_changes_nothing(app, tmp_path):
    good = write_course(tmp_path / "one", slug="good")
    sync(good)
    before = db.session.execute(select(Course.content_hash)).scalar_one()
    (good / "lessons" / "001-lesson.md").write_text("# Changed\n\nchanged\n")
    broken = write_course(tmp_path / "two", slug="broken")
    (broken / "course.yaml").write_text("title: [broken\n")
    specs, errors, _ = read_packages([good, broken])
    assert errors and errors[0].startswith(f"{broken.as_posix()}/course.yaml:")
    # The CLI refuses to sync anything when any package has an error.
    result = app.test_cli_runner().invoke(args=["courses", "sync", str(good), str(broken)])
    assert result.exit_code == 1
    assert "nothing was changed" in result.output
    assert db.session.execute(select(Course.content_hash)).scalar_one() == before
    assert count(Course) == 1


def test_a_failure_while_writing_rolls_everything_back(app, tmp_path, monkeypatch):
    one, two = write_course(tmp_path, slug="one"), write_course(tmp_path, slug="two")
    from courses import sync as sync_module

    calls = {"n": 0}
    original = sync_module.write_lesson

    def failing(course, activity, spec):
        calls["n"] += 1
        if course.slug == "two":
            raise RuntimeError("disk on fire")
        return original(course, activity, spec)

    monkeypatch.setattr(sync_module, "write_lesson", failing)
    result = app.test_cli_runner().invoke(args=["courses", "sync", str(one), str(two)])
    assert result.exit_code != 0
    db.session.rollback()
    assert count(Course) == 0 and count(Activity) == 0


def test_cli_sync_reports_and_check_mode(app, tmp_path):
    folder = write_course(tmp_path)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["courses", "sync", "--check", str(folder)])
    assert result.exit_code == 0 and "1 package(s) valid" in result.output
    assert count(Course) == 0
    result = runner.invoke(args=["courses", "sync", str(folder)])
    assert result.exit_code == 0 and "test-course: created" in result.output
    result = runner.invoke(args=["courses", "list"])
    assert "test-course\tv1\tlawyers\t4 activities" in result.output


def test_the_shipped_library_syncs(app):
    result = app.test_cli_runner().invoke(args=["courses", "sync"])
    assert result.exit_code == 0, result.output
    assert "gbv-litigation: created" in result.output


@pytest.mark.parametrize("path", ["assets/map.png", "map.png"])
def test_assets_are_served_from_the_database(client, tmp_path, path):
    folder = write_course(tmp_path)
    (folder / "assets").mkdir()
    (folder / "assets" / "map.png").write_bytes(PNG)
    sync(folder)
    response = client.get(f"/courses/test-course/assets/{path}")
    if path == "map.png":
        assert response.status_code == 200 and response.data == PNG
        assert response.mimetype == "image/png"
        assert "sandbox" in response.headers["Content-Security-Policy"]
        again = client.get("/courses/test-course/assets/map.png", headers={"If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304
    else:
        assert response.status_code == 404
