"""The Studio's first part (issue #19): a course's package stored as versions in the database,
`flask courses export` and `courses import` (a folder or a ZIP, checked as `sync` checks), a
course managed either from files or in the Studio (the other way refused unless forced), and the
Studio pages: publish a ZIP, see and download versions, authors granted by an admin."""
from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import func, select

from courses.models import Course
from courses.studio import packages
from courses.studio.models import CourseAuthor, PackageVersion
from tests.conftest import login, write_course
from training.accounts import find_user
from training.audit import AuditEntry
from training.extensions import db


def _zip(folder, top: str | None = None, extra: dict[str, bytes] | None = None) -> bytes:
    """A ZIP of a package folder, with ``top`` as its one top folder (default: the folder's name)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            name = path.relative_to(folder).as_posix()
            archive.writestr(f"{top or folder.name}/{name}" if top != "" else name, path.read_bytes())
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _versions(slug: str) -> list[tuple[int, str]]:
    return db.session.execute(select(PackageVersion.number, PackageVersion.source)
                              .where(PackageVersion.slug == slug).order_by(PackageVersion.number)).all()


def test_sync_stores_a_version_export_writes_it_and_import_brings_it_back(app, tmp_path):
    folder = write_course(tmp_path / "src", slug="pkg-course", modules=1, lessons=2)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["courses", "sync", str(folder)]).exit_code == 0
    assert runner.invoke(args=["courses", "sync", str(folder)]).exit_code == 0  # unchanged: no new version
    assert _versions("pkg-course") == [(1, "sync")]

    out = tmp_path / "out"
    exported = runner.invoke(args=["courses", "export", "pkg-course", str(out)])
    assert exported.exit_code == 0, exported.output
    copy = out / "pkg-course"
    assert sorted(p.relative_to(copy).as_posix() for p in copy.rglob("*") if p.is_file()) == \
        sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert (copy / "course.yaml").read_bytes() == (folder / "course.yaml").read_bytes()
    assert runner.invoke(args=["courses", "export", "pkg-course", str(out)]).exit_code != 0  # never overwrites

    # Edit a lesson of the copy and bring it back: a course managed from files is not replaced...
    lesson = sorted((copy / "lessons").glob("*.md"))[0]
    lesson.write_text(lesson.read_text() + "\nA paragraph added in the copy.\n")
    refused = runner.invoke(args=["courses", "import", str(copy)])
    assert refused.exit_code != 0 and "managed from files" in refused.output
    assert _versions("pkg-course") == [(1, "sync")]
    # ... unless forced; then it is managed in the Studio, and `sync` of the files is refused.
    forced = runner.invoke(args=["courses", "import", "--force", str(copy)])
    assert forced.exit_code == 0, forced.output
    assert _versions("pkg-course") == [(1, "sync"), (2, "import")]
    course = db.session.execute(select(Course).where(Course.slug == "pkg-course")).scalar_one()
    assert course.managed == "studio" and course.version == 2
    row = packages.latest("pkg-course")
    assert row.changes == {"added": [], "removed": [], "changed": [f"lessons/{lesson.name}"]}
    again = runner.invoke(args=["courses", "sync", str(folder)])
    assert again.exit_code != 0 and "managed in the Studio (version 2)" in again.output
    assert runner.invoke(args=["courses", "sync", "--force", str(folder)]).exit_code == 0
    db.session.expire_all()
    assert _versions("pkg-course")[-1] == (3, "sync")
    assert db.session.execute(select(Course.managed).where(Course.slug == "pkg-course")).scalar_one() == "files"


def test_a_zip_is_imported_whole_and_bad_ones_change_nothing(app, tmp_path):
    folder = write_course(tmp_path / "src", slug="zip-course", modules=1, lessons=1)
    runner = app.test_cli_runner()
    good = tmp_path / "good.zip"
    good.write_bytes(_zip(folder))
    result = runner.invoke(args=["courses", "import", str(good)])
    assert result.exit_code == 0, result.output
    assert "zip-course: version 1 stored" in result.output
    assert db.session.execute(select(Course.managed).where(Course.slug == "zip-course")).scalar_one() == "studio"

    broken = write_course(tmp_path / "broken", slug="zip-course", modules=1, lessons=1)
    (broken / "course.yaml").write_text((broken / "course.yaml").read_text().replace("track: lawyers", "track: pilots"))
    cases = {
        "not-a-zip.zip": b"plain text",
        "flat.zip": _zip(folder, top=""),
        "escape.zip": _zip(folder, extra={"../evil.txt": b"x"}),
        "two.zip": _zip(folder, extra={"other/file.txt": b"x"}),
        "broken.zip": _zip(broken),
    }
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        refused = runner.invoke(args=["courses", "import", str(path)])
        assert refused.exit_code != 0, name
    assert "track" in runner.invoke(args=["courses", "import", str(tmp_path / "broken.zip")]).output
    assert _versions("zip-course") == [(1, "import")]
    assert db.session.execute(select(Course.version).where(Course.slug == "zip-course")).scalar_one() == 1


def test_an_oversized_zip_is_refused_while_unpacking(app, tmp_path, monkeypatch):
    folder = write_course(tmp_path / "src", slug="big-course", modules=1, lessons=1)
    monkeypatch.setattr(packages, "MAX_UNPACKED", 200)
    with pytest.raises(packages.PackageRefusal, match="too large"), packages.unpacked(_zip(folder)):
        pass


def _upload(client, data: bytes, name="package.zip", force=False):
    form = {"package": (io.BytesIO(data), name)}
    if force:
        form["force"] = "y"
    return client.post("/studio", data=form, content_type="multipart/form-data")


def test_a_trainer_publishes_a_new_course_and_only_its_authors_publish_again(app, make_user, tmp_path):
    make_user("tess", role="trainer")
    make_user("tom", role="trainer")
    make_user("root", role="admin")
    make_user("mei")
    folder = write_course(tmp_path / "src", slug="studio-course", modules=1, lessons=1)
    tess = app.test_client()
    login(tess, "tess")
    published = _upload(tess, _zip(folder))
    assert published.status_code == 302 and published.headers["Location"].endswith("/studio/studio-course")
    page = tess.get("/studio/studio-course").get_data(as_text=True)
    assert "Published “studio-course” as version 1." in page and "tess" in page
    course = db.session.execute(select(Course).where(Course.slug == "studio-course")).scalar_one()
    # She created it, so she (and only she) is its author.
    assert db.session.execute(select(CourseAuthor.user_id).where(CourseAuthor.course_id == course.id)).scalars().all() \
        == [find_user("tess").id]
    assert tess.get("/courses/studio-course").status_code == 200  # in the catalogue
    zipped = tess.get("/studio/studio-course/versions/1.zip")
    assert zipped.status_code == 200 and zipped.data == packages.latest("studio-course").archive
    assert db.session.execute(select(AuditEntry.action)).scalars().all().count("course.publish") == 1

    # Another trainer is no author: no page, no download, no new version.
    tom = app.test_client()
    login(tom, "tom")
    assert tom.get("/studio/studio-course").status_code == 403
    assert tom.get("/studio/studio-course/versions/1.zip").status_code == 403
    assert _upload(tom, _zip(folder)).status_code == 403
    participant = app.test_client()
    login(participant, "mei")
    assert participant.get("/studio").status_code == 403
    assert _upload(participant, _zip(folder)).status_code == 403
    assert _versions("studio-course") == [(1, "upload")]

    # An admin makes him an author; his edit is published as version 2.
    root = app.test_client()
    login(root, "root")
    assert root.post("/studio/studio-course/authors", data={"handle": "tom"}).status_code == 302
    assert "studio-course" in tom.get("/studio").get_data(as_text=True)
    lesson = sorted((folder / "lessons").glob("*.md"))[0]
    lesson.write_text(lesson.read_text() + "\nRevised.\n")
    assert _upload(tom, _zip(folder)).status_code == 302
    assert _versions("studio-course") == [(1, "upload"), (2, "upload")]
    assert "<td>2 · " in tess.get("/studio").get_data(as_text=True)  # her list shows the newest version
    # A trainer may not grant authorship.
    assert tess.post("/studio/studio-course/authors", data={"handle": "mei"}).status_code == 403


def test_a_package_with_problems_is_listed_and_nothing_is_published(app, make_user, tmp_path):
    make_user("tess", role="trainer")
    folder = write_course(tmp_path / "src", slug="bad-course", modules=1, lessons=1)
    (folder / "course.yaml").write_text((folder / "course.yaml").read_text().replace("track: lawyers", "track: pilots"))
    tess = app.test_client()
    login(tess, "tess")
    page = _upload(tess, _zip(folder))
    text = page.get_data(as_text=True)
    assert page.status_code == 422 and "nothing was published" in text and "bad-course/course.yaml" in text
    assert _upload(tess, b"not a zip").status_code == 422
    assert db.session.execute(select(func.count(PackageVersion.id))).scalar_one() == 0
    assert db.session.execute(select(func.count(Course.id)).where(Course.slug == "bad-course")).scalar_one() == 0


def test_publishing_over_a_course_managed_from_files_needs_an_admin_and_force(app, make_user, tmp_path):
    make_user("root", role="admin")
    folder = write_course(tmp_path / "src", slug="files-course", modules=1, lessons=1)
    assert app.test_cli_runner().invoke(args=["courses", "sync", str(folder)]).exit_code == 0
    root = app.test_client()
    login(root, "root")
    refused = _upload(root, _zip(folder))
    assert refused.status_code == 422 and "is managed from files" in refused.get_data(as_text=True)
    assert _upload(root, _zip(folder), force=True).status_code == 302
    assert _versions("files-course") == [(1, "sync"), (2, "upload")]


def test_a_trainer_creates_a_course_from_nothing(app, make_user):
    make_user("tess", role="trainer")
    make_user("mei")
    tess = app.test_client()
    login(tess, "tess")
    data = {"slug": "safety-planning", "title_en": "Safety planning", "title_zh": "安全计划", "track": "ngos"}
    for bad, message in (({"slug": "Safety Planning!"}, "Use lowercase letters"), ({"title_en": ""}, "This field is required"),
                         ({"track": "pilots"}, "Not a valid choice")):
        page = tess.post("/studio/new", data={**data, **bad})
        assert page.status_code == 422 and message in page.get_data(as_text=True), bad
    assert db.session.execute(select(func.count(Course.id))).scalar_one() == 0
    created = tess.post("/studio/new", data=data)
    assert created.status_code == 302 and created.headers["Location"].endswith("/studio/safety-planning/files")
    course = db.session.execute(select(Course).where(Course.slug == "safety-planning")).scalar_one()
    assert course.languages == ["en", "zh"] and course.titles == {"en": "Safety planning", "zh": "安全计划"}
    assert course.managed == "studio" and course.track == "ngos" and _versions("safety-planning") == [(1, "studio")]
    assert db.session.execute(select(CourseAuthor.user_id).where(CourseAuthor.course_id == course.id)).scalars().all() \
        == [find_user("tess").id]
    files = tess.get("/studio/safety-planning/files").get_data(as_text=True)
    for path in ("course.yaml", "lessons/01-introduction.md", "lessons/01-introduction.zh.md", "quizzes/01-check.gift",
                 "quizzes/01-check.zh.gift", "surveys/safety-planning.yaml"):
        assert path in files, path
    again = tess.post("/studio/new", data=data)
    assert again.status_code == 422 and "There is a course with this name already" in again.get_data(as_text=True)
    mei = app.test_client()
    login(mei, "mei")
    assert mei.post("/studio/new", data={**data, "slug": "other"}).status_code == 403
