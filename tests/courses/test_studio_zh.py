"""The Studio in Chinese: every page an author opens (the files, the text and side-by-side
editors, the previews, and each kind's form editor with every question kind and item template)
shows no English word besides the course's own texts, file names and format names."""
from __future__ import annotations

import pytest

from quizzes.questions import KINDS
from quizzes.surveys.studio import TEMPLATES
from tests.conftest import QUIZ_GIFT, SURVEY_YAML, write_course
from tests.courses.cases.helpers import case_files
from tests.studio_helpers import client_of, imported
from tests.training.test_no_english_in_chinese import ALLOWED, CODES, data_words, visible_words

# The course's file names, and the author's handle.
NAMES = {"lesson", "check", "instrument", "moot", "course", "zh", "en", "tess"}


@pytest.fixture
def course(app, make_user, tmp_path):
    make_user("tess", role="trainer")
    root = make_user("root", role="admin")
    folder = write_course(tmp_path / "src", slug="zh-course", modules=1, lessons=2, languages=("en", "zh"),
                          quiz=QUIZ_GIFT, surveys=SURVEY_YAML, case=case_files())
    return imported(app, folder, root, "tess"), folder


def test_every_studio_page_an_author_opens_is_chinese(app, course):
    _course, folder = course
    base = "/studio/zh-course"
    pages = ["/studio", base, f"{base}/files", f"{base}/edit/lessons/001-lesson.md", f"{base}/lesson/001-lesson",
             f"{base}/preview?lang=zh", f"{base}/preview/001-lesson?lang=zh", f"{base}/compare",
             f"{base}/quiz/quizzes/check.gift", f"{base}/quiz-question/1/quizzes/check.gift",
             f"{base}/survey/surveys/instrument.yaml", f"{base}/survey-item/surveys/instrument.yaml?item=0",
             f"{base}/case/cases/moot/case.yaml", f"{base}/outline", f"{base}/outline/modules/0"]
    pages += [f"{base}/quiz-question/new/{kind}/quizzes/check.gift" for kind in KINDS]
    pages += [f"{base}/survey-item/surveys/instrument.yaml?new={name}" for name in TEMPLATES]
    pages += [f"{base}/outline/modules/0/activities/{n}" for n in range(6)]  # two lessons, the quiz, two surveys, the case
    allowed = ALLOWED | CODES | NAMES | data_words(folder.parent, {})
    tess, problems = client_of(app, "tess"), []
    for path in pages:
        response = tess.get(path, headers={"Accept-Language": "zh-CN,zh;q=0.9"})
        assert response.status_code == 200, (path, response.status_code)
        english = sorted(visible_words(response.get_data(as_text=True)) - allowed)
        if english:
            problems.append(f"{path}: {english}")
    assert not problems, "\n".join(problems)
