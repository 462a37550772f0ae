"""A new course from nothing: the smallest complete package, in one or two languages, for an
author to fill in the Studio. One module with a pre-survey, a lesson, a quiz and a post-survey;
completing the lesson and the quiz earns a certificate (surveys stay voluntary, as in every
Amicus course: docs/surveys.md). Every file is an ordinary package file, edited like the rest."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml


def _both(en: str, zh: str, languages: list[str]) -> dict[str, str]:
    return {"en": en, "zh": zh} if "zh" in languages else {"en": en}


def write(root: Path, titles: dict[str, str], summaries: dict[str, str], track: str) -> None:
    """Write the package into ``root`` (its name is the course's slug)."""
    languages = [lang for lang in ("en", "zh") if titles.get(lang)]
    slug = root.name
    course = {
        "title": {lang: titles[lang] for lang in languages},
        "summary": {lang: summaries.get(lang) or titles[lang] for lang in languages},
        "track": track,
        "languages": languages,
        "last_reviewed": date.today(),
        "sequential": False,
        "completion": {"lessons": "all", "quizzes": "all", "surveys": "none"},
        "certificate": {"title": _both("Certificate of completion", "结业证书", languages),
                        "text": _both("has completed the course", "已完成本课程", languages),
                        "colours": {"primary": "#5b2333", "accent": "#c08a2e"}},
        "modules": [{
            "slug": "module-1",
            "title": _both("Getting started", "开始学习", languages),
            "activities": [
                {"survey": "before", "title": _both("Before the course", "课前问卷", languages), "phase": "pre",
                 "instrument": slug},
                {"lesson": "01-introduction"},
                {"quiz": "01-check", "title": _both("Check", "自测", languages)},
                {"survey": "after", "title": _both("After the course", "课后问卷", languages), "phase": "post",
                 "instrument": slug},
            ],
        }],
    }
    (root / "lessons").mkdir(parents=True)
    (root / "quizzes").mkdir()
    (root / "surveys").mkdir()
    (root / "course.yaml").write_text(yaml.safe_dump(course, allow_unicode=True, sort_keys=False, width=100),
                                      encoding="utf-8")
    lesson = {"en": "# Introduction\n\nWrite the lesson here. A blank line starts a new paragraph; "
                    "**bold**, lists and tables work as in any Markdown.\n",
              "zh": "# 引言\n\n在这里写课文。空一行开始新的段落；**粗体**、列表和表格的写法与一般的 Markdown 相同。\n"}
    quiz = {"en": "::Check::Which of these is true?\n{\n  =The right answer#Right.\n  ~A wrong answer#Not quite.\n}\n",
            "zh": "::自测::下面哪一项是对的？\n{\n  =正确答案#对。\n  ~错误答案#不太对。\n}\n"}
    for i, lang in enumerate(languages):
        suffix = "" if i == 0 else f".{lang}"
        (root / "lessons" / f"01-introduction{suffix}.md").write_text(lesson[lang], encoding="utf-8")
        (root / "quizzes" / f"01-check{suffix}.gift").write_text(quiz[lang], encoding="utf-8")
    instrument = {"items": [
        {"id": "knows-the-topic", "type": "knowledge",
         "text": _both("Which of these is true?", "下面哪一项是对的？", languages),
         "choices": [_both("The right answer", "正确答案", languages), _both("A wrong answer", "错误答案", languages)],
         "answer": 0},
        {"id": "confidence", "type": "self",
         "text": _both("How confident are you in this subject?", "您对这个主题有多大把握？", languages)},
    ]}
    (root / "surveys" / f"{slug}.yaml").write_text(yaml.safe_dump(instrument, allow_unicode=True, sort_keys=False,
                                                                   width=100), encoding="utf-8")
