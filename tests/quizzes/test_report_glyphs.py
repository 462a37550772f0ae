"""The survey report PDF draws every character with a real glyph (tests/pdf_glyphs.py), in both
languages, Chinese free-text answers with spaces included."""
from __future__ import annotations

from tests.conftest import login
from tests.pdf_glyphs import drawn_text, missing_glyphs
from tests.quizzes.surveys.test_survey_results import PLAN, answer, join
from training.extensions import db

COMMENTS = ["先 收集 证据。", "Slower interviews.", "安全\u00a0计划", "问 法院 调取 证据", "", "核对 保护令 的 措辞"]


def test_the_survey_report_has_every_glyph_in_english_and_chinese(client, cohort, make_user):
    for (handle, (pre, post)), comment in zip(PLAN.items(), COMMENTS, strict=True):
        join(cohort, make_user, handle)
        answer(handle, (pre, (*post[:4], comment)))
    db.session.commit()
    login(client, "coach")
    for lang, heading in (("en", "What changed"), ("zh", "培训带来的变化")):
        client.post("/language", data={"lang": lang})
        pdf = client.get(f"/courses/test-course/surveys/pre/report.pdf?cohort={cohort.id}").data
        missing = missing_glyphs(pdf)
        assert not missing, [(glyph.text, glyph.font) for glyph in missing]
        drawn = drawn_text(pdf)
        assert set(heading) <= set(drawn)
        assert set("先收集证据核对保护令措辞") <= set(drawn)  # the comments are in the report
