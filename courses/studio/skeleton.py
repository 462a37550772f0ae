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
    (root / "surveys" / f"{slug}.yaml").write_text(instrument_text(languages), encoding="utf-8")


def instrument_text(languages: list[str]) -> str:
    """A survey instrument to start from: one knowledge item and the self-report headline, asked
    before and after (matched by their ids)."""
    instrument = {"items": [
        {"id": "knows-the-topic", "type": "knowledge",
         "text": _both("Which of these is true?", "下面哪一项是对的？", languages),
         "choices": [_both("The right answer", "正确答案", languages), _both("A wrong answer", "错误答案", languages)],
         "answer": 0},
        {"id": "confidence", "type": "self",
         "text": _both("How confident are you in this subject?", "您对这个主题有多大把握？", languages)},
    ]}
    return yaml.safe_dump(instrument, allow_unicode=True, sort_keys=False, width=100)


#: A case's documents to start from: (file, stage, roles, English title, Chinese title).
CASE_DOCUMENTS = [
    ("case-file", "case-file", "all", "The case file", "案卷材料"),
    ("applicant-instructions", "case-file", ["applicant"], "Instructions to the applicant's team", "申请人一方的指示"),
    ("respondent-instructions", "case-file", ["respondent"], "Instructions to the respondent's team", "被申请人一方的指示"),
    ("bench-memo", "case-file", ["judge"], "Bench memo", "法官备忘录"),
]


def case_files(name: str, titles: dict[str, str], languages: list[str]) -> dict[str, str]:
    """A case exercise to start from, as its files in the package (cases/<name>/...): a case file
    for both sides, each side's instructions, a bench memo, written submissions and a hearing, a
    rubric of one criterion for each; every text in each language, to be rewritten."""
    def levels(en: list[str], zh: list[str]) -> list:
        return [_both(a, b, languages) for a, b in zip(en, zh, strict=True)]

    scale_en = ["Missing", "Weak", "Adequate", "Good", "Excellent"]
    scale_zh = ["缺失", "薄弱", "合格", "良好", "优秀"]
    title = {lang: titles.get(lang) or titles.get(languages[0]) or name.replace("-", " ") for lang in languages}
    case = {
        "title": title if len(languages) > 1 else title[languages[0]],
        "summary": _both("A fictional case: write what happens in it here.", "一个虚构的案例：在这里写案情。", languages),
        "team_size": 2,
        "pass_mark": 60,
        "weights": {"written": 60, "oral": 40},
        "stages": [
            {"slug": "case-file", "title": _both("Case file", "案卷材料", languages), "opens": "start"},
            {"slug": "hearing", "title": _both("Oral hearing", "开庭", languages), "opens": "trainer"},
        ],
        "submissions": {"due": 7, "max_words": 2000},
        "documents": [{"file": file, "stage": stage, "roles": roles} for file, stage, roles, _en, _zh in CASE_DOCUMENTS],
        "written_rubric": {"criteria": [
            {"slug": "law", "title": _both("Law and its application", "法律及其适用", languages), "weight": 1,
             "levels": levels(scale_en, scale_zh)}]},
        "oral_rubric": {"criteria": [
            {"slug": "advocacy", "title": _both("Advocacy", "庭审表现", languages), "weight": 1,
             "levels": levels(scale_en, scale_zh)}]},
        "hearing": {"stage": "hearing", "speaker_minutes": 10, "rebuttal_minutes": 3},
    }
    out = {f"cases/{name}/case.yaml": yaml.safe_dump(case, allow_unicode=True, sort_keys=False, width=100)}
    for file, _stage, _roles, en, zh in CASE_DOCUMENTS:
        for i, lang in enumerate(languages):
            heading, body = (zh, "在这里写这份材料。") if lang == "zh" else (en, "Write this document here.")
            out[f"cases/{name}/documents/{file}{'' if i == 0 else '.' + lang}.md"] = f"# {heading}\n\n{body}\n"
    return out
