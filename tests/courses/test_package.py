"""Validation of course packages: every problem reported as file:line, nothing loaded."""
from pathlib import Path

import pytest

from courses.package import read_package, read_packages
from tests.conftest import write_course

pytestmark = pytest.mark.usefixtures("activity_kinds")  # each entry is read by its kind

LIBRARY = Path(__file__).resolve().parents[2] / "courses" / "library"


def errors_of(folder: Path) -> list[str]:
    spec, errors, _warnings = read_package(folder)
    assert (spec is None) == bool(errors)
    return errors


def test_a_valid_package_is_read(tmp_path):
    folder = write_course(tmp_path, modules=2, lessons=3, languages=("en", "zh"))
    spec, errors, warnings = read_package(folder)
    assert errors == [] and warnings == []
    assert [m.slug for m in spec.modules] == ["module-1", "module-2"]
    assert [m.requires_previous for m in spec.modules] == [False, True]
    lesson = spec.modules[0].activities[0]
    assert lesson.titles == {"en": "Lesson 1", "zh": "第1课"}
    assert "Body of lesson **1**." in lesson.bodies["en"]


def test_the_shipped_library_is_valid(app):  # the app registers every activity kind
    specs, errors, _warnings = read_packages([LIBRARY])
    assert errors == []
    assert "gbv-litigation" in {s.slug for s in specs}


@pytest.mark.parametrize("mutate, expected", [
    (lambda y: y.replace("track: lawyers", "track: lawyers\ntitel: oops"), "course.yaml:4: unknown key 'titel'"),
    (lambda y: y.replace("track: lawyers", "track: pilots"), "course.yaml:3: 'track' must be one of"),
    (lambda y: y.replace("summary: A course for tests.", "summary: [unclosed"), "course.yaml:3: invalid YAML"),
    (lambda y: y.replace("- lesson: 002-lesson", "- lesson: 099-missing"), "the lesson file lessons/099-missing.md does not exist"),
    (lambda y: y.replace("- lesson: 002-lesson", "- lesson: 001-lesson"), "'001-lesson' is listed twice"),
    (lambda y: y.replace("slug: module-2", "slug: module-1"), "the module slug 'module-1' is used twice"),
    (lambda y: y.replace("slug: module-2", "slug: Module Two"), "a module needs a 'slug'"),
    (lambda y: y.replace("last_reviewed: 2026-11-01", "last_reviewed: soon"), "'last_reviewed' is a date"),
    (lambda y: y.replace("languages: [en]", "languages: [en, fr]"), "'languages' is a list"),
    (lambda y: y.replace("- lesson: 001-lesson", "- title: no kind"), "course.yaml:11: each activity names exactly one kind"),
    (lambda y: y.replace("summary: A course for tests.\n", "summary: A\nsummary: B\n"), "the key 'summary' appears twice"),
])
def test_broken_course_yaml_is_reported_with_file_and_line(tmp_path, mutate, expected):
    folder = write_course(tmp_path, modules=2, lessons=2)
    yaml_path = folder / "course.yaml"
    yaml_path.write_text(mutate(yaml_path.read_text()))
    errors = errors_of(folder)
    assert any(expected in e for e in errors), errors
    assert all(e.startswith(folder.as_posix() + "/") for e in errors)
    assert all(e.split(":")[1].isdigit() for e in errors)


def test_a_lesson_without_a_title_line(tmp_path):
    folder = write_course(tmp_path)
    (folder / "lessons" / "002-lesson.md").write_text("No heading here\n")
    assert errors_of(folder) == [f"{folder.as_posix()}/lessons/002-lesson.md:1: a lesson file starts with its title as a '# Title' line"]


def test_a_lesson_that_is_not_utf8(tmp_path):
    folder = write_course(tmp_path)
    (folder / "lessons" / "001-lesson.md").write_bytes(b"# Title\n\nline two\n" + "中文".encode("gbk"))
    assert errors_of(folder) == [f"{folder.as_posix()}/lessons/001-lesson.md:4: the file is not valid UTF-8"]


def test_images_must_exist_in_assets(tmp_path):
    folder = write_course(tmp_path)
    (folder / "lessons" / "001-lesson.md").write_text(
        "# Title\n\nText\n\n![chart](assets/chart.png)\n\n![remote](https://example.org/x.png)\n")
    errors = errors_of(folder)
    assert f"{folder.as_posix()}/lessons/001-lesson.md:5: the image assets/chart.png does not exist" in errors
    assert any("001-lesson.md:7: the image 'https://example.org/x.png' must be a file" in e for e in errors)


def test_assets_are_checked_by_content(tmp_path):
    folder = write_course(tmp_path)
    (folder / "assets").mkdir()
    (folder / "assets" / "fake.png").write_bytes(b"<html>not a png</html>")
    (folder / "assets" / "evil.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    (folder / "assets" / "notes.exe").write_bytes(b"MZ")
    errors = errors_of(folder)
    assert any("assets/fake.png:1: the file's content is not a PNG image" in e for e in errors)
    assert any("assets/evil.svg:1: an SVG asset may not contain scripts" in e for e in errors)
    assert any("assets/notes.exe:1: assets may be" in e for e in errors)


def test_a_bom_and_crlf_are_accepted(tmp_path):
    folder = write_course(tmp_path)
    path = folder / "lessons" / "001-lesson.md"
    path.write_bytes(b"\xef\xbb\xbf# Windows title\r\n\r\nBody\r\n")
    spec, errors, _ = read_package(folder)
    assert errors == []
    assert spec.modules[0].activities[0].titles["en"] == "Windows title"


def test_duplicate_slugs_across_paths(tmp_path):
    one = write_course(tmp_path / "a", slug="same")
    two = write_course(tmp_path / "b", slug="same")
    _specs, errors, _ = read_packages([one, two])
    assert any("the course slug 'same' is also used by" in e for e in errors)


def test_unlisted_lesson_files_are_warned_about(tmp_path):
    folder = write_course(tmp_path)
    (folder / "lessons" / "050-draft.md").write_text("# Draft\n")
    spec, errors, warnings = read_package(folder)
    assert spec is not None and errors == []
    assert warnings == [f"{folder.as_posix()}/lessons/050-draft.md:1: not listed in course.yaml"]


def style_warnings_of(folder):
    _spec, errors, warnings = read_package(folder)
    assert errors == []
    return [w.removeprefix(folder.as_posix() + "/") for w in warnings]


def test_lessons_that_refer_to_lessons_or_modules_by_number_are_warned_about(tmp_path):
    # The course page shows titles, not numbers: "see Lesson 3" leaves the learner guessing.
    # Unless the lesson or module is titled so, as the test course's are ("Lesson 3", "Module 2").
    folder = write_course(tmp_path, languages=("en", "zh"))
    (folder / "lessons" / "001-lesson.md").write_text(
        "# Title\n\nIntro to Lesson 3.\n\nSee Lesson 7 for more, and lessons 11 and 12.\n\nThe heart of Module 5.\n")
    (folder / "lessons" / "001-lesson.zh.md").write_text(
        "# 标题\n\n见第7课。\n\n这是第二单元的核心；第四模块、第9、10课也讲到。\n", encoding="utf-8")
    warnings = style_warnings_of(folder)
    assert [w.split(": ")[0] for w in warnings] == [
        "lessons/001-lesson.md:5", "lessons/001-lesson.md:5", "lessons/001-lesson.md:7",
        "lessons/001-lesson.zh.md:3", "lessons/001-lesson.zh.md:5", "lessons/001-lesson.zh.md:5",
        "lessons/001-lesson.zh.md:5",
    ]
    assert "'Lesson 7' refers to a lesson or module by number" in warnings[0]
    assert "'lessons 11 and 12'" in warnings[1]
    assert [w.split("'")[1] for w in warnings[3:]] == ["第7课", "第二单元", "第四模块", "第9、10课"]
    assert all(w.endswith("refer to it by its title") for w in warnings)


def test_a_space_after_chinese_punctuation_is_warned_about(tmp_path):
    folder = write_course(tmp_path, languages=("en", "zh"))
    (folder / "lessons" / "001-lesson.zh.md").write_text(
        "# 标题\n\n第一句。 第二句，\t第三句：  第四句（见上文） 完。\n\n- **小标题。** 正文\n", encoding="utf-8")
    warnings = style_warnings_of(folder)
    assert warnings == [
        f"lessons/001-lesson.zh.md:{n}: a space after {p!r} shows as a gap in Chinese text: remove it"
        for n, p in [(3, "。"), (3, "，"), (3, "："), (3, "）"), (5, "。")]
    ]


def test_no_style_warning_for_ordinary_text_or_needed_spaces(tmp_path):
    quiz = "::q::{}{{\n  ={}？ -> A\n  ={}。 -> B\n  ={}） -> C\n}}\n\n::r::{{=六个月#{}。 ~三个月}}\n"
    folder = write_course(tmp_path, languages=("en", "zh"), quiz=quiz.format(*"QabcR"))
    (folder / "quizzes" / "check.zh.gift").write_text(
        "// 第二模块知识自测。 注释不显示\n" + quiz.format("配对", "她为什么不走", "甲", "乙（丙", "正确"), encoding="utf-8")
    (folder / "lessons" / "001-lesson.md").write_text(
        "# Lesson 1\n\nThis lesson has 3 parts; the module's 2 cases. Article 2 of the law (2016), "
        "chapter 4, 10 lessons in all, `see Lesson 3` in code.\n")
    (folder / "lessons" / "001-lesson.zh.md").write_text(
        "# 第1课\n\n第1课的内容：《反家庭暴力法》第二条、第三章、第二十九条第（一）项；第二课堂。\n\n"
        "| 措施 | 依据（条文） |\n| --- | --- |\n| 禁止家暴 | 第二十九条（一） |\n\n"
        "- **记者自己的创伤。**正文（见《记者自己的创伤》一课）；**甲。** **乙**。\n"
        "句末换行。  \n下一行，`代码。 片段`照常。\n\n```\n代码块。 不查\n```\n", encoding="utf-8")
    assert style_warnings_of(folder) == []


def test_the_shipped_library_has_no_numbered_references_or_stray_spaces(app):
    _specs, _errors, warnings = read_packages([LIBRARY])
    assert [w for w in warnings if "by number" in w or "a gap in Chinese" in w] == []


def test_courses_sync_check_prints_style_warnings_with_file_and_line(app, tmp_path):
    folder = write_course(tmp_path, languages=("en", "zh"))
    (folder / "lessons" / "002-lesson.zh.md").write_text("# 标题\n\n好。 见第7课。\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["courses", "sync", "--check", str(folder)])
    assert result.exit_code == 0
    assert f"warning: {folder.as_posix()}/lessons/002-lesson.zh.md:3: '第7课' refers to" in result.output
    assert f"warning: {folder.as_posix()}/lessons/002-lesson.zh.md:3: a space after '。'" in result.output
