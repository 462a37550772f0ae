"""Editing a course in the Studio (courses/studio/drafts.py): drafts of its files, a preview
through the published lessons' renderer, publishing all drafts as one checked version, and two
authors saving the same file (the second save refused, both texts shown, nothing lost)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from courses.models import Course, LessonContent
from courses.studio import drafts, packages
from courses.studio.models import StudioDraft
from tests.conftest import write_course
from tests.studio_helpers import base_of, client_of, imported
from training.extensions import db


@pytest.fixture
def studio(app, make_user, tmp_path):
    """A bilingual course published in the Studio by tess; tom is a second author."""
    make_user("tess", role="trainer")
    make_user("tom", role="trainer")
    make_user("other", role="trainer")
    root = make_user("root", role="admin")
    folder = write_course(tmp_path / "src", slug="draft-course", modules=1, lessons=2, languages=("en", "zh"))
    (folder / "lessons" / "002-lesson.zh.md").unlink()  # one translation missing
    return imported(app, folder, root, "tess", "tom")


def test_an_author_edits_a_lesson_previews_it_and_publishes_the_draft(app, studio):
    tess = client_of(app, "tess")
    listing = tess.get("/studio/draft-course/files").get_data(as_text=True)
    assert "lessons/001-lesson.md" in listing and "lessons/001-lesson.zh.md" in listing
    assert "No translation yet: zh" in listing  # 002 has no Chinese file

    page = tess.get("/studio/draft-course/edit/lessons/001-lesson.md").get_data(as_text=True)
    base = base_of(page)
    text = "# Lesson one, revised\n\nA *new* paragraph.\n\n<script>alert(1)</script>\n"
    preview = tess.post("/studio/draft-course/edit/lessons/001-lesson.md",
                        data={"text": text, "base": base, "preview": "Preview"}).get_data(as_text=True)
    assert "<em>new</em>" in preview and "<script>alert(1)</script>" not in preview  # the same sanitiser
    assert db.session.execute(select(func.count()).select_from(StudioDraft)).scalar_one() == 0  # a preview saves nothing

    saved = tess.post("/studio/draft-course/edit/lessons/001-lesson.md",
                      data={"text": text, "base": base, "save": "Save draft"})
    assert saved.status_code == 302
    assert "A draft: not published yet." in tess.get("/studio/draft-course/edit/lessons/001-lesson.md").get_data(as_text=True)
    # Participants see nothing of it yet.
    assert "A new paragraph" not in " ".join(db.session.execute(select(LessonContent.html)).scalars())

    published = tess.post("/studio/draft-course/publish")
    assert published.status_code == 302
    db.session.expire_all()
    course = db.session.get(Course, studio.id)
    assert course.version == 2 and packages.latest("draft-course").source == "studio"
    assert packages.latest("draft-course").changes["changed"] == ["lessons/001-lesson.md"]
    assert any("A <em>new</em> paragraph." in html for html in db.session.execute(select(LessonContent.html)).scalars())
    assert db.session.execute(select(func.count()).select_from(StudioDraft)).scalar_one() == 0


def test_a_draft_that_breaks_the_course_is_reported_on_its_file_and_nothing_is_published(app, studio):
    tess = client_of(app, "tess")
    page = tess.get("/studio/draft-course/edit/course.yaml").get_data(as_text=True)
    text, _ = drafts.current_text(studio, "course.yaml")
    broken = text.replace("track: lawyers", "track: pilots")
    assert tess.post("/studio/draft-course/edit/course.yaml", data={
        "text": broken, "base": base_of(page), "save": "Save draft"}).status_code == 302
    refused = tess.post("/studio/draft-course/publish")
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "draft-course/course.yaml" in body and "Edit this file" in body
    db.session.expire_all()
    assert db.session.get(Course, studio.id).version == 1 and packages.latest("draft-course").number == 1
    assert db.session.get(StudioDraft, ("draft-course", "course.yaml")).text == broken  # the draft is kept
    assert tess.post("/studio/draft-course/discard/course.yaml").status_code == 302
    assert db.session.get(StudioDraft, ("draft-course", "course.yaml")) is None


def test_two_authors_save_the_same_file_the_second_is_refused_and_sees_both(app, studio):
    tess, tom = client_of(app, "tess"), client_of(app, "tom")
    path = "/studio/draft-course/edit/lessons/001-lesson.md"
    base_tess = base_of(tess.get(path).get_data(as_text=True))
    base_tom = base_of(tom.get(path).get_data(as_text=True))
    assert tess.post(path, data={"text": "# One\n\nTess's words.\n", "base": base_tess, "save": "y"}).status_code == 302
    clash = tom.post(path, data={"text": "# One\n\nTom's words.\n", "base": base_tom, "save": "y"})
    body = clash.get_data(as_text=True)
    assert clash.status_code == 409 and "Someone saved this file after you opened it." in body
    assert "Tom&#39;s words." in body and "Tess&#39;s words." in body  # his text kept, hers beside it
    assert db.session.get(StudioDraft, ("draft-course", "lessons/001-lesson.md")).text == "# One\n\nTess's words.\n"
    # Saving again from the page he was shown (he has seen hers) goes through.
    merged_base = base_of(body)
    assert tom.post(path, data={"text": "# One\n\nBoth.\n", "base": merged_base, "save": "y"}).status_code == 302


def test_who_may_edit(app, studio, make_user):
    make_user("mei")
    for handle, status in (("other", 403), ("mei", 403), ("root", 200), ("tess", 200)):
        assert client_of(app, handle).get("/studio/draft-course/files").status_code == status, handle
    other = client_of(app, "other")
    assert other.post("/studio/draft-course/edit/lessons/001-lesson.md",
                      data={"text": "x", "base": "0" * 64, "save": "y"}).status_code == 403
    assert other.post("/studio/draft-course/publish").status_code == 403
    tess = client_of(app, "tess")
    assert tess.get("/studio/draft-course/edit/../../etc/passwd").status_code == 404
    assert tess.get("/studio/draft-course/edit/assets/none.png").status_code == 404
    assert tess.get("/studio/draft-course/edit/lessons/nothing.md").status_code == 404
    assert tess.post("/studio/draft-course/publish", follow_redirects=True).status_code == 200  # no drafts: told
    assert tess.post("/studio/draft-course/adopt").status_code == 403  # admins only


def test_a_course_from_files_is_edited_only_after_an_admin_moves_it(app, make_user, tmp_path):
    make_user("root", role="admin")
    folder = write_course(tmp_path / "src", slug="lib-course", modules=1, lessons=1)
    assert app.test_cli_runner().invoke(args=["courses", "sync", str(folder)]).exit_code == 0
    root = client_of(app, "root")
    path = "/studio/lib-course/edit/lessons/001-lesson.md"
    base = base_of(root.get(path).get_data(as_text=True))
    refused = root.post(path, data={"text": "# T\n\nx\n", "base": base, "save": "y"})
    assert refused.status_code == 422 and "managed from files" in refused.get_data(as_text=True)
    assert root.post("/studio/lib-course/adopt").status_code == 302
    assert db.session.execute(select(Course.managed).where(Course.slug == "lib-course")).scalar_one() == "studio"
    assert root.post(path, data={"text": "# T\n\nx\n", "base": base, "save": "y"}).status_code == 302
    sync = app.test_cli_runner().invoke(args=["courses", "sync", str(folder)])
    assert sync.exit_code != 0 and "managed in the Studio" in sync.output


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 3), (120, 40, 140)).save(out, "PNG")
    return out.getvalue()


PNG = _png()


def _docx(title: str, paragraph: str) -> bytes:
    """A real Word document (python-docx): a heading, a paragraph with bold, a list, a table, an image."""
    import io

    import docx

    document = docx.Document()
    document.add_heading(title, level=1)
    para = document.add_paragraph(paragraph + " ")
    para.add_run("Evidence").bold = True
    document.add_heading("What to collect", level=2)
    for item in ("Medical records", "Messages"):
        document.add_paragraph(item, style="List Bullet")
    table = document.add_table(rows=2, cols=2)
    for (r, c), text in {(0, 0): "Order", (0, 1): "Days", (1, 0): "Personal safety", (1, 1): "3"}.items():
        table.cell(r, c).text = text
    document.add_picture(io.BytesIO(PNG))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_a_word_chapter_becomes_a_lesson_in_each_language_with_its_image(app, studio):
    import io

    tess = client_of(app, "tess")
    imported = tess.post("/studio/draft-course/word", content_type="multipart/form-data", data={
        "document": (io.BytesIO(_docx("Collecting evidence", "Courts accept many kinds of proof.")), "chapter.docx"),
        "lesson": "003-evidence", "language": "en"})
    assert imported.status_code == 302 and imported.headers["Location"].endswith("/edit/lessons/003-evidence.md")
    lesson = db.session.get(StudioDraft, ("draft-course", "lessons/003-evidence.md")).text
    assert lesson.startswith("# Collecting evidence\n")
    assert "**Evidence**" in lesson and "## What to collect" in lesson and "- Medical records" in lesson
    assert "| Order | Days |\n| --- | --- |\n| Personal safety | 3 |" in lesson
    assert "![](assets/003-evidence-en-1.png)" in lesson
    assert db.session.get(StudioDraft, ("draft-course", "assets/003-evidence-en-1.png")).data == PNG
    zh = tess.post("/studio/draft-course/word", content_type="multipart/form-data", data={
        "document": (io.BytesIO(_docx("收集证据", "法院接受多种证据。")), "第三章.docx"),
        "lesson": "003-evidence", "language": "zh"})
    assert zh.status_code == 302
    assert db.session.get(StudioDraft, ("draft-course", "lessons/003-evidence.zh.md")).text.startswith("# 收集证据\n")

    # List it in course.yaml, publish: the new lesson, in both languages, with its image.
    path = "/studio/draft-course/edit/course.yaml"
    yaml, _ = drafts.current_text(studio, "course.yaml")
    yaml = yaml.replace("      - lesson: 001-lesson\n", "      - lesson: 001-lesson\n      - lesson: 003-evidence\n")
    assert tess.post(path, data={"text": yaml, "base": base_of(tess.get(path).get_data(as_text=True)),
                                 "save": "y"}).status_code == 302
    published = tess.post("/studio/draft-course/publish")
    assert published.status_code == 302, published.get_data(as_text=True)[-3000:]
    html = tess.get("/courses/draft-course/lessons/003-evidence").get_data(as_text=True)
    assert "<strong>Evidence</strong>" in html and "<table>" in html and "/courses/draft-course/assets/003-evidence-en-1.png" in html
    assert tess.get("/courses/draft-course/assets/003-evidence-en-1.png").data == PNG


def test_what_is_not_a_word_document_is_refused(app, studio):
    import io

    tess = client_of(app, "tess")
    for data, lesson in ((b"plain text", "003-x"), (b"PK\x03\x04broken", "003-x"), (_docx("T", "x"), "Bad Name!")):
        page = tess.post("/studio/draft-course/word", content_type="multipart/form-data", data={
            "document": (io.BytesIO(data), "x.docx"), "lesson": lesson, "language": "en"})
        assert page.status_code == 422
    assert db.session.execute(select(func.count()).select_from(StudioDraft)).scalar_one() == 0


def test_footnotes_become_markdown_footnotes():
    from courses.studio.word import html_to_markdown

    html = ('<p>Orders last six months<sup><a href="#footnote-1" id="footnote-ref-1">[1]</a></sup>.</p>'
            '<ol><li id="footnote-1"><p>Anti-Domestic Violence Law, art. 30. <a href="#footnote-ref-1">↑</a></p></li></ol>')
    text = html_to_markdown(html)
    assert "Orders last six months[^1]." in text and "[^1]: Anti-Domestic Violence Law, art. 30." in text
    from training.markdown import render_markdown

    rendered = render_markdown("# T\n\n" + text)
    assert "<sup" in rendered and "Anti-Domestic Violence Law" in rendered and "↑" not in text


def test_two_versions_compared_and_an_old_one_restored_as_drafts(app, studio):
    tess = client_of(app, "tess")
    path = "/studio/draft-course/edit/lessons/001-lesson.md"
    original, _ = drafts.current_text(studio, "lessons/001-lesson.md")
    assert tess.post(path, data={"text": "# Lesson one\n\nRewritten entirely.\n",
                                 "base": base_of(tess.get(path).get_data(as_text=True)), "save": "y"}).status_code == 302
    assert tess.post("/studio/draft-course/publish").status_code == 302
    page = tess.get("/studio/draft-course/compare?from=1&to=2").get_data(as_text=True)
    assert "lessons/001-lesson.md" in page and "<ins>+Rewritten entirely.</ins>" in page
    assert "course.yaml" not in page.split("<h1>")[1].split("</h1>")[0]
    assert tess.get("/studio/draft-course/compare?from=1&to=9").status_code == 404
    assert tess.get("/studio/draft-course/compare?from=x").status_code == 400

    restored = tess.post("/studio/draft-course/versions/1/restore")
    assert restored.status_code == 302
    assert db.session.get(StudioDraft, ("draft-course", "lessons/001-lesson.md")).text == original
    assert tess.post("/studio/draft-course/publish").status_code == 302
    db.session.expire_all()
    assert packages.latest("draft-course").number == 3
    assert drafts.current_text(db.session.get(Course, studio.id), "lessons/001-lesson.md")[0] == original
    assert tess.post("/studio/draft-course/versions/99/restore").status_code == 404
    assert client_of(app, "other").post("/studio/draft-course/versions/1/restore").status_code == 403


def test_an_image_is_added_as_a_draft_and_published_with_the_lesson(app, studio):
    import io

    tess = client_of(app, "tess")
    bad = [(PNG, "Photo 1!.png", "Name the image"), (b"GIF89a" + b"x" * 10, "chart.png", "not the image its name says")]
    for data, name, message in bad:
        page = tess.post("/studio/draft-course/images", content_type="multipart/form-data",
                         data={"image": (io.BytesIO(data), name)})
        assert page.status_code == 422 and message in page.get_data(as_text=True), name
    # Too large: checked in the service (a body this size through the test client would be spooled
    # to a temporary file that the client never closes).
    from training.accounts import find_user
    from training.refusals import Refusal

    with pytest.raises(Refusal, match="at most 2 MB"):
        drafts.upload_image(find_user("tess"), studio, "big.png", b"\x89PNG\r\n\x1a\n" + b"0" * (2 * 1024 * 1024))
    db.session.rollback()
    added = tess.post("/studio/draft-course/images", content_type="multipart/form-data",
                      data={"image": (io.BytesIO(PNG), "court-map.png")}, follow_redirects=True)
    assert "![a short description](assets/court-map.png)" in added.get_data(as_text=True)
    assert db.session.get(StudioDraft, ("draft-course", "assets/court-map.png")).data == PNG
    path = "/studio/draft-course/edit/lessons/001-lesson.md"
    assert tess.post(path, data={"text": "# Lesson one\n\n![The court](assets/court-map.png)\n",
                                 "base": base_of(tess.get(path).get_data(as_text=True)), "save": "y"}).status_code == 302
    assert tess.post("/studio/draft-course/publish").status_code == 302
    assert tess.get("/courses/draft-course/assets/court-map.png").data == PNG


def _bases(page: str) -> dict[str, str]:
    return dict(re.findall(r'name="base-([a-z]{2})" value="([0-9a-f]{64})"', page))


def test_a_lesson_in_both_languages_side_by_side_a_missing_translation_written_there(app, studio):
    tess = client_of(app, "tess")
    listing = tess.get("/studio/draft-course/files").get_data(as_text=True)
    assert "/studio/draft-course/lesson/002-lesson" in listing and "Both languages side by side" in listing
    path = "/studio/draft-course/lesson/002-lesson"
    page = tess.get(path).get_data(as_text=True)
    assert "lessons/002-lesson.zh.md" in page and "No translation yet: write it here." in page
    bases = _bases(page)
    assert set(bases) == {"en", "zh"} and bases["zh"] == drafts.text_hash("")
    english, _ = drafts.current_text(studio, "lessons/002-lesson.md")
    data = {"text-en": english, "base-en": bases["en"], "text-zh": "# 第二课\n\n**新的**中文内容。\n", "base-zh": bases["zh"]}
    preview = tess.post(path, data={**data, "preview": "y"}).get_data(as_text=True)
    assert "<strong>新的</strong>" in preview and db.session.execute(select(func.count()).select_from(StudioDraft)).scalar_one() == 0
    assert tess.post(path, data={**data, "save": "y"}).status_code == 302
    # Only the text that changed became a draft.
    assert [row.path for row in db.session.execute(select(StudioDraft)).scalars()] == ["lessons/002-lesson.zh.md"]
    assert "No translation yet: zh" not in tess.get("/studio/draft-course/files").get_data(as_text=True)
    assert tess.post("/studio/draft-course/publish").status_code == 302
    assert any("<strong>新的</strong>" in html for html in db.session.execute(
        select(LessonContent.html).where(LessonContent.lang == "zh")).scalars())


def test_side_by_side_saves_both_or_neither_and_a_conflict_shows_the_text_saved(app, studio):
    tess, tom = client_of(app, "tess"), client_of(app, "tom")
    path = "/studio/draft-course/lesson/001-lesson"
    bases = _bases(tess.get(path).get_data(as_text=True))
    # Tom saves the Chinese file after Tess opened the page.
    zh_path = "/studio/draft-course/edit/lessons/001-lesson.zh.md"
    assert tom.post(zh_path, data={"text": "# 一\n\n汤姆的文字。\n", "base": base_of(tom.get(zh_path).get_data(as_text=True)),
                                   "save": "y"}).status_code == 302
    clash = tess.post(path, data={"text-en": "# One\n\nTess's English.\n", "base-en": bases["en"],
                                  "text-zh": "# 一\n\n苔丝的文字。\n", "base-zh": bases["zh"], "save": "y"})
    body = clash.get_data(as_text=True)
    assert clash.status_code == 409 and "Someone saved this file after you opened it." in body
    assert "汤姆的文字" in body and "苔丝的文字" in body and "Tess&#39;s English." in body
    # Neither of hers was saved: the English file is not a draft, the Chinese one is still Tom's.
    assert db.session.get(StudioDraft, ("draft-course", "lessons/001-lesson.md")) is None
    assert "汤姆" in db.session.get(StudioDraft, ("draft-course", "lessons/001-lesson.zh.md")).text
    again = _bases(body)
    assert tess.post(path, data={"text-en": "# One\n\nTess's English.\n", "base-en": again["en"],
                                 "text-zh": "# 一\n\n两人的文字。\n", "base-zh": again["zh"], "save": "y"}).status_code == 302
    assert "两人" in db.session.get(StudioDraft, ("draft-course", "lessons/001-lesson.zh.md")).text
    assert tess.get("/studio/draft-course/lesson/no-such-lesson").status_code == 404
    assert client_of(app, "other").get(path).status_code == 403
    assert tess.post(path, data={"text-en": "# Gone", "save": "y"}).status_code == 400  # a text missing: not emptied
    assert "两人" in db.session.get(StudioDraft, ("draft-course", "lessons/001-lesson.zh.md")).text


def test_the_whole_course_previewed_with_its_drafts_in_each_language(app, studio):
    tess = client_of(app, "tess")
    path = "/studio/draft-course/edit/lessons/001-lesson.md"
    assert tess.post("/studio/draft-course/images", content_type="multipart/form-data",
                     data={"image": (__import__("io").BytesIO(PNG), "court-map.png")}).status_code == 302
    assert tess.post(path, data={"text": "# A drafted title\n\n![The court](assets/court-map.png)\n",
                                 "base": base_of(tess.get(path).get_data(as_text=True)), "save": "y"}).status_code == 302
    page = tess.get("/studio/draft-course/preview?lang=en").get_data(as_text=True)
    assert "A drafted title" in page and "Nothing here is published or counted." in page
    assert "/studio/draft-course/preview/001-lesson" in page
    lesson = tess.get("/studio/draft-course/preview/001-lesson?lang=en").get_data(as_text=True)
    assert 'src="/studio/draft-course/draft/assets/court-map.png"' in lesson
    assert tess.get("/studio/draft-course/draft/assets/court-map.png").data == PNG  # the draft image, unpublished
    assert tess.get("/studio/draft-course/draft/course.yaml").status_code == 404  # images only
    assert "Next lesson" in lesson
    chinese = tess.get("/studio/draft-course/preview/002-lesson?lang=zh").get_data(as_text=True)
    assert "This lesson has no translation yet" in chinese
    # Participants see none of it; a draft that breaks the course shows its problems instead.
    assert "A drafted title" not in " ".join(db.session.execute(select(LessonContent.html)).scalars())
    yaml_path = "/studio/draft-course/edit/course.yaml"
    text, _ = drafts.current_text(studio, "course.yaml")
    tess.post(yaml_path, data={"text": text.replace("track: lawyers", "track: pilots"),
                               "base": base_of(tess.get(yaml_path).get_data(as_text=True)), "save": "y"})
    broken = tess.get("/studio/draft-course/preview").get_data(as_text=True)
    assert "fix them to see the preview" in broken and "draft-course/course.yaml" in broken
    assert tess.get("/studio/draft-course/preview/001-lesson").status_code == 302
    assert client_of(app, "other").get("/studio/draft-course/preview").status_code == 403
    assert tess.get("/studio/draft-course/preview/nope?lang=en").status_code == 302


def test_the_author_of_another_course_is_refused_at_every_studio_address_of_this_one(app, studio, tmp_path):
    """Authorship is per course: "other" authors a course of his own, and every address under
    /studio/<slug>/ of this course (each form editor's too, any method) answers him 403."""
    from flask import url_for

    from training.accounts import find_user

    other_course = write_course(tmp_path / "other", slug="other-course", modules=1, lessons=1)
    imported(app, other_course, find_user("root"), "other")
    values = {"path": "course.yaml", "stem": "001-lesson", "activity": "001-lesson", "number": 1, "kind": "single",
              "m": 0, "a": 0, "action": "up", "user_id": 1}
    other, tess = client_of(app, "other"), client_of(app, "tess")
    assert other.get("/studio/other-course/files").status_code == 200  # his own course opens
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/studio/<slug>"):
            continue
        with app.test_request_context():
            url = url_for(rule.endpoint, slug="draft-course", **{k: values[k] for k in rule.arguments if k != "slug"})
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            assert other.open(url, method=method).status_code == 403, (method, url)
            if rule.endpoint not in ("studio.add_author", "studio.remove_author", "studio.adopt"):  # admins' only
                assert tess.open(url, method=method).status_code != 403, (method, url)
            checked += 1
    assert checked > 40  # the Studio's own pages and every kind's form editor
